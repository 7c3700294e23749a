/**
 * Throughput of the PostgreSQL dedupe store alone, no HTTP: `--concurrency` loops each claim a fresh key and commit
 * it, for `--duration` seconds, over one pool of `--pool` connections. Prints claim + commit pairs per second and the
 * latency of a pair. Works in a schema of its own, dropped at the end.
 *
 *   node --conditions=source --import tsx bench/src/postgres-store.ts [--duration 10] [--concurrency 32] [--pool 10]
 *
 * DATABASE_URL selects the server (default postgres://postgres@127.0.0.1:5432/test).
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { migrate, postgresStore } from '@hookinbox/postgres';
import pg from 'pg';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '32' },
    pool: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
  },
});
const durationMs = Number(values.duration) * 1000;
const warmupMs = Number(values.warmup) * 1000;
const concurrency = Number(values.concurrency);
const url = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';

const pool = new pg.Pool({ connectionString: url, max: Number(values.pool), statement_timeout: 5_000 });
pool.on('error', () => {});
const schema = `hookinbox_bench_${randomBytes(6).toString('hex')}`;
const settings = await pool.query(
  "SELECT name, setting FROM pg_settings WHERE name IN ('synchronous_commit', 'fsync', 'server_version') ORDER BY name",
);

try {
  await migrate(pool, { schema });
  const store = postgresStore({ pool, schema, cleanup: false, commandTimeoutMs: 5_000 });
  const DAY = 24 * 3_600_000;
  let n = 0;
  const run = async (until: number, latencies: number[] | undefined) => {
    let pairs = 0;
    const loop = async () => {
      while (performance.now() < until) {
        const key = `genstore:bench-${n++}`;
        const started = performance.now();
        const claim = await store.claim(key, 60_000);
        if (claim.status !== 'claimed') throw new Error(`key ${key} was not new (${claim.status})`);
        if (!(await store.commit(key, claim.token, 7 * DAY))) throw new Error(`commit of ${key} failed`);
        latencies?.push(performance.now() - started);
        pairs++;
      }
    };
    await Promise.all(Array.from({ length: concurrency }, loop));
    return pairs;
  };

  await run(performance.now() + warmupMs, undefined);
  const latencies: number[] = [];
  const started = performance.now();
  const pairs = await run(started + durationMs, latencies);
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    (latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0).toFixed(2);
  console.log(
    `postgres store: ${Math.round(pairs / seconds)} claim+commit pairs/s (${pairs} in ${seconds.toFixed(1)} s), ` +
      `pair latency p50 ${at(0.5)} ms, p99 ${at(0.99)} ms; concurrency ${concurrency}, pool ${values.pool}; ` +
      settings.rows.map((r) => `${r.name}=${r.setting}`).join(', '),
  );
} finally {
  await pool.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`);
  await pool.end();
}
