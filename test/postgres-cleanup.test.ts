import { migrate, postgresStore, type Queryable } from '@hookinbox/postgres';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { connectTestDatabase, dropSchema, uniqueSchema } from './helpers/postgres.js';

let pool: pg.Pool;
const schema = uniqueSchema();
let tables = 0;

beforeAll(async () => {
  pool = await connectTestDatabase();
});

afterAll(async () => {
  await dropSchema(pool, schema);
  await pool.end();
});

/** A fresh table holding `expired` rows past their time (a third of them done) and `live` rows still running. */
async function seededTable(expired: number, live: number): Promise<string> {
  const table = `dedupe_${++tables}`;
  await migrate(pool, { schema, table });
  await pool.query(
    `INSERT INTO "${schema}"."${table}"
     SELECT 'expired-' || g, CASE WHEN g % 3 = 0 THEN NULL ELSE 'c:old' END, now() - g * interval '1 second'
     FROM generate_series(1, $1::int) g
     UNION ALL
     SELECT 'live-' || g, 'c:running', now() + interval '1 hour' FROM generate_series(1, $2::int) g`,
    [expired, live],
  );
  return table;
}

const count = async (table: string, like: string) =>
  Number((await pool.query(`SELECT count(*) FROM "${schema}"."${table}" WHERE key LIKE $1`, [like])).rows[0].count);

describe('postgresStore cleanup', () => {
  it('deletes expired rows in batches of at most batchSize until one comes back short, and no live row', async () => {
    const table = await seededTable(2_500, 10);
    const batches: number[] = [];
    const counting: Queryable = {
      query: async (config) => {
        const result = await pool.query(config);
        if (config.text.startsWith('DELETE')) batches.push(result.rowCount ?? 0);
        return result;
      },
    };
    const store = postgresStore({ pool: counting, schema, table, cleanup: { batchSize: 1_000 } });
    try {
      expect(await store.cleanup()).toBe(2_500);
      expect(batches).toEqual([1_000, 1_000, 500]);
      expect(await count(table, 'expired-%')).toBe(0);
      expect(await count(table, 'live-%')).toBe(10);
      expect(await store.cleanup()).toBe(0);
    } finally {
      await store.close();
    }
  });

  it('never deletes on the request path: claims leave other expired rows to the cleanup', async () => {
    const table = await seededTable(50, 0);
    const store = postgresStore({ pool, schema, table, cleanup: false });
    for (let i = 0; i < 20; i++) expect((await store.claim(`order-${i}`, 60_000)).status).toBe('claimed');
    expect(await count(table, 'expired-%')).toBe(50);
  });

  it('passes over a row another transaction holds instead of waiting for it', async () => {
    const table = await seededTable(100, 0);
    const store = postgresStore({ pool, schema, table, cleanup: false, commandTimeoutMs: 2_000 });
    const holder = await pool.connect();
    try {
      await holder.query('BEGIN');
      await holder.query(`SELECT * FROM "${schema}"."${table}" WHERE key = 'expired-7' FOR UPDATE`);
      const started = performance.now();
      expect(await store.cleanup()).toBe(99);
      expect(performance.now() - started).toBeLessThan(1_500);
      await holder.query('COMMIT');
    } finally {
      holder.release();
    }
    expect(await store.cleanup()).toBe(1);
  });

  it('runs on its own timer, and stops with close()', async () => {
    const table = await seededTable(35, 5);
    const store = postgresStore({ pool, schema, table, cleanup: { intervalMs: 100, batchSize: 10 } });
    await vi.waitFor(async () => expect(await count(table, 'expired-%')).toBe(0), { timeout: 5_000, interval: 50 });
    expect(await count(table, 'live-%')).toBe(5);
    await store.close();
    await pool.query(
      `INSERT INTO "${schema}"."${table}" VALUES ('expired-after-close', 'c:old', now() - interval '1 second')`,
    );
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(await count(table, 'expired-%')).toBe(1);
  });

  it('hands a failed timed pass to onCleanupError and tries again on the next tick', async () => {
    const errors: Error[] = [];
    const store = postgresStore({
      pool,
      schema,
      table: 'not_there_yet',
      cleanup: { intervalMs: 50 },
      onCleanupError: (error) => errors.push(error),
    });
    try {
      await vi.waitFor(() => expect(errors.length).toBeGreaterThanOrEqual(2), { timeout: 5_000, interval: 20 });
      expect(errors[0]).toMatchObject({ code: 'store_unavailable' });
      expect(errors[0]?.message).toMatch(/^@hookinbox\/postgres: cleanup failed: .*does not exist/);
    } finally {
      await store.close();
    }
  });
});
