import { migrate, type PostgresStore, postgresStore } from '@hookinbox/postgres';
import type pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { connectTestDatabase, dropSchema, uniqueSchema } from './helpers/postgres.js';

let pool: pg.Pool;
let store: PostgresStore;
const schema = uniqueSchema();
const jobs = `"${schema}"."jobs"`;
let tables = 0;

beforeAll(async () => {
  pool = await connectTestDatabase();
  await pool.query(`CREATE SCHEMA "${schema}"`);
  // Stands in for a queue's job table: the write a dispatcher would commit together with the claim.
  await pool.query(`CREATE TABLE ${jobs} (key text PRIMARY KEY)`);
});

afterAll(async () => {
  await dropSchema(pool, schema);
  await pool.end();
});

beforeEach(async () => {
  const table = `dedupe_${++tables}`;
  await pool.query(`TRUNCATE ${jobs}`);
  await migrate(pool, { schema, table });
  store = postgresStore({ pool, schema, table, cleanup: false });
});

/** Run `work` in a transaction on a client of its own; roll back when it throws. */
async function inTransaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
}

const jobCount = async (key: string) =>
  Number((await pool.query(`SELECT count(*) FROM ${jobs} WHERE key = $1`, [key])).rows[0].count);

describe('postgresStore inside a caller’s transaction', () => {
  it('a claim in a transaction that rolls back leaves no claim behind', async () => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      expect((await store.claim('order-1', 60_000, { client })).status).toBe('claimed');
      await client.query('ROLLBACK');
    } finally {
      client.release();
    }
    expect((await store.claim('order-1', 60_000)).status).toBe('claimed');
  });

  it('claim and enqueue commit together: both there after COMMIT', async () => {
    const claim = await inTransaction(async (client) => {
      const result = await store.claim('order-1', 60_000, { client });
      await client.query(`INSERT INTO ${jobs} VALUES ($1)`, ['order-1']);
      return result;
    });
    expect(claim.status).toBe('claimed');
    expect(await jobCount('order-1')).toBe(1);
    expect(await store.claim('order-1', 60_000)).toEqual({ status: 'in-flight' });
  });

  it('a failure between claim and enqueue leaves neither behind', async () => {
    const failure = new Error('enqueue failed');
    await expect(
      inTransaction(async (client) => {
        expect((await store.claim('order-1', 60_000, { client })).status).toBe('claimed');
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(await jobCount('order-1')).toBe(0);
    expect((await store.claim('order-1', 60_000)).status).toBe('claimed');
  });

  it('a claim of the same key from outside waits for the transaction, then answers in-flight: no window', async () => {
    const client = await pool.connect();
    let outside: Promise<unknown> | undefined;
    try {
      await client.query('BEGIN');
      expect((await store.claim('order-1', 60_000, { client })).status).toBe('claimed');
      let answered = false;
      outside = store.claim('order-1', 60_000).then((result) => {
        answered = true;
        return result;
      });
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(answered).toBe(false);
      await client.query(`INSERT INTO ${jobs} VALUES ($1)`, ['order-1']);
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    expect(await outside).toEqual({ status: 'in-flight' });
  });

  it('commit and release inside a transaction take effect only when it commits', async () => {
    const first = await store.claim('order-1', 60_000);
    const second = await store.claim('order-2', 60_000);
    if (first.status !== 'claimed' || second.status !== 'claimed') throw new Error('expected two claims');
    await expect(
      inTransaction(async (client) => {
        expect(await store.commit('order-1', first.token, 60_000, { client })).toBe(true);
        expect(await store.release('order-2', second.token, { client })).toBe(true);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(await store.claim('order-1', 60_000)).toEqual({ status: 'in-flight' });
    expect(await store.claim('order-2', 60_000)).toEqual({ status: 'in-flight' });

    await inTransaction(async (client) => {
      expect(await store.commit('order-1', first.token, 60_000, { client })).toBe(true);
      expect(await store.release('order-2', second.token, { client })).toBe(true);
    });
    expect(await store.claim('order-1', 60_000)).toEqual({ status: 'done' });
    expect((await store.claim('order-2', 60_000)).status).toBe('claimed');
  });

  it('times a lease from the statement, not from the start of a long transaction', async () => {
    const claim = await inTransaction(async (client) => {
      await client.query('SELECT pg_sleep(1)');
      return store.claim('order-1', 800, { client });
    });
    expect(claim.status).toBe('claimed');
    // With now() (the transaction's start) the lease would have ended already.
    expect(await store.claim('order-1', 60_000)).toEqual({ status: 'in-flight' });
  });
});
