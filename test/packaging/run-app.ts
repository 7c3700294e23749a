import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { connect, createServer } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { strangerEnv } from './commands.js';
import { type Delivery, deliveryFor, SECRETS } from './deliveries.js';
import type { CheckedBlock } from './readme-blocks.js';

/** Deliveries in flight when SIGTERM arrives, and how long each of their handlers takes. */
const IN_FLIGHT = 5;
const HANDLER_DELAY_MS = 2_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  return port;
}

const STARTED = /your-code: \w+ started/g;
const FINISHED = /your-code: \w+ finished/g;
const count = (text: string, pattern: RegExp) => text.match(pattern)?.length ?? 0;

/** Whether something accepts connections on the port: the app is up, without a request it would log. */
const accepts = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

/**
 * Runs one compiled quick start as a new user would (`node app.js`) and checks what its README promises: it starts
 * listening on PORT, answers authentic deliveries 200, and on SIGTERM, sent while handlers are running, lets every one
 * of them finish and exits 0. Resolves to a one-line summary; throws with the app's output on any failure.
 */
export async function runApp(block: CheckedBlock, file: string, cwd: string): Promise<string> {
  const port = await freePort();
  const env = strangerEnv({
    ...SECRETS,
    PORT: String(port),
    HANDLER_DELAY_MS: String(HANDLER_DELAY_MS),
  });
  const child = spawn(process.execPath, [file], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
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
  const fail = (message: string) => new Error(`${block.name}: ${message}\n--- its output ---\n${output.trimEnd()}`);
  const url = `http://127.0.0.1:${port}${block.path}`;
  try {
    for (let deadline = Date.now() + 30_000; !(await accepts(port)); await sleep(100)) {
      if (child.exitCode !== null) throw fail(`exited with ${child.exitCode} before it listened`);
      if (Date.now() > deadline) throw fail('did not listen within 30 s');
    }

    let summary: string;
    if (block.send) {
      const post = (d: Delivery) => fetch(url, { method: 'POST', headers: d.headers, body: d.body });
      const deliveries = Array.from({ length: IN_FLIGHT }, () => deliveryFor(block.send!, block.geinsBody));
      for (const answer of await Promise.all(deliveries.map(post))) {
        const body = await answer.text();
        if (answer.status !== 200) throw fail(`answered ${answer.status} ${body} to an authentic delivery`);
      }
      for (let deadline = Date.now() + 10_000; count(output, STARTED) < IN_FLIGHT; await sleep(20)) {
        if (Date.now() > deadline) throw fail(`fewer than ${IN_FLIGHT} handlers started`);
      }
      summary = `${IN_FLIGHT} deliveries answered 200`;
    } else {
      const answer = await fetch(url, { method: 'POST', body: '{}' });
      if (answer.status >= 500) throw fail(`answered ${answer.status} on its route`);
      summary = `answers ${answer.status} on its route`;
    }

    const running = count(output, STARTED) - count(output, FINISHED);
    if (block.send && running === 0) throw fail('no handler was still running to stop: raise HANDLER_DELAY_MS');
    child.kill('SIGTERM');
    // Unreferenced: a pending timer must not keep this script alive after the app exited.
    const timeout = delay(30_000, 'timeout' as const, { ref: false });
    const end = await Promise.race([exited, timeout]);
    if (end === 'timeout') throw fail('still running 30 s after SIGTERM');
    // A handler may call the app several times (once per id), so one that was running can start another call after
    // SIGTERM: what counts is that every call that started also finished.
    const started = count(output, STARTED);
    const finished = count(output, FINISHED);
    const calls = `${finished} of ${started} handler calls finished`;
    if (end.code !== 0) throw fail(`exited with ${end.code ?? end.signal} on SIGTERM, not 0 (${calls})`);
    if (finished !== started) throw fail(`exited 0 on SIGTERM, but only ${calls}`);
    return running > 0
      ? `${summary}; SIGTERM with ${running} handlers running: all finished, exit 0`
      : `${summary}; exit 0 on SIGTERM`;
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}
