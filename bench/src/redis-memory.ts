/**
 * Redis memory of remembered deliveries in the Redis store's two layouts: one key each (`layout: 'keys'`, the store
 * before the compact layout) and the compact one (the default). For each size, Redis's `used_memory` before and after
 * writing that many deliveries, divided by their number.
 *
 *   pnpm bench:redis-memory [--sizes 100000,1000000,10000000] [--ttl-days 7] [--store-check 100000]
 *                           [--max-bytes 48] [--url redis://…]
 *
 * By default it starts a redis-server of its own on a free loopback port (compiled-in settings, no persistence) and
 * stops it at the end. With `--url` it uses that server under a key prefix of its own, deleted after each size; other
 * clients of a shared server then move `used_memory` too. Exits 1 when the compact layout misses `--max-bytes` at a
 * million deliveries or more.
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { redisStore } from '@hookinbox/redis';
import { Redis } from 'ioredis';
import { hasRedisServer, type RedisServer, startRedisServer } from '../../test/setup/redis-server.js';
import { deliveryKey, type LayoutName, newPopulation, type Population, ttlLeft, writeLayout } from './redis-layouts.js';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '100000,1000000,10000000' },
    'ttl-days': { type: 'string', default: '7' },
    'store-check': { type: 'string', default: '100000' },
    'max-bytes': { type: 'string', default: '48' },
    url: { type: 'string' },
  },
});
const sizes = values.sizes.split(',').map(Number);
const ttlMs = Number(values['ttl-days']) * 24 * 3_600_000;
const storeCheck = Number(values['store-check']);
const maxBytes = Number(values['max-bytes']);
if (sizes.some((n) => !Number.isInteger(n) || n <= 0) || !(ttlMs > 0) || !(storeCheck >= 0) || !(maxBytes > 0)) {
  console.error('bench:redis-memory: --sizes takes positive integers; --ttl-days, --max-bytes positive numbers');
  process.exit(2);
}

const LAYOUTS: LayoutName[] = ['keys', 'compact'];
const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let server: RedisServer | undefined;
let url = values.url;
if (!url) {
  if (!(await hasRedisServer())) {
    console.error('bench:redis-memory: no redis-server to start; install one, or give --url of a Redis to use');
    process.exit(2);
  }
  // DEBUG HTSTATS tells when Redis has finished growing its key tables (see settle()); hz 500 has it move them
  // fifty times faster than the default 10 (a millisecond of each cron tick goes to it).
  server = await startRedisServer(['--enable-debug-command', 'local', '--hz', '500']);
  url = server.url;
}
const redis = new Redis(url);
const ownPrefix = `hookinbox-bench-memory:${randomUUID()}:`;
const keyPrefix = server ? 'hookinbox:' : ownPrefix;

async function usedMemory(): Promise<number> {
  return Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1]);
}

async function config(name: string): Promise<string | undefined> {
  const reply = (await redis.config('GET', name).catch(() => [])) as string[];
  return reply[1];
}

/**
 * Wait until Redis has finished moving its key tables to their grown size: while it moves them it holds both, and
 * `used_memory` counts a table that is about to be freed. Without DEBUG (a shared server), wait a fixed while.
 */
async function settle(): Promise<void> {
  // HTSTATS walks the whole tables, so it is asked seldom: asked often, it would hold up the moving it waits for.
  for (let i = 0; i < 300; i++) {
    const stats = await redis.call('DEBUG', 'HTSTATS', '0').catch(() => undefined);
    if (stats === undefined) {
      await sleep(20_000);
      return;
    }
    if (!String(stats).includes('rehashing')) return;
    await sleep(2_000);
  }
}

/** Delete what this run wrote: the whole server when it is this run's own, else the run's prefix. */
async function clean(): Promise<void> {
  if (server) {
    await redis.flushall('SYNC');
    return;
  }
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${ownPrefix}*`, 'COUNT', 10_000);
    cursor = next;
    if (keys.length > 0) await redis.unlink(...keys);
  } while (cursor !== '0');
}

/** The store itself must read every sampled delivery as done, and new ones as new. */
async function verify(layout: LayoutName, population: Population): Promise<void> {
  const store = redisStore({ client: redis, keyPrefix, layout, commandTimeoutMs: 10_000 });
  const step = Math.max(1, Math.floor(population.count / 500));
  for (let n = 0; n < population.count; n += step) {
    const claim = await store.claim(deliveryKey(population, n), 60_000);
    if (claim.status !== 'done') throw new Error(`delivery ${n} reads ${claim.status}, not done (${layout})`);
  }
  const fresh = newPopulation(100, ttlMs);
  for (let n = 0; n < fresh.count; n++) {
    const key = deliveryKey(fresh, n);
    const claim = await store.claim(key, 60_000);
    if (claim.status !== 'claimed') throw new Error(`a new delivery reads ${claim.status} (${layout})`);
    await store.release(key, claim.token);
  }
}

/** Encodings and the largest shard of the compact layout. */
async function shardStats(): Promise<string> {
  const encodings = new Map<string, number>();
  let largest = 0;
  let shards = 0;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${keyPrefix}#d*`, 'COUNT', 5_000);
    cursor = next;
    const pipeline = redis.pipeline();
    for (const key of keys) pipeline.object('ENCODING', key).hlen(key);
    const replies = (await pipeline.exec()) ?? [];
    for (let i = 0; i < replies.length; i += 2) {
      const encoding = String(replies[i]?.[1]);
      encodings.set(encoding, (encodings.get(encoding) ?? 0) + 1);
      largest = Math.max(largest, Number(replies[i + 1]?.[1]) - 2);
    }
    shards += keys.length;
  } while (cursor !== '0');
  const byEncoding = [...encodings].map(([name, n]) => `${fmt(n)} ${name}`).join(', ');
  return `${fmt(shards)} shards (${byEncoding}), largest ${fmt(largest)} deliveries`;
}

/** Bytes per delivery of the compact layout when the store itself claims and commits each delivery. */
async function throughStore(count: number): Promise<number> {
  await clean();
  await settle();
  const population = newPopulation(count, ttlMs);
  const store = redisStore({ client: redis, keyPrefix, commandTimeoutMs: 30_000 });
  const before = await usedMemory();
  let next = 0;
  const worker = async () => {
    for (let n = next++; n < count; n = next++) {
      const key = deliveryKey(population, n);
      const claim = await store.claim(key, 60_000);
      if (claim.status !== 'claimed' || !(await store.commit(key, claim.token, ttlLeft(population, n)))) {
        throw new Error(`the store did not claim and commit delivery ${n}`);
      }
    }
  };
  await Promise.all(Array.from({ length: 200 }, worker));
  await settle();
  return ((await usedMemory()) - before) / count;
}

try {
  const version = /redis_version:(\S+)/.exec(await redis.info('server'))?.[1];
  // Redis 7 names the settings listpack, Redis 6 ziplist; 7 answers to both.
  const entries = (await config('hash-max-listpack-entries')) ?? (await config('hash-max-ziplist-entries'));
  const value = (await config('hash-max-listpack-value')) ?? (await config('hash-max-ziplist-value'));
  console.log(
    `Redis ${version} (${server ? 'a redis-server of its own' : `${url}, prefix ${ownPrefix}`}), ` +
      `hash-max-listpack-entries ${entries ?? 'unknown'}, hash-max-listpack-value ${value ?? 'unknown'} ` +
      '(defaults 512 and 64: the compact layout assumes them)',
  );
  console.log(
    `${fmt(ttlMs / 86_400_000, 1)}-day ttl, what is left of it spread evenly from an hour up; ` +
      'dedupe keys genstore:webhook:<uuid>, ' +
      `key prefix ${keyPrefix}\n`,
  );

  const rows: {
    size: number;
    bytes: Record<LayoutName, number>;
    seconds: Record<LayoutName, number>;
    shards: string;
  }[] = [];
  for (const size of sizes) {
    const row = { size, bytes: { keys: 0, compact: 0 }, seconds: { keys: 0, compact: 0 }, shards: '' };
    for (const layout of LAYOUTS) {
      await clean();
      await settle();
      const population = newPopulation(size, ttlMs);
      const before = await usedMemory();
      row.seconds[layout] = await writeLayout(url, keyPrefix, layout, population);
      await settle();
      row.bytes[layout] = ((await usedMemory()) - before) / size;
      await verify(layout, population);
      if (layout === 'compact') row.shards = await shardStats();
      console.log(
        `${fmt(size).padStart(11)} deliveries, ${layout.padEnd(7)}: ${fmt(row.bytes[layout], 1).padStart(6)} bytes ` +
          `each (written in ${fmt(row.seconds[layout], 1)} s)${layout === 'compact' ? `; ${row.shards}` : ''}`,
      );
    }
    rows.push(row);
  }

  console.log('\n| deliveries | one key each | compact | compact ÷ keys |');
  console.log('| ---: | ---: | ---: | ---: |');
  for (const { size, bytes } of rows) {
    console.log(
      `| ${fmt(size)} | ${fmt(bytes.keys, 1)} B | ${fmt(bytes.compact, 1)} B | ${fmt(bytes.compact / bytes.keys, 2)} |`,
    );
  }

  if (storeCheck > 0) {
    const viaStore = await throughStore(storeCheck);
    const bulk = rows.find((row) => row.size === storeCheck)?.bytes.compact;
    console.log(
      `\nThrough the store (claim + commit each): ${fmt(storeCheck)} deliveries, ${fmt(viaStore, 1)} bytes each` +
        (bulk === undefined ? '' : ` (written in bulk above: ${fmt(bulk, 1)})`),
    );
  }

  const judged = rows.filter((row) => row.size >= 1_000_000);
  const missed = judged.filter((row) => row.bytes.compact >= maxBytes);
  for (const row of judged) {
    console.log(
      `${row.bytes.compact < maxBytes ? 'met   ' : 'MISSED'} compact < ${maxBytes} bytes a delivery at ${fmt(row.size)}`,
    );
  }
  if (missed.length > 0) process.exitCode = 1;
} finally {
  await clean().catch(() => {});
  redis.disconnect();
  await server?.stop();
}
