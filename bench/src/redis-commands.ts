/**
 * What one delivery costs Redis in a BullMQ row: the commands and Lua scripts Redis ran, per delivery, from
 * `INFO commandstats`. Serves the row in a child process as `pnpm bench` does, sends `--count` distinct deliveries
 * (`--connections` at a time), waits until the worker has completed every job, and divides.
 *
 *   pnpm bench:redis-commands [--row fastify-bullmq] [--count 5000] [--connections 32]
 *
 * Redis counts every client's commands, so point REDIS_URL at a Redis nobody else uses while this runs, e.g.
 * `redis-server --port 6391 --save ''` and REDIS_URL=redis://127.0.0.1:6391. Scripts show as `evalsha` (or `eval`
 * the first time on a connection); `--scripts` names them from `SCRIPT` cache digests it knows.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import type { ChildMessage } from './child.js';
import { type LoadRequest, paced, percentile } from './load.js';
import { buildPool, GENSTORE_SIGNATURE, genstoreRequest, PATH } from './payload.js';
import { ROWS } from './rows.js';

const here = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    row: { type: 'string', default: 'fastify-bullmq' },
    count: { type: 'string', default: '5000' },
    connections: { type: 'string', default: '32' },
    rate: { type: 'string' },
    'cpu-prof': { type: 'string' },
  },
});
const row = ROWS.find((r) => r.id === values.row);
if (row?.server.store !== 'redis-bullmq') {
  console.error(
    `bench: --row must name a BullMQ row (${ROWS.filter((r) => r.server.store === 'redis-bullmq')
      .map((r) => r.id)
      .join(', ')})`,
  );
  process.exit(2);
}
const count = Number(values.count);
const connections = Number(values.connections);
/** Deliveries a second, evenly paced (as the ack latency rows send); without it, as fast as `--connections` go. */
const rate = values.rate === undefined ? undefined : Number(values.rate);
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const runId = randomBytes(4).toString('hex');
const prefix = `hookinbox-bench:${runId}:${row.id}:`;

function startChild(): Promise<{ child: ChildProcess; port: number }> {
  const spec = { ...row?.server, redisUrl, redisPrefix: prefix };
  const child = fork(join(here, 'child.ts'), [JSON.stringify(spec)], {
    execArgv: values['cpu-prof']
      ? [...process.execArgv, '--cpu-prof', `--cpu-prof-dir=${values['cpu-prof']}`]
      : process.execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the server exited with code ${code}`)));
    child.on('message', (message: ChildMessage) => {
      if (message.type === 'ready') resolve({ child, port: message.port });
      else if (message.type === 'failed') reject(new Error(message.message));
    });
  });
}

const pool = buildPool(8_192, GENSTORE_SIGNATURE);

/** A distinct signed delivery, as `pnpm bench` sends them. */
function delivery(tag: string, n: number): LoadRequest {
  const id = `${runId}-${tag}-${n}`;
  const signed = pool[n % pool.length]?.distinct(id);
  if (!signed) throw new Error('bench: empty pool');
  return genstoreRequest(signed, id);
}

/** `total` deliveries at `perSecond`, evenly paced; resolves with the number answered 2xx and the p50 and p99. */
async function sendPaced(port: number, total: number, perSecond: number, tag: string) {
  let n = 0;
  const measured = await paced({
    port,
    path: PATH,
    seconds: total / perSecond,
    rate: perSecond,
    next: () => delivery(tag, n++),
  });
  const sorted = measured.latencies.sort((a, b) => a - b);
  return { ok: measured.ok, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99) };
}

/** Send `total` distinct deliveries, `parallel` at a time; resolves with the number answered 2xx. */
function send(port: number, total: number, parallel: number, tag: string): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: parallel });
  let next = 0;
  let ok = 0;
  const one = (): Promise<void> => {
    if (next >= total) return Promise.resolve();
    const { headers, body } = delivery(tag, next++);
    return new Promise<void>((done) => {
      const req = request(
        {
          agent,
          host: '127.0.0.1',
          port,
          path: PATH,
          method: 'POST',
          headers: { ...headers, 'content-length': String(body.length) },
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            if (res.statusCode && res.statusCode < 300) ok++;
            done();
          });
        },
      );
      req.on('error', () => done());
      req.end(body);
    }).then(one);
  };
  return Promise.all(Array.from({ length: parallel }, one)).then(() => {
    agent.destroy();
    return ok;
  });
}

/** `INFO commandstats` as command → calls. */
async function commandStats(redis: Redis): Promise<Map<string, number>> {
  const info = await redis.info('commandstats');
  const calls = new Map<string, number>();
  for (const line of info.split('\n')) {
    const match = /^cmdstat_([^:]+):calls=(\d+)/.exec(line.trim());
    if (match) calls.set(match[1] as string, Number(match[2]));
  }
  return calls;
}

/** Redis's own CPU time (user + system), in microseconds. */
async function redisCpu(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
  return (field('used_cpu_user') + field('used_cpu_sys')) * 1e6;
}

/** Send the child a message and wait for its answer of the given type. */
function ask<T extends ChildMessage['type']>(
  child: ChildProcess,
  type: 'mark' | 'report',
  answer: T,
): Promise<Extract<ChildMessage, { type: T }>> {
  return new Promise((done) => {
    const onMessage = (message: ChildMessage) => {
      if (message.type !== answer) return;
      child.off('message', onMessage);
      done(message as Extract<ChildMessage, { type: T }>);
    };
    child.on('message', onMessage);
    child.send({ type });
  });
}

async function completed(redis: Redis): Promise<number> {
  return redis.zcard(`${prefix}bull:bench:completed`);
}

const redis = new Redis(redisUrl);
const { child, port } = await startChild();
try {
  // Warm-up (connections, script loading, JIT), not counted.
  const warm = await send(port, 500, connections, 'warm');
  while ((await completed(redis)) < warm) await new Promise((r) => setTimeout(r, 50));
  await redis.config('RESETSTAT');
  await ask(child, 'mark', 'marked');
  const redisCpuBefore = await redisCpu(redis);
  const started = performance.now();
  let ok: number;
  let latency = '';
  if (rate === undefined) ok = await send(port, count, connections, 'run');
  else {
    const paced = await sendPaced(port, count, rate, 'run');
    ok = paced.ok;
    latency = `, sent at ${rate}/s: ack p50 ${paced.p50.toFixed(1)} ms, p99 ${paced.p99.toFixed(1)} ms`;
  }
  const answered = performance.now() - started;
  while ((await completed(redis)) < warm + ok) await new Promise((r) => setTimeout(r, 50));
  const drained = performance.now() - started;
  const report = await ask(child, 'report', 'report');
  const redisCpuMicros = (await redisCpu(redis)) - redisCpuBefore;
  const stats = await commandStats(redis);
  // This script's own polling and INFO.
  for (const own of ['zcard', 'info']) stats.delete(own);
  const total = [...stats.values()].reduce((a, b) => a + b, 0);
  console.log(
    `${row.id}: ${ok} of ${count} answered 2xx in ${(answered / 1000).toFixed(1)} s, all run by ${(drained / 1000).toFixed(1)} s${latency}`,
  );
  console.log(
    `CPU µs per delivery: server process ${(report.cpuMicros / ok).toFixed(0)}` +
      (report.workerCpuMicros === undefined ? '' : `, worker process ${(report.workerCpuMicros / ok).toFixed(0)}`) +
      `, Redis ${(redisCpuMicros / ok).toFixed(0)}`,
  );
  console.log(`Redis commands per delivery: ${(total / ok).toFixed(2)}`);
  for (const [name, calls] of [...stats.entries()].sort((a, b) => b[1] - a[1])) {
    console.log(`  ${name.padEnd(20)} ${(calls / ok).toFixed(3)}`);
  }
} finally {
  child.send({ type: 'stop' });
  await new Promise((r) => child.once('exit', r));
  await redis.quit();
}
