import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';

const FIXTURE = fileURLToPath(new URL('../fixtures/queue-process.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** A running test/fixtures/queue-process.ts. */
export interface QueueProcess {
  child: ChildProcess;
  pid: number;
  /** The web port, or null for a worker. */
  port: number | null;
  output: () => string;
  exited: Promise<void>;
  /** Send `signal` (SIGKILL: a crash) and wait for the exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

const live = new Set<QueueProcess>();

/** Start a web process, a worker, or both (`ROLE`), and wait until it serves. */
export function startQueueProcess(env: Record<string, string>, timeoutMs = 30_000): Promise<QueueProcess> {
  return startFixtureProcess(FIXTURE, env, timeoutMs);
}

/** The same for any queue fixture that speaks this protocol (the pg-boss one too). */
export async function startFixtureProcess(
  fixture: string,
  env: Record<string, string>,
  timeoutMs = 30_000,
): Promise<QueueProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', fixture], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    if (output.length < 100_000) output += chunk.toString('utf8');
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const kill = async (signal: NodeJS.Signals = 'SIGKILL') => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
    live.delete(proc);
  };
  const proc: QueueProcess = { child, pid: child.pid ?? 0, port: null, output: () => output, exited, kill };
  live.add(proc);
  try {
    proc.port = await new Promise<number | null>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`queue process not ready in ${timeoutMs} ms:\n${output}`)),
        timeoutMs,
      );
      child.on('message', (m: { type?: string; port?: number | null }) => {
        if (m.type !== 'ready') return;
        clearTimeout(timer);
        resolve(m.port ?? null);
      });
      void exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`queue process exited at start:\n${output}`));
      });
    });
  } catch (error) {
    await kill();
    throw error;
  }
  return proc;
}

/** Kill every queue process still running (a test's cleanup). */
export async function killAllQueueProcesses(): Promise<void> {
  await Promise.all([...live].map((p) => p.kill()));
}

/** One handler run as the fixture records it. */
export interface Run {
  phase: 'start' | 'end';
  id: string;
  attempt: number;
  pid: number;
}

export async function readRuns(client: Redis, key: string): Promise<Run[]> {
  return (await client.lrange(key, 0, -1)).map((line) => JSON.parse(line) as Run);
}

/** The acknowledgements the fixture recorded: each event id answered 2xx, with the answering process. */
export async function readAcked(
  client: Redis,
  runsKey: string,
): Promise<{ id: string; status: number; pid: number }[]> {
  return (await client.lrange(`${runsKey}:acked`, 0, -1)).map((line) => JSON.parse(line));
}

/** Runs grouped by event id. */
export function runsById(runs: Run[]): Map<string, Run[]> {
  const byId = new Map<string, Run[]>();
  for (const run of runs) byId.set(run.id, [...(byId.get(run.id) ?? []), run]);
  return byId;
}

/** POST a delivery; resolves with the status, or 0 when the connection failed. */
export async function post(
  port: number,
  delivery: { url: string; headers: Record<string, string | string[]>; body: Buffer | string },
  timeoutMs = 5_000,
): Promise<number> {
  try {
    const headers = new Headers();
    for (const [name, value] of Object.entries(delivery.headers)) headers.set(name, String(value));
    const res = await fetch(`http://127.0.0.1:${port}${delivery.url}`, {
      method: 'POST',
      headers,
      body: delivery.body,
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0;
  }
}

/**
 * A round-robin HTTP proxy over the web processes, as a load balancer: a backend that refuses the connection or
 * drops it gets 502, which the sender retries like any failure.
 */
export async function startBalancer(backends: () => number[]): Promise<{ port: number; close(): Promise<void> }> {
  let next = 0;
  const server: Server = createServer((req, res) => {
    const ports = backends();
    const port = ports[next++ % Math.max(1, ports.length)];
    if (port === undefined) {
      res.writeHead(502).end();
      return;
    }
    const upstream = request(
      { host: '127.0.0.1', port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
