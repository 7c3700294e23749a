import { createReceiver, type Provider, type RawDelivery, type ReceiverHooks, silentLogger } from '@hookinbox/core';
import { migrate, type PostgresStore, postgresStore, type Queryable } from '@hookinbox/postgres';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { connectTestDatabase, databaseUrl, dropSchema, uniqueSchema } from './helpers/postgres.js';
import { freePort } from './setup/redis-server.js';

// Generous: the store gives up after COMMAND_TIMEOUT_MS; the bound leaves room for a loaded machine.
const COMMAND_TIMEOUT_MS = 300;
const PROMPT_MS = 2_000;
const LONG = 60_000;

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

/** A provider that trusts everything: the dedupe key is the body's `id`. */
const provider: Provider = {
  name: 'test',
  verify: (delivery) => ({
    name: 'thing/happened',
    dedupeKey: (JSON.parse(Buffer.from(delivery.body).toString('utf8')) as { id: string }).id,
    payload: {},
    meta: {},
  }),
};

const delivery = (id: string): RawDelivery => ({
  method: 'POST',
  url: '/webhooks/test',
  headers: { 'content-type': 'application/json' },
  body: Buffer.from(JSON.stringify({ id })),
});

async function timed<T>(work: Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work;
  return { value, ms: performance.now() - started };
}

/** A URL where nothing listens: every connection is refused. */
const closedPortUrl = async () => {
  const url = new URL(databaseUrl());
  url.port = String(await freePort());
  return url.toString();
};

describe('postgresStore when PostgreSQL is unreachable', () => {
  it('rejects claim, commit and release with store_unavailable, promptly, naming the connection error', async () => {
    const store = postgresStore({ connectionString: await closedPortUrl(), commandTimeoutMs: COMMAND_TIMEOUT_MS });
    try {
      for (const operation of [
        () => store.claim('order-1', LONG),
        () => store.commit('order-1', 'c:token', LONG),
        () => store.release('order-1', 'c:token'),
      ]) {
        const { value: error, ms } = await timed(operation().catch((e: unknown) => e));
        expect(ms).toBeLessThan(PROMPT_MS);
        expect(error).toMatchObject({ name: 'HookinboxError', code: 'store_unavailable', status: 503 });
        expect((error as Error).message).toMatch(
          /^@hookinbox\/postgres: (claim|commit|release) failed: .*ECONNREFUSED/,
        );
      }
    } finally {
      await store.close();
    }
  });

  it('makes the receiver answer 503 with Retry-After and run no handler (fail-closed)', async () => {
    const store = postgresStore({ connectionString: await closedPortUrl(), commandTimeoutMs: COMMAND_TIMEOUT_MS });
    const handled: string[] = [];
    const storeErrors: Parameters<NonNullable<ReceiverHooks['onStoreError']>>[0][] = [];
    const receiver = createReceiver({
      provider,
      store,
      dedupe: { leaseMs: LONG, retryAfterSeconds: 7 },
      logger: silentLogger,
      hooks: { onStoreError: (info) => storeErrors.push(info) },
    });
    receiver.on('thing/happened', (event) => {
      handled.push(event.id);
    });
    try {
      const { value: response, ms } = await timed(receiver.handle(delivery('order-1')));
      expect(ms).toBeLessThan(PROMPT_MS);
      expect(response.status).toBe(503);
      expect(response.headers['retry-after']).toBe('7');
      expect(JSON.parse(response.body)).toMatchObject({ error: { code: 'store_unavailable' } });
      expect(storeErrors[0]?.error).toMatchObject({ code: 'store_unavailable' });
    } finally {
      await receiver.close({ timeoutMs: 1_000 });
      await store.close();
    }
    expect(handled).toEqual([]);
  });
});

describe('postgresStore when a statement blocks', () => {
  /** Hold an exclusive lock on the table from another connection until the returned function is called. */
  async function lockTable(table: string): Promise<() => Promise<void>> {
    const holder = await pool.connect();
    await holder.query('BEGIN');
    await holder.query(`LOCK TABLE "${schema}"."${table}" IN ACCESS EXCLUSIVE MODE`);
    return async () => {
      await holder.query('ROLLBACK');
      holder.release();
    };
  }

  const newTable = async () => {
    const table = `dedupe_${++tables}`;
    await migrate(pool, { schema, table });
    return table;
  };

  /** Statements of this run's schema waiting on a lock right now. */
  const waiting = async () =>
    Number(
      (
        await pool.query(
          `SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%' || $1 || '%'
           AND pid <> pg_backend_pid()`,
          [schema],
        )
      ).rows[0].count,
    );

  it('rejects each operation after exactly its timeout, and undoes a claim that lands late', async () => {
    const table = await newTable();
    // Records what each statement did once it finished, late ones included.
    const finished: { verb: string; key: unknown; rowCount: number | null }[] = [];
    const recording: Queryable = {
      query: async (config) => {
        const result = await pool.query(config);
        finished.push({
          verb: config.text.split(' ')[0] as string,
          key: config.values?.[0],
          rowCount: result.rowCount,
        });
        return result;
      },
    };
    const store = postgresStore({
      pool: recording,
      schema,
      table,
      cleanup: false,
      commandTimeoutMs: COMMAND_TIMEOUT_MS,
    });
    const unlock = await lockTable(table);
    try {
      for (const [operation, call] of [
        ['claim', () => store.claim('order-1', LONG)],
        ['commit', () => store.commit('order-2', 'c:token', LONG)],
        ['release', () => store.release('order-3', 'c:token')],
      ] as const) {
        const { value: error, ms } = await timed((call() as Promise<unknown>).catch((e: unknown) => e));
        expect(ms).toBeGreaterThanOrEqual(COMMAND_TIMEOUT_MS - 5);
        expect(ms).toBeLessThan(PROMPT_MS);
        expect(error).toMatchObject({ code: 'store_unavailable' });
        expect((error as Error).message).toBe(
          `@hookinbox/postgres: PostgreSQL did not answer ${operation} within ${COMMAND_TIMEOUT_MS} ms`,
        );
      }
      // No statement_timeout on this pool: the three statements still wait for the lock.
      expect(await waiting()).toBe(3);
      expect(finished).toEqual([]);
    } finally {
      await unlock();
    }
    // The claim ran once the lock went; nobody holds its token, so the store deleted its row again.
    await vi.waitFor(() => expect(finished).toContainEqual({ verb: 'DELETE', key: 'order-1', rowCount: 1 }), {
      timeout: PROMPT_MS,
    });
    expect(finished).toContainEqual({ verb: 'WITH', key: 'order-1', rowCount: 1 });
    expect((await store.claim('order-1', LONG)).status).toBe('claimed');
  });

  it('on a pool of its own, has the server cancel a statement that overruns the timeout', async () => {
    const table = await newTable();
    let store: PostgresStore | undefined;
    const unlock = await lockTable(table);
    try {
      store = postgresStore({ connectionString: databaseUrl(), schema, table, commandTimeoutMs: COMMAND_TIMEOUT_MS });
      const error = await store.claim('order-1', LONG).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'store_unavailable' });
      // statement_timeout ends the waiting claim on the server while the lock is still held: it can never land.
      await vi.waitFor(async () => expect(await waiting()).toBe(0), { timeout: PROMPT_MS });
    } finally {
      await unlock();
      await store?.close();
    }
    expect(Number((await pool.query(`SELECT count(*) FROM "${schema}"."${table}"`)).rows[0].count)).toBe(0);
  });
});
