/**
 * Redis memory of the @hookinbox/bullmq queue: per queued job (acknowledged, waiting for a worker), per completed job
 * (kept by `removeOnComplete`, default a day) and per failed job (a dead letter, kept until retried), and what each
 * retention setting leaves behind. Redis's `used_memory` before and after `--count` Genstore `orders/create`
 * deliveries of about 1 KB, divided by their number; BullMQ's event stream (trimmed to about 10,000 entries whatever
 * the retention) is reported apart.
 *
 *   pnpm bench:bullmq-memory [--count 10000] [--url redis://…]
 *
 * By default it starts a redis-server of its own on a free loopback port (no persistence) and stops it at the end.
 * With `--url` it uses that server under a key prefix of its own, deleted after each case; other clients of a shared
 * server then move `used_memory` too.
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { type BullmqQueueOptions, bullmqQueue, createWorker } from '@hookinbox/bullmq';
import { createMemoryStore, createReceiver, type Logger } from '@hookinbox/core';
import { genstore } from '@hookinbox/genstore';
import { genstoreDelivery } from '@hookinbox/testing';
import { Redis } from 'ioredis';
import { hasRedisServer, type RedisServer, startRedisServer } from '../../test/setup/redis-server.js';
import { GENSTORE_SECRET, orderBody, PATH, TOPIC } from './payload.js';

const { values } = parseArgs({ options: { count: { type: 'string', default: '10000' }, url: { type: 'string' } } });
const count = Number(values.count);
if (!Number.isInteger(count) || count <= 0) {
  console.error('bench:bullmq-memory: --count takes a positive integer');
  process.exit(2);
}

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let server: RedisServer | undefined;
let url = values.url;
if (!url) {
  if (!(await hasRedisServer())) {
    console.error('bench:bullmq-memory: no redis-server to start; install one, or give --url of a Redis to use');
    process.exit(2);
  }
  server = await startRedisServer();
  url = server.url;
}
const redis = new Redis(url);
const runPrefix = `hookinbox-bench-bullmq-memory:${randomUUID()}:`;

async function usedMemory(): Promise<number> {
  // Freed memory goes back to the allocator's counters at once; a short pause lets lazy frees finish.
  await sleep(300);
  return Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1]);
}

async function clean(prefix: string): Promise<void> {
  if (server) {
    await redis.flushall('SYNC');
    return;
  }
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 10_000);
    cursor = next;
    if (keys.length > 0) await redis.unlink(...keys);
  } while (cursor !== '0');
}

type Outcome = 'queued' | 'completed' | 'failed';

/** The bytes the case leaves in Redis, in all and in BullMQ's event stream, and the jobs left in each set. */
interface Measured {
  total: number;
  events: number;
  sets: Record<string, number>;
}

/**
 * Acknowledge `count` deliveries into a queue of its own (the 200 waits for each job), then, unless `queued`, let a
 * worker run them: a handler that succeeds, or one that fails every attempt (three, 0 ms apart) for `failed`.
 */
async function measure(outcome: Outcome, retention: BullmqQueueOptions['removeOnComplete']): Promise<Measured> {
  const prefix = `${runPrefix}${randomUUID()}:`;
  const location = { connection: url as string, queueName: 'memory', prefix: `${prefix}bull`, logger: silent };
  // Memory is measured, not latency: a write slowed by a busy machine must not become a 503.
  const queue = bullmqQueue({
    ...location,
    enqueueTimeoutMs: 60_000,
    ...(retention === undefined ? {} : { removeOnComplete: retention }),
  });
  await queue.ready();
  const receiver = createReceiver({
    provider: genstore({ secret: GENSTORE_SECRET }),
    store: createMemoryStore(),
    dispatcher: queue,
    deadLetters: queue,
    logger: silent,
    retry: { attempts: 3, minDelayMs: 0, maxDelayMs: 0 },
  });
  receiver.on(TOPIC, async () => {
    if (outcome === 'failed') throw new Error('the handler failed on purpose (bench:bullmq-memory)');
  });
  const before = await usedMemory();

  let next = 0;
  const send = async () => {
    for (let i = next++; i < count; i = next++) {
      const delivery = genstoreDelivery({ topic: TOPIC, payload: JSON.parse(orderBody(i)), secret: GENSTORE_SECRET });
      const answer = await receiver.handle({ ...delivery, method: 'POST', url: PATH });
      if (answer.status !== 200) throw new Error(`delivery ${i} answered ${answer.status}`);
    }
  };
  await Promise.all(Array.from({ length: 50 }, send));

  if (outcome !== 'queued') {
    const worker = await createWorker(receiver, {
      ...location,
      concurrency: 50,
      ...(retention === undefined ? {} : { removeOnComplete: retention }),
    });
    const key = queue.queue.toKey(outcome);
    // Done when nothing waits or runs any more (and, kept or not, every job has finished).
    for (;;) {
      const pending = await queue.pending();
      const finished = await redis.zcard(key);
      if (pending === 0 && finished >= Math.min(count, limitOf(retention))) break;
      await sleep(200);
    }
    await worker.close();
  }
  const sets: Record<string, number> = {};
  for (const set of ['wait', 'completed', 'failed']) {
    const key = queue.queue.toKey(set);
    sets[set] = set === 'wait' ? await redis.llen(key) : await redis.zcard(key);
  }
  const events = Number(await redis.call('MEMORY', 'USAGE', queue.queue.toKey('events'), 'SAMPLES', '0')) || 0;
  const total = (await usedMemory()) - before;
  await queue.close();
  await clean(prefix);
  return { total, events, sets };
}

/** Bytes a job left in Redis, besides the event stream, per job still kept (or per delivery when none is). */
function kept(m: Measured, outcome: Outcome): string {
  const jobs = outcome === 'queued' ? m.sets.wait : outcome === 'failed' ? m.sets.failed : m.sets.completed;
  const rest = m.total - m.events;
  return jobs ? `${fmt(rest / jobs)} B a job kept` : `${fmt(rest / count)} B a delivery`;
}

function limitOf(retention: BullmqQueueOptions['removeOnComplete']): number {
  return retention?.count ?? Number.POSITIVE_INFINITY;
}

const CASES: { label: string; outcome: Outcome; retention?: BullmqQueueOptions['removeOnComplete'] }[] = [
  { label: 'queued (waiting for a worker)', outcome: 'queued' },
  { label: 'completed, kept a day (default { age: 86400 })', outcome: 'completed' },
  { label: 'completed, removeOnComplete { count: 1000 }', outcome: 'completed', retention: { count: 1_000 } },
  { label: 'completed, removeOnComplete { count: 0 }', outcome: 'completed', retention: { count: 0 } },
  { label: 'failed (dead letters, 3 attempts)', outcome: 'failed' },
];

try {
  const version = /redis_version:(\S+)/.exec(await redis.info('server'))?.[1];
  const bodyBytes = Buffer.byteLength(orderBody(0));
  console.log(
    `Redis ${version} (${server ? 'a redis-server of its own' : `${url}, prefix ${runPrefix}`}), ` +
      `${fmt(count)} Genstore ${TOPIC} deliveries of ${fmt(bodyBytes)} bytes each\n`,
  );
  console.log(
    '| case | jobs left (wait / completed / failed) | used_memory a delivery | the event stream | the rest a job left |',
  );
  console.log('| --- | --- | ---: | ---: | ---: |');
  for (const c of CASES) {
    const m = await measure(c.outcome, c.retention);
    const left = `${fmt(m.sets.wait ?? 0)} / ${fmt(m.sets.completed ?? 0)} / ${fmt(m.sets.failed ?? 0)}`;
    console.log(
      `| ${c.label} | ${left} | ${fmt(m.total / count)} B | ${fmt(m.events / 1024 / 1024, 2)} MiB | ` +
        `${kept(m, c.outcome)} |`,
    );
  }
} finally {
  redis.disconnect();
  await server?.stop();
}
