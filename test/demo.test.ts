import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { pnpmScript } from './helpers/pnpm.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Indices of the lines matching `pattern`, in order. */
const linesMatching = (lines: string[], pattern: RegExp) =>
  lines.flatMap((line, index) => (pattern.test(line) ? [index] : []));

describe('pnpm start (the demo a new user runs first)', () => {
  it('prints each step with its log lines and answer in order, and ends on Ctrl+C with one goodbye line and exit 0', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', FORCE_COLOR: '0' };
    // The memory store: the demo's deliveries must not stay behind in a shared Redis.
    delete env.REDIS_URL;
    // Its own process group, like a command started from a shell: Ctrl+C signals the whole group.
    const child = spawn(process.execPath, [pnpmScript(), 'start'], {
      cwd: ROOT,
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('close', (code, signal) => resolve({ code, signal })),
    );
    const pid = child.pid as number;
    try {
      const deadline = Date.now() + 100_000;
      while (!output.includes('Ctrl+C to stop.')) {
        if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the demo did not finish:\n${output}`);
        await sleep(50);
      }
      // What the terminal does on Ctrl+C: SIGINT to every process of the foreground group (pnpm and the demo).
      process.kill(-pid, 'SIGINT');
      expect(await exited, output).toEqual({ code: 0, signal: null });
    } finally {
      if (child.exitCode === null && child.signalCode === null) process.kill(-pid, 'SIGKILL');
    }

    for (const noise of ['ERR_PNPM', 'ELIFECYCLE', 'Terminated', 'Command failed']) expect(output).not.toContain(noise);
    const lines = output.split('\n').filter((line) => line.trim() !== '');

    // One goodbye line after the last line of the demo, and the demo's scratch folder is gone.
    const last = lines.indexOf('Send your own deliveries (see the README for a signed curl line). Ctrl+C to stop.');
    expect(lines.slice(last + 1)).toEqual(['Stopped; the demo database and exports were removed.']);
    const database = /database: (\S+)/.exec(output)?.[1] as string;
    expect(existsSync(database)).toBe(false);

    // Steps 1 to 11 in order; each one's answer comes after its title and before the next title, and the only log
    // line (the forged delivery's refusal) sits inside its own step, before its answer.
    const titles = linesMatching(lines, /^\s?\d{1,2}\. /);
    expect(titles.map((i) => Number.parseInt(lines[i] as string, 10))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    const answers = linesMatching(lines, /^ {4}→ \d{3} /);
    expect(answers).toHaveLength(titles.length);
    titles.forEach((title, step) => {
      const answer = answers[step] as number;
      expect(answer).toBeGreaterThan(title);
      expect(answer).toBeLessThan(titles[step + 1] ?? last);
    });
    const forged = titles[5] as number;
    expect(lines[forged]).toContain('A forged delivery');
    const logLines = linesMatching(lines, /^ {4}\[gdpr-express\] /);
    expect(logLines).toEqual([forged + 1]);
    expect(lines[forged + 1]).toContain('invalid_signature');
    expect(lines[forged + 2]).toMatch(/^ {4}→ 401 /);
  }, 150_000);
});
