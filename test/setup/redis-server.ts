import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

// Standalone, Cluster and Sentinel servers share the spawning, waiting and stopping above them: one module, a little
// past the usual length of one, rather than three that import each other's helpers.

/** A redis-server process started by the tests, on loopback, with no persistence. */
export interface RedisServer {
  port: number;
  url: string;
  /** Start it again on the same port after `stop()` (a Redis coming back after an outage). */
  restart(): Promise<void>;
  /**
   * End the process with `signal` and wait for it to exit, keeping its data folder, so that `restart()` starts it
   * again on what it persisted (with `--appendonly yes`, its AOF): a crash (SIGKILL) or a shutdown (SIGTERM).
   */
  kill(signal: NodeJS.Signals): Promise<void>;
  /** Stop it and wait for the process to exit. Safe to call twice. */
  stop(): Promise<void>;
}

export interface RedisCluster {
  ports: number[];
  /** Seed nodes for an ioredis `Cluster`. */
  nodes: { host: string; port: number }[];
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

// If a test process dies without its afterAll, do not leave servers behind.
function installExitHook() {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

/** Send PING over a bare socket; true when Redis answers PONG within `timeoutMs`. */
export function pingRedis(port: number, host = HOST, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    let reply = '';
    const finish = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      if (reply.includes('\r\n')) finish(reply.startsWith('+PONG'));
    });
    socket.on('error', () => finish(false));
  });
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, HOST, () => server.close(() => resolve(true)));
  });
}

/**
 * A loopback port that is free now. Cluster nodes also listen on port + 10000 (the cluster bus), so with
 * `withBus` both must be free.
 */
export async function freePort(withBus = false): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const port = 20_000 + Math.floor(Math.random() * 30_000);
    if ((await portIsFree(port)) && (!withBus || (await portIsFree(port + 10_000)))) return port;
  }
  throw new Error('no free loopback port found for redis-server');
}

/** True when a redis-server binary can be run. */
export async function hasRedisServer(): Promise<boolean> {
  try {
    await run('redis-server', ['--version'], { timeout: 5_000 });
    return true;
  } catch {
    return false;
  }
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

const serverArgs = (port: number, dir: string, extra: string[]) => [
  '--port',
  String(port),
  '--bind',
  HOST,
  '--save',
  '',
  '--appendonly',
  'no',
  '--dir',
  dir,
  '--daemonize',
  'no',
  '--loglevel',
  'warning',
  ...extra,
];

/** Spawn redis-server; its output is kept (bounded) to explain a failed start. */
function spawnServer(args: string[]): { child: ChildProcess; output: () => string } {
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => {
    if (output.length < 4_000) output += chunk.toString('utf8');
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  installExitHook();
  live.add(child);
  child.once('exit', () => live.delete(child));
  return { child, output: () => output.trim() };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
  await exited;
  clearTimeout(timer);
}

/** Spawn on `port` and wait until it answers; reject (and kill it) if it does not within `timeoutMs`. */
async function startOn(port: number, args: string[], timeoutMs = 5_000): Promise<ChildProcess> {
  const { child, output } = spawnServer(args);
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  try {
    await waitFor(
      async () => {
        if (exited) throw new Error(`redis-server on port ${port} exited at start: ${output()}`);
        return pingRedis(port);
      },
      timeoutMs,
      `redis-server on port ${port}`,
    );
  } catch (error) {
    await stopChild(child);
    throw error;
  }
  return child;
}

/**
 * Start a standalone redis-server on a free loopback port, in a temp dir, without persistence. `args` go on its
 * command line after those (e.g. `['--enable-debug-command', 'local']`).
 */
export async function startRedisServer(args: string[] = []): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), 'hookinbox-redis-'));
  let port = 0;
  let child: ChildProcess | undefined;
  // Another process may take the port between the check and the bind; try a few.
  for (let attempt = 0; child === undefined; attempt++) {
    port = await freePort();
    try {
      child = await startOn(port, serverArgs(port, dir, args));
    } catch (error) {
      if (attempt >= 4) {
        rmSync(dir, { recursive: true, force: true });
        throw error;
      }
    }
  }
  let current: ChildProcess | undefined = child;
  return {
    port,
    url: `redis://${HOST}:${port}`,
    async restart() {
      if (current && current.exitCode === null && current.signalCode === null) return;
      mkdirSync(dir, { recursive: true });
      current = await startOn(port, serverArgs(port, dir, args));
    },
    async kill(signal) {
      const child = current;
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill(signal);
      await exited;
    },
    async stop() {
      if (current) await stopChild(current);
      current = undefined;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Start a Redis Cluster of `masters` masters and no replicas on free loopback ports, and wait for
 * `cluster_state:ok` on every node. `stop()` kills the nodes and removes their temp dir.
 */
export async function startRedisCluster(masters = 3): Promise<RedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'hookinbox-redis-cluster-'));
  const children: ChildProcess[] = [];
  const ports: number[] = [];
  const stop = async () => {
    await Promise.all(children.map(stopChild));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    while (ports.length < masters) {
      const port = await freePort(true);
      if (ports.includes(port)) continue;
      try {
        const extra = ['--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${port}.conf`)];
        children.push(await startOn(port, serverArgs(port, dir, extra)));
        ports.push(port);
      } catch {
        // Port taken in the meantime: pick another.
      }
    }
    await run(
      'redis-cli',
      ['--cluster', 'create', ...ports.map((p) => `${HOST}:${p}`), '--cluster-replicas', '0', '--cluster-yes'],
      { timeout: 15_000 },
    );
    await waitFor(
      async () => {
        const states = await Promise.all(
          ports.map((p) =>
            run('redis-cli', ['-h', HOST, '-p', String(p), 'cluster', 'info'], { timeout: 2_000 }).then(
              (r) => r.stdout.includes('cluster_state:ok'),
              () => false,
            ),
          ),
        );
        return states.every(Boolean);
      },
      10_000,
      'cluster_state:ok on every node',
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { ports, nodes: ports.map((port) => ({ host: HOST, port })), stop };
}

export interface RedisSentinel {
  /** The master's name, as ioredis's `name` option wants it. */
  name: string;
  /** Sentinels for ioredis's `sentinels` option. */
  sentinels: { host: string; port: number }[];
  stop(): Promise<void>;
}

/** Start one master and one Sentinel watching it, on free loopback ports. */
export async function startRedisSentinel(): Promise<RedisSentinel> {
  const name = 'hookinbox-test';
  const master = await startRedisServer();
  const dir = mkdtempSync(join(tmpdir(), 'hookinbox-redis-sentinel-'));
  let sentinel: ChildProcess | undefined;
  const stop = async () => {
    if (sentinel) await stopChild(sentinel);
    await master.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    let port = 0;
    for (let attempt = 0; sentinel === undefined; attempt++) {
      port = await freePort();
      // Sentinel rewrites its config file, so each gets its own, in the temp dir.
      const config = join(dir, `sentinel-${port}.conf`);
      writeFileSync(
        config,
        [
          `port ${port}`,
          `bind ${HOST}`,
          `dir ${dir}`,
          `sentinel monitor ${name} ${HOST} ${master.port} 1`,
          `sentinel down-after-milliseconds ${name} 5000`,
          '',
        ].join('\n'),
      );
      try {
        sentinel = await startOn(port, [config, '--sentinel', '--loglevel', 'warning']);
      } catch (error) {
        if (attempt >= 4) throw error;
      }
    }
    const sentinelPort = port;
    await waitFor(
      async () => {
        const reply = await run(
          'redis-cli',
          ['-h', HOST, '-p', String(sentinelPort), 'sentinel', 'get-master-addr-by-name', name],
          { timeout: 2_000 },
        ).catch(() => ({ stdout: '' }));
        return reply.stdout.includes(String(master.port));
      },
      5_000,
      'the Sentinel to know its master',
    );
    return { name, sentinels: [{ host: HOST, port: sentinelPort }], stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
