/**
 * What a delivery costs PostgreSQL on the pg-boss rows' setup, with no HTTP: the statements (round trips) node-postgres
 * sends, the write transactions (each one a WAL flush to wait for, with `synchronous_commit` on) and the CPU of this
 * process and of its PostgreSQL backends, per delivery. Two phases: the acknowledgement (`receiver.receive` of
 * `--count` distinct signed deliveries, `--concurrency` at a time, no worker), then the worker draining those jobs.
 *
 *   node --conditions=source --import tsx bench/src/pg-boss-costs.ts [--count 2000] [--concurrency 32] [--pool 32]
 *
 * DATABASE_URL selects the server (default postgres://postgres@127.0.0.1:5432/test). Write transactions are counted
 * as the advance of the server's next transaction id, which other sessions on the same server move too: run it on a
 * quiet server, or read the figure as an upper bound.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createReceiver, silentLogger } from '@hookinbox/core';
import { genstore } from '@hookinbox/genstore';
import pg from 'pg';
import { GENSTORE_SECRET, orderBody, PATH, SHOP_DOMAIN, signGenstore, TOPIC } from './payload.js';
import { openPgBoss } from './pg-boss-queue.js';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '32' },
    pool: { type: 'string', default: '32' },
  },
});
const count = Number(values.count);
const concurrency = Number(values.concurrency);
const url = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';

// Every statement of every pool in this process (the store's, pg-boss's) goes through Client#query.
let statements = 0;
const query = pg.Client.prototype.query;
pg.Client.prototype.query = function counted(this: pg.Client, ...args: unknown[]) {
  statements++;
  return (query as (...a: unknown[]) => unknown).apply(this, args);
} as typeof query;

const admin = new pg.Client({ connectionString: url });
await admin.connect();
const run = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
const schema = `hookinbox_costs_${run}`;
const setup = await openPgBoss(url, schema, Number(values.pool));
const receiver = createReceiver({
  provider: genstore({ secret: GENSTORE_SECRET }),
  logger: silentLogger,
  ...setup.options,
});
let handled = 0;
receiver.on(TOPIC, () => {
  handled++;
});

/** Next transaction id of the server: how many write transactions (each a WAL flush at commit) began. */
const nextXid = async () =>
  BigInt((await admin.query('SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS x')).rows[0].x as string);

/** CPU time (µs) of the backends serving this process's pools, from /proc (Linux). */
async function backendCpu(): Promise<number> {
  const { rows } = await admin.query(
    'SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
  );
  const tick = 1e6 / 100; // USER_HZ
  let total = 0;
  for (const { pid } of rows) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
      total += (Number(fields[11]) + Number(fields[12])) * tick;
    } catch {
      // a backend that ended in between
    }
  }
  return total;
}

async function phase(name: string, work: () => Promise<number[]>) {
  const [x0, b0, s0, c0] = [await nextXid(), await backendCpu(), statements, process.cpuUsage()];
  const started = performance.now();
  const latencies = await work();
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(c0);
  const [x1, b1, s1] = [await nextXid(), await backendCpu(), statements];
  latencies.sort((a, b) => a - b);
  const at = (q: number) => (latencies[Math.floor(q * (latencies.length - 1))] ?? 0).toFixed(1);
  const per = (n: number | bigint) => (Number(n) / count).toFixed(2);
  console.log(
    `${name}: ${per(s1 - s0)} statements, ${per(x1 - x0)} write transactions, ` +
      `${Math.round((cpu.user + cpu.system) / count)} µs node CPU, ${Math.round((b1 - b0) / count)} µs backend CPU ` +
      `per delivery; ${Math.round(count / seconds)} deliveries/s` +
      (latencies.length > 0 ? `, p50 ${at(0.5)} ms, p99 ${at(0.99)} ms` : ''),
  );
}

try {
  const deliveries = Array.from({ length: count }, (_, i) => {
    const body = Buffer.from(orderBody(i).replace(/}$/, `,"delivery":"${run}-${i}"}`));
    return {
      method: 'POST',
      url: PATH,
      body,
      headers: {
        'content-type': 'application/json',
        'x-genstore-hmac-sha256': signGenstore(body),
        'x-genstore-topic': TOPIC,
        'x-genstore-shop-domain': SHOP_DOMAIN,
        'x-genstore-webhook-id': `${run}-${i}`,
      },
    };
  });
  await phase('ack', async () => {
    const latencies: number[] = [];
    let next = 0;
    const loop = async () => {
      while (next < count) {
        const delivery = deliveries[next++] as (typeof deliveries)[number];
        const started = performance.now();
        const answer = await receiver.receive(delivery, { lowerCaseHeaders: true });
        if (answer.status !== 200) throw new Error(`bench: answered ${answer.status}: ${answer.body}`);
        latencies.push(performance.now() - started);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, loop));
    return latencies;
  });
  await phase('worker', async () => {
    await setup.startWorker(receiver);
    while (handled < count) await new Promise((resolve) => setTimeout(resolve, 20));
    return [];
  });
} finally {
  await receiver.close({ timeoutMs: 1_000 });
  await setup.close();
  await admin.end();
}
