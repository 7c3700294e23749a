import { createReceiver, type PayloadSchema, type Receiver, silentLogger } from '@hookinbox/core';
import { genstore } from '@hookinbox/genstore';
import { claimAndEnqueue, type PgBossQueue, pgBossQueue, type TransactionPool } from '@hookinbox/pg-boss';
import { migrate, postgresStore } from '@hookinbox/postgres';
import { genstoreDelivery } from '@hookinbox/testing';
import type pg from 'pg';
import type PgBoss from 'pg-boss';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { startBoss } from './helpers/pg-boss.js';
import { connectTestDatabase, dropSchema, uniqueSchema } from './helpers/postgres.js';

const SECRET = 'transaction-secret';
const schema = uniqueSchema();
let pool: pg.Pool;
let boss: PgBoss;
let queue: PgBossQueue;
let runs = 0;
let table: string;

/** What the next transaction does right before pg-boss's insert: nothing, throw, or lose its connection. */
let beforeInsert: 'nothing' | 'throw' | 'kill' = 'nothing';
/** When set, the next done mark inside a transaction (the store's UPDATE) throws. */
let beforeMark = false;
/** When set, the next insert waits for this first (after calling `reached`). */
let hold: { reached: () => void; gate: Promise<void> } | undefined;

/**
 * The pool the transactions run on, with a fault injected between the claim and the enqueue: the claim's statement
 * has run in the transaction, the job's insert has not.
 */
const faultyPool: TransactionPool = {
  connect(callback) {
    pool.connect((error, client, done) => {
      if (error || !client) {
        callback(error, undefined, done);
        return;
      }
      callback(undefined, faulty(client), done);
    });
  },
};

/** `client` with the fault of `beforeInsert` injected before pg-boss's insert. */
function faulty(client: pg.PoolClient): pg.PoolClient {
  const wrapper = {
    async query(...args: [any, any?]) {
      // pg-boss's insert comes as a named statement (a query config), the store's done mark too.
      const text: string = typeof args[0] === 'string' ? args[0] : (args[0]?.text ?? '');
      if (beforeMark && text.startsWith(`UPDATE "${schema}"`)) {
        beforeMark = false;
        throw new Error('injected: the done mark failed');
      }
      if (text.includes(`${schema}.job`) && beforeInsert !== 'nothing') {
        const fault = beforeInsert;
        beforeInsert = 'nothing';
        if (hold) {
          const { reached, gate } = hold;
          hold = undefined;
          reached();
          await gate;
        }
        if (fault === 'throw') throw new Error('injected: the enqueue failed');
        // As if the process died here: the server ends the session, and with it the open transaction.
        const { rows } = await client.query('SELECT pg_backend_pid() AS pid');
        await pool.query('SELECT pg_terminate_backend($1)', [rows[0].pid]);
      }
      return client.query(...args);
    },
    release: (error?: Error | boolean) => client.release(error),
    on: (event: 'error', listener: (error: Error) => void) => client.on(event, listener),
    off: (event: 'error', listener: (error: Error) => void) => client.off(event, listener),
  };
  return wrapper as unknown as pg.PoolClient;
}

beforeAll(async () => {
  pool = await connectTestDatabase();
  pool.on('error', () => {});
  boss = await startBoss(schema, { supervise: false });
});

afterAll(async () => {
  await boss?.stop({ graceful: false, wait: true });
  await dropSchema(pool, schema);
  await pool.end();
});

beforeEach(async () => {
  table = `dedupe_${++runs}`;
  beforeInsert = 'nothing';
  beforeMark = false;
  hold = undefined;
  await migrate(pool, { schema, table });
  queue = await pgBossQueue({ boss, schema, queueName: `tx-${runs}` });
});

/** Rejects a numeric id: such a delivery is parked. */
const stringIds: PayloadSchema = {
  safeParse: (value) =>
    typeof (value as { id?: unknown }).id === 'string'
      ? { success: true, data: value }
      : { success: false, error: new Error('id must be a string') },
};

function receiver(strict = false): Receiver<any, any, any> {
  const store = postgresStore({ pool, schema, table, cleanup: false, commandTimeoutMs: 5_000 });
  const both = claimAndEnqueue({ pool: faultyPool, store, queue });
  const r = createReceiver({
    provider: genstore({ secret: SECRET, ...(strict ? { schemas: { 'orders/create': stringIds } } : {}) }),
    store: both.store,
    dispatcher: both.dispatcher,
    deadLetters: queue,
    logger: silentLogger,
  });
  r.on('orders/create', () => {});
  return r;
}

const order = (id: string | number) =>
  genstoreDelivery({ topic: 'orders/create', payload: { id }, secret: SECRET, webhookId: `wh-${id}` });

const claims = async () => Number((await pool.query(`SELECT count(*) FROM "${schema}"."${table}"`)).rows[0].count);

describe('claimAndEnqueue: claim and enqueue in one PostgreSQL transaction', () => {
  it('a delivery is claimed, queued and marked done; its resend is a duplicate and makes no job', async () => {
    const r = receiver();
    expect((await r.handle(order('t-1'))).status).toBe(200);
    expect(await queue.pending()).toBe(1);
    const row = await pool.query(`SELECT token FROM "${schema}"."${table}"`);
    expect(row.rows).toEqual([{ token: null }]);
    expect(JSON.parse((await r.handle(order('t-1'))).body)).toMatchObject({ duplicate: true });
    expect(await queue.pending()).toBe(1);
  });

  it('from the second delivery on, the done mark is in the transaction: one commit, none after it', async () => {
    const r = receiver();
    // The first commit teaches the pair the receiver's remembered time (7 days by default).
    expect((await r.handle(order('t-f1'))).status).toBe(200);
    const autocommits = vi.spyOn(pool, 'query');
    try {
      expect((await r.handle(order('t-f2'))).status).toBe(200);
      expect(autocommits).not.toHaveBeenCalled();
    } finally {
      autocommits.mockRestore();
    }
    const { rows } = await pool.query(
      `SELECT token, expires_at > now() + interval '6 days' AS remembered FROM "${schema}"."${table}" WHERE key LIKE '%'`,
    );
    expect(rows).toEqual([
      { token: null, remembered: true },
      { token: null, remembered: true },
    ]);
    expect(await queue.pending()).toBe(2);
    expect(JSON.parse((await r.handle(order('t-f2'))).body)).toMatchObject({ duplicate: true });
  });

  it('a failure of the done mark in the transaction leaves neither claim nor job: 503, and the resend goes through', async () => {
    const r = receiver();
    expect((await r.handle(order('t-m1'))).status).toBe(200);
    beforeMark = true;
    const refused = await r.handle(order('t-m2'));
    expect(refused.status).toBe(503);
    expect(beforeMark).toBe(false);
    expect(await claims()).toBe(1);
    expect(await queue.pending()).toBe(1);
    expect((await r.handle(order('t-m2'))).status).toBe(200);
    expect(await queue.pending()).toBe(2);
  });

  it('a failure injected between claim and enqueue leaves neither behind: 503, and the resend goes through', async () => {
    const r = receiver();
    beforeInsert = 'throw';
    const refused = await r.handle(order('t-2'));
    expect(refused.status).toBe(503);
    expect(JSON.parse(refused.body).error.code).toBe('queue_unavailable');
    expect(await claims()).toBe(0);
    expect(await queue.pending()).toBe(0);
    expect((await r.handle(order('t-2'))).status).toBe(200);
    expect(await queue.pending()).toBe(1);
  });

  it('no window: a copy arriving at another instance while the job is being queued waits, then is taken', async () => {
    const first = receiver();
    let reached!: () => void;
    let open!: () => void;
    const atInsert = new Promise<void>((resolve) => {
      reached = resolve;
    });
    hold = { reached, gate: new Promise<void>((resolve) => (open = resolve)) };
    beforeInsert = 'throw';
    const answer = first.handle(order('t-w'));
    await atInsert;
    // Another instance, on the same table, with a dispatcher of its own that records what it queued.
    const queued: string[] = [];
    const other = createReceiver({
      provider: genstore({ secret: SECRET }),
      store: postgresStore({ pool, schema, table, cleanup: false, commandTimeoutMs: 10_000 }),
      dispatcher: { dispatch: (event) => void queued.push(event.name) },
      logger: silentLogger,
    });
    other.on('orders/create', () => {});
    let copyAnswered = false;
    const copy = other.handle(order('t-w')).then((res) => {
      copyAnswered = true;
      return res;
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    // Claimed but not queued is never visible: the copy waits for the transaction instead of being a duplicate.
    expect(copyAnswered).toBe(false);
    open();
    expect((await answer).status).toBe(503);
    const res = await copy;
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).not.toHaveProperty('duplicate');
    expect(queued).toEqual(['orders/create']);
  });

  it('a connection lost between claim and enqueue (a crash) leaves neither behind', async () => {
    const r = receiver();
    beforeInsert = 'kill';
    expect((await r.handle(order('t-3'))).status).toBe(503);
    expect(await claims()).toBe(0);
    expect(await queue.pending()).toBe(0);
    expect((await r.handle(order('t-3'))).status).toBe(200);
    expect(await queue.pending()).toBe(1);
  });

  it('a parked delivery: the letter is kept and the claim rolled back, so a replay after the fix finds it new', async () => {
    const r = receiver(true);
    const res = await r.handle(order(42));
    expect(JSON.parse(res.body)).toEqual({ ok: true, parked: true });
    expect(await claims()).toBe(0);
    expect(await queue.deadLetters()).toMatchObject([{ kind: 'parked', name: 'orders/create' }]);
  });

  it('claims that no dispatch follows (a replay, the remembered handlers) commit on their own', async () => {
    const store = postgresStore({ pool, schema, table, cleanup: false });
    const { store: wrapped } = claimAndEnqueue({ pool: faultyPool, store, queue });
    const claim = await wrapped.claim('replayed', 60_000);
    expect(claim.status).toBe('claimed');
    // Another instance sees the claim once the turn ended, without any further call.
    await expect.poll(() => store.claim('replayed', 60_000), { timeout: 5_000 }).toEqual({ status: 'in-flight' });
    if (claim.status === 'claimed') expect(await wrapped.commit('replayed', claim.token, 60_000)).toBe(true);
    expect(await store.claim('replayed', 60_000)).toEqual({ status: 'done' });
  });
});
