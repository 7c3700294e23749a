import { createReceiver, type Provider, silentLogger } from '@hookinbox/core';
import { migrate, postgresStore, type Queryable } from '@hookinbox/postgres';
import { describeDedupeStore } from '@hookinbox/testing/store-contract';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { connectTestDatabase, databaseUrl, dropSchema, uniqueSchema } from './helpers/postgres.js';

let pool: pg.Pool;
const schema = uniqueSchema();
let tables = 0;
const newTable = () => `dedupe_${++tables}`;

beforeAll(async () => {
  pool = await connectTestDatabase();
});

afterAll(async () => {
  await dropSchema(pool, schema);
  await pool.end();
});

const dropTable = (table: string) => pool.query(`DROP TABLE IF EXISTS "${schema}"."${table}"`).then(() => {});

// No cleanup timer in either: expiry must come from the statements themselves, with the expired rows still there.
// A long command timeout: the suite's 1,000 simultaneous claims queue for a pool of 10 connections, which on a loaded
// 2-core machine takes over the 1 s default; the timeout itself is tested in postgres-failure.test.ts.
const commandTimeoutMs = 10_000;
describeDedupeStore('postgres (injected pool, table made by migrate)', async () => {
  const table = newTable();
  await migrate(pool, { schema, table });
  return {
    store: postgresStore({ pool, schema, table, cleanup: false, commandTimeoutMs }),
    cleanup: () => dropTable(table),
  };
});

describeDedupeStore('postgres (a pool of its own from connectionString, createTable: true)', () => {
  const table = newTable();
  const store = postgresStore({
    connectionString: databaseUrl(),
    schema,
    table,
    createTable: true,
    cleanup: false,
    commandTimeoutMs,
  });
  return {
    store,
    cleanup: async () => {
      await store.close();
      await dropTable(table);
    },
  };
});

/** The row of `key` as the database sees it, with the time left in milliseconds. */
async function rowOf(table: string, key: string) {
  const { rows } = await pool.query<{ token: string | null; left_ms: number }>(
    `SELECT token, (extract(epoch FROM expires_at - clock_timestamp()) * 1000)::float8 AS left_ms
     FROM "${schema}"."${table}" WHERE key = $1`,
    [key],
  );
  return rows[0];
}

const rowCount = async (table: string) =>
  Number((await pool.query(`SELECT count(*) FROM "${schema}"."${table}"`)).rows[0].count);

describe('postgresStore rows', () => {
  it('keeps a claim as its token with the lease, a done key as NULL with the ttl, and deletes a released one', async () => {
    const table = newTable();
    await migrate(pool, { schema, table });
    const store = postgresStore({ pool, schema, table, cleanup: false });
    const claim = await store.claim('order-1', 30_000);
    if (claim.status !== 'claimed') throw new Error('expected a claim');
    const claimed = await rowOf(table, 'order-1');
    expect(claimed?.token).toBe(claim.token);
    expect(claimed?.left_ms).toBeGreaterThan(20_000);
    expect(claimed?.left_ms).toBeLessThanOrEqual(30_000);

    expect(await store.commit('order-1', claim.token, 3_600_000)).toBe(true);
    const done = await rowOf(table, 'order-1');
    expect(done?.token).toBeNull();
    expect(done?.left_ms).toBeGreaterThan(3_500_000);
    expect(done?.left_ms).toBeLessThanOrEqual(3_600_000);

    const other = await store.claim('order-2', 30_000);
    if (other.status !== 'claimed') throw new Error('expected a claim');
    expect(await store.release('order-2', other.token)).toBe(true);
    expect(await rowOf(table, 'order-2')).toBeUndefined();
  });

  it('treats an expired row that cleanup has not removed yet as absent, overwriting it in place', async () => {
    const table = newTable();
    await migrate(pool, { schema, table });
    const store = postgresStore({ pool, schema, table, cleanup: false });
    await pool.query(
      `INSERT INTO "${schema}"."${table}" VALUES ('old-claim', 'c:gone', now() - interval '1 second'),
       ('old-done', NULL, now() - interval '1 second')`,
    );
    for (const key of ['old-claim', 'old-done']) {
      const claim = await store.claim(key, 30_000);
      if (claim.status !== 'claimed') throw new Error(`expected ${key} to be claimed`);
      expect((await rowOf(table, key))?.token).toBe(claim.token);
    }
    expect(await store.commit('old-claim', 'c:gone', 30_000)).toBe(false);
    expect(await rowCount(table)).toBe(2);
  });

  it('stores a key over 512 characters, or one with a NUL, as its digest, each distinct', async () => {
    const table = newTable();
    await migrate(pool, { schema, table });
    const store = postgresStore({ pool, schema, table, cleanup: false });
    const long = 'k'.repeat(100_000);
    const keys = [long, `${long}x`, 'with\0nul', 'with\0nul2', 'é'.repeat(512)];
    for (const key of keys) expect((await store.claim(key, 30_000)).status).toBe('claimed');
    for (const key of keys) expect(await store.claim(key, 30_000)).toEqual({ status: 'in-flight' });
    const { rows } = await pool.query<{ key: string }>(`SELECT key FROM "${schema}"."${table}" ORDER BY key`);
    expect(rows.filter((r) => /^sha256:[0-9a-f]{64}$/.test(r.key))).toHaveLength(4);
    expect(rows.map((r) => r.key)).toContain('é'.repeat(512));
  });

  it('sends exactly one statement per operation, each prepared once per connection under its own name', async () => {
    const table = newTable();
    await migrate(pool, { schema, table });
    const seen: { name: string | undefined; text: string }[] = [];
    const counting: Queryable = {
      query: (config) => {
        seen.push({ name: config.name, text: config.text });
        return pool.query(config);
      },
    };
    const store = postgresStore({ pool: counting, schema, table, cleanup: false });
    const claim = await store.claim('order-1', 30_000);
    if (claim.status !== 'claimed') throw new Error('expected a claim');
    await store.claim('order-1', 30_000);
    await store.commit('order-1', claim.token, 60_000);
    await store.claim('order-1', 30_000);
    const other = await store.claim('order-2', 30_000);
    if (other.status !== 'claimed') throw new Error('expected a claim');
    await store.release('order-2', other.token);
    expect(seen.map((s) => s.text.split(' ')[0])).toEqual(['WITH', 'WITH', 'UPDATE', 'WITH', 'WITH', 'DELETE']);
    const names = [...new Set(seen.map((s) => s.name))];
    expect(names).toHaveLength(3);
    for (const name of names) expect(name).toMatch(/^hookinbox_(claim|commit|release)_v1_[0-9a-f]{16}$/);
  });

  it('two stores on one pool with different tables never see each other’s keys, however long their names', async () => {
    // Names that agree on their first 63 bytes once in a statement name: each store must still prepare its own.
    const [a, b] = [`${'t'.repeat(51)}a`, `${'t'.repeat(51)}b`];
    await migrate(pool, { schema, table: a });
    await migrate(pool, { schema, table: b });
    const storeA = postgresStore({ pool, schema, table: a, cleanup: false });
    const storeB = postgresStore({ pool, schema, table: b, cleanup: false });
    for (let i = 0; i < 3; i++) {
      const claimA = await storeA.claim(`order-${i}`, 30_000);
      if (claimA.status !== 'claimed') throw new Error('expected a claim');
      expect(await storeA.commit(`order-${i}`, claimA.token, 60_000)).toBe(true);
      expect((await storeB.claim(`order-${i}`, 30_000)).status).toBe('claimed');
      expect(await storeA.claim(`order-${i}`, 30_000)).toEqual({ status: 'done' });
    }
  });
});

describe('postgresStore behind a receiver', () => {
  it('handles a delivery once and answers its retries, to any instance, as duplicates', async () => {
    const table = newTable();
    await migrate(pool, { schema, table });
    const provider: Provider = {
      name: 'test',
      verify: (delivery) => ({ name: 'thing/happened', dedupeKey: delivery.body.toString(), payload: {}, meta: {} }),
    };
    const handled: string[] = [];
    // Two instances: two receivers, two stores, one table.
    const stores = [0, 1].map(() => postgresStore({ pool, schema, table }));
    const instances = stores.map((store) => {
      const receiver = createReceiver({ provider, store, logger: silentLogger });
      receiver.on('thing/happened', (event) => {
        handled.push(event.id);
      });
      return receiver;
    });
    const send = (i: number) =>
      instances[i % 2]?.handle({ method: 'POST', url: '/hooks', headers: {}, body: Buffer.from('delivery-1') });
    expect((await send(0))?.status).toBe(200);
    await vi.waitFor(() => expect(handled).toEqual(['delivery-1']));
    for (const i of [1, 0, 1]) expect(JSON.parse((await send(i))?.body ?? '')).toEqual({ ok: true, duplicate: true });
    expect(handled).toEqual(['delivery-1']);
    for (const receiver of instances) await receiver.close({ timeoutMs: 1_000 });
    for (const store of stores) await store.close();
  });
});

describe('postgresStore close()', () => {
  it('leaves an injected pool open', async () => {
    const table = newTable();
    await migrate(pool, { schema, table });
    const store = postgresStore({ pool, schema, table });
    await store.close();
    await store.close();
    expect((await pool.query('SELECT 1 AS one')).rows[0].one).toBe(1);
    expect((await store.claim('order-1', 30_000)).status).toBe('claimed');
  });

  it('ends the pool it created from connectionString; later operations answer store_unavailable', async () => {
    const table = newTable();
    await migrate(pool, { schema, table });
    const store = postgresStore({ connectionString: databaseUrl(), schema, table });
    expect((await store.claim('order-1', 30_000)).status).toBe('claimed');
    const own = store.pool as pg.Pool;
    expect(own.totalCount).toBeGreaterThan(0);
    await store.close();
    expect(own.totalCount).toBe(0);
    expect(own.ended).toBe(true);
    await expect(store.claim('order-2', 30_000)).rejects.toMatchObject({ code: 'store_unavailable' });
  });

  it('gives a pool of its own the command timeout as statement_timeout and connection timeout', async () => {
    const store = postgresStore({ connectionString: databaseUrl(), schema, table: newTable(), commandTimeoutMs: 750 });
    try {
      const own = store.pool as pg.Pool;
      expect(own.options.connectionTimeoutMillis).toBe(750);
      expect((await own.query('SHOW statement_timeout')).rows[0].statement_timeout).toBe('750ms');
    } finally {
      await store.close();
    }
  });
});
