import { execFile } from 'node:child_process';
import { delimiter, dirname } from 'node:path';

export interface CommandResult {
  ok: boolean;
  /** stdout then stderr. */
  output: string;
  seconds: number;
}

/**
 * The environment of a new user's shell: this process's Node first on PATH (so `npm`, `npx` and the apps run on the
 * Node under check, whichever started this script), and none of the `npm_*` / pnpm variables a package manager sets
 * for its scripts, which would change what npm does.
 */
export function strangerEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(npm_|pnpm_)/i.test(key) && key !== 'NODE_OPTIONS' && key !== 'INIT_CWD') env[key] = value;
  }
  env.PATH = [dirname(process.execPath), process.env.PATH ?? ''].join(delimiter);
  return { ...env, ...extra };
}

/** Runs a command to its end (at most `timeoutMs`) and reports, rather than throws, a failure. */
export function runCommand(
  command: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<CommandResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      {
        cwd: options.cwd,
        env: options.env ?? strangerEnv(),
        timeout: options.timeoutMs ?? 300_000,
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const seconds = (performance.now() - started) / 1000;
        const output = `${stdout}${stderr}${error && !stdout && !stderr ? error.message : ''}`;
        resolve({ ok: error === null, output, seconds });
      },
    );
  });
}
