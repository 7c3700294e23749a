/**
 * CPU a delivery costs the Redis store, in the store's process and in Redis, for the store before the compact layout
 * (`before`: a key each) and today's (`compact`, and `keys`: today's code with `layout: 'keys'`).
 *
 *   pnpm bench:redis-cpu [--count 50000] [--concurrency 64] [--rounds 3] [--variants before,compact,keys,other]
 *                        [--other-store <path of another checkout's packages/redis/src/redis-store.ts>]
 *                        [--url redis://… --callgrind <pid of a redis-server under callgrind> --callgrind-dir <dir>]
 *
 * Each round runs every variant once, in turn, against a redis-server of its own on a free loopback port (so that
 * nobody else's commands count), emptied before each run: `count` deliveries, `concurrency` at a time, each a claim
 * and a commit through the store, as the receiver makes them. Printed per delivery: the process's CPU
 * (`process.cpuUsage`), Redis's (`used_cpu_user` + `used_cpu_sys` of `INFO cpu`), and the calls of each command from
 * `INFO commandstats` (commands run by a script count there too, under their own names).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { DedupeStore } from '@hookinbox/core';
import { redisStore } from '@hookinbox/redis';
import { Redis } from 'ioredis';
import { hasRedisServer, startRedisServer } from '../../test/setup/redis-server.js';
import { deliveryKey, newPopulation } from './redis-layouts.js';
import { redisStoreBefore } from './redis-store-before.js';

type Variant = 'before' | 'compact' | 'keys' | 'other';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '50000' },
    concurrency: { type: 'string', default: '64' },
    rounds: { type: 'string', default: '3' },
    variants: { type: 'string', default: 'before,compact' },
    url: { type: 'string' },
    callgrind: { type: 'string' },
    'callgrind-dir': { type: 'string' },
    'other-store': { type: 'string' },
  },
});
const count = Number(values.count);
const concurrency = Number(values.concurrency);
const rounds = Number(values.rounds);
const variants = values.variants.split(',') as Variant[];
/** `other`: the Redis store of another checkout, e.g. /tmp/old/packages/redis/src/redis-store.ts (pnpm installed). */
const other = values['other-store'] ? await import(values['other-store']) : undefined;
const LEASE_MS = 300_000;
const TTL_MS = 7 * 24 * 3_600_000;
const WARM_UP = 2_000;

function open(variant: Variant, url: string): DedupeStore & { close(): Promise<void> } {
  const keyPrefix = 'hookinbox-bench:';
  // Long enough for a redis-server under callgrind on a busy machine; no command is meant to time out here.
  const commandTimeoutMs = 10_000;
  if (variant === 'before') return redisStoreBefore({ url, keyPrefix, commandTimeoutMs });
  if (variant === 'other') return other.redisStore({ url, keyPrefix, commandTimeoutMs });
  return redisStore({ url, keyPrefix, commandTimeoutMs, layout: variant === 'keys' ? 'keys' : 'compact' });
}

async function deliver(store: DedupeStore, keys: (n: number) => string, from: number, to: number) {
  let next = from;
  const worker = async () => {
    while (next < to) {
      const key = keys(next++);
      const claim = await store.claim(key, LEASE_MS);
      if (claim.status !== 'claimed') throw new Error(`${key}: ${claim.status}`);
      if (!(await store.commit(key, claim.token, TTL_MS))) throw new Error(`${key}: commit refused`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

function info(text: string, field: string): number {
  const match = new RegExp(`^${field}:([0-9.]+)`, 'm').exec(text);
  return match ? Number(match[1]) : 0;
}

/** calls of each command since the last CONFIG RESETSTAT, but those of this script's own admin client. */
function commandCalls(text: string): Map<string, { calls: number; usec: number }> {
  const calls = new Map<string, { calls: number; usec: number }>();
  for (const [, name, n, usec] of text.matchAll(/^cmdstat_([a-z|]+):calls=(\d+),usec=(\d+)/gm)) {
    if (!(name as string).startsWith('info') && !(name as string).startsWith('config')) {
      calls.set(name as string, { calls: Number(n), usec: Number(usec) });
    }
  }
  return calls;
}

interface Result {
  client: number;
  redis: number;
  calls: Map<string, { calls: number; usec: number }>;
  /** Redis's instructions a delivery, with `--callgrind`. */
  instructions: number;
}

/**
 * With `--callgrind <pid>` (a redis-server run under `valgrind --tool=callgrind --instr-atstart=yes`, given with
 * `--url`), Redis's instructions for the measured deliveries: counters zeroed before, dumped after.
 */
function callgrind(action: 'zero' | 'dump'): number {
  if (!values.callgrind) return 0;
  const out = execFileSync('callgrind_control', [action === 'zero' ? '-z' : '-d', values.callgrind], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (action === 'zero') return 0;
  const dir = values['callgrind-dir'] ?? process.cwd();
  const files = readdirSync(dir)
    .filter((name) => name.startsWith(`callgrind.out.${values.callgrind}.`))
    .map((name) => join(dir, name))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  const latest = readFileSync(files[0] as string, 'utf8');
  const totals = /^(?:totals|summary): (\d+)/m.exec(latest);
  if (!totals) throw new Error(`bench:redis-cpu: no totals in ${files[0]} (${out.trim()})`);
  return Number(totals[1]);
}

async function runOnce(variant: Variant, url: string, admin: Redis): Promise<Result> {
  await admin.flushall();
  const population = newPopulation(count + WARM_UP, TTL_MS);
  const keys = (n: number) => deliveryKey(population, n);
  const store = open(variant, url);
  try {
    await deliver(store, keys, 0, WARM_UP);
    await admin.config('RESETSTAT');
    callgrind('zero');
    const redisBefore = await admin.info('cpu');
    const clientBefore = process.cpuUsage();
    await deliver(store, keys, WARM_UP, WARM_UP + count);
    const client = process.cpuUsage(clientBefore);
    const redisAfter = await admin.info('cpu');
    const instructions = callgrind('dump') / count;
    const stats = await admin.info('commandstats');
    const cpu = (text: string) => info(text, 'used_cpu_user') + info(text, 'used_cpu_sys');
    return {
      client: (client.user + client.system) / count,
      redis: ((cpu(redisAfter) - cpu(redisBefore)) * 1e6) / count,
      calls: commandCalls(stats),
      instructions,
    };
  } finally {
    await store.close();
  }
}

const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
};

async function main() {
  if (!values.url && !(await hasRedisServer())) throw new Error('bench:redis-cpu: no redis-server to start');
  const server = values.url ? { url: values.url, stop: async () => {} } : await startRedisServer();
  const admin = new Redis(server.url);
  const results = new Map<Variant, Result[]>(variants.map((v) => [v, []]));
  try {
    console.log(
      `bench:redis-cpu: ${count} deliveries a run, ${concurrency} at a time, ${rounds} rounds (µs a delivery)`,
    );
    for (let round = 1; round <= rounds; round++) {
      for (const variant of variants) {
        const result = await runOnce(variant, server.url, admin);
        results.get(variant)?.push(result);
        const calls = [...result.calls]
          .map(([name, n]) => `${name} ${(n.calls / count).toFixed(2)} (${(n.usec / count).toFixed(1)} µs)`)
          .join(', ');
        console.log(
          `round ${round} ${variant.padEnd(8)} client ${result.client.toFixed(1)}  redis ${result.redis.toFixed(1)}  ` +
            (values.callgrind ? `redis instructions ${Math.round(result.instructions)}  ` : '') +
            `commands a delivery (their µs in Redis): ${calls}`,
        );
      }
    }
    for (const [variant, list] of results) {
      const clients = list.map((r) => r.client);
      const redis = list.map((r) => r.redis);
      console.log(
        `${variant.padEnd(8)} median client ${median(clients).toFixed(1)} (${Math.min(...clients).toFixed(1)}–` +
          `${Math.max(...clients).toFixed(1)})  redis ${median(redis).toFixed(1)} (${Math.min(...redis).toFixed(1)}–` +
          `${Math.max(...redis).toFixed(1)})`,
      );
    }
  } finally {
    admin.disconnect();
    await server.stop();
  }
}

await main();
