import type { ClaimResult, DedupeStore, Dispatcher, WebhookEvent } from '@hookinbox/core';
import type pg from 'pg';
import { prepared } from './prepared.js';
import type { PgBossQueue } from './queue.js';

/** The store and queue's database pool: a node-postgres `Pool` (its callback form of `connect`). */
export interface TransactionPool {
  connect(callback: (error: Error | undefined, client: pg.PoolClient | undefined, done: unknown) => void): void;
}

/** A dedupe store whose operations can run on a transaction's client, as `@hookinbox/postgres`' store does. */
export interface TransactionalStore extends DedupeStore {
  claim(key: string, leaseMs: number, options?: { client?: pg.PoolClient }): Promise<ClaimResult>;
  commit(key: string, token: string, ttlMs: number, options?: { client?: pg.PoolClient }): Promise<boolean>;
  release(key: string, token: string, options?: { client?: pg.PoolClient }): Promise<boolean>;
}

export interface ClaimAndEnqueueOptions {
  /** The pool of the database that holds both the dedupe table and pg-boss's tables. */
  pool: TransactionPool;
  /** `postgresStore(...)` from `@hookinbox/postgres`, on that database. */
  store: TransactionalStore;
  /** The queue, on that database. */
  queue: PgBossQueue;
}

interface OpenClaim {
  client: pg.PoolClient;
  token: string;
}

/**
 * A dedupe store and a dispatcher, to give the receiver together, that claim a delivery and queue its job in one
 * PostgreSQL transaction: after a crash, a failure or a timeout at any point there is either a claim and a job, or
 * neither. There is no moment at which the delivery is claimed (so its retries are answered as duplicates) with no
 * job to run it.
 *
 * A claim opens a transaction on a connection of `pool`. The receiver calls `dispatch` in the same turn of the event
 * loop as the claim resolves: the job is sent on that connection (pg-boss's `db` option), and `COMMIT` ends it before
 * the 200. A claim that no dispatch follows in that turn (a parked delivery, a replay, a worker remembering which
 * handlers succeeded) is committed on its own straight after, or rolled back by the release that ends it first.
 *
 * The dispatch also marks the delivery done in that transaction (a queued job is what makes it done for the
 * platform), so the receiver's commit that follows has nothing left to write: one commit, one WAL flush, per
 * delivery. The mark is given the remembered time (`dedupe.ttlMs`) the receiver's commits ask for, learnt from them:
 * until the first commit, and for good once commits ask for two different times (two receivers with different
 * `ttlMs` on one pair), the mark is written by the receiver's commit after the transaction, as a second commit.
 *
 * @example
 * const { store, dispatcher } = claimAndEnqueue({ pool, store: postgresStore({ pool }), queue });
 * const receiver = createReceiver({ provider, store, dispatcher, deadLetters: queue });
 */
// One closure over the open transactions and the folded done marks, which the store and the dispatcher it returns
// share: longer than a usual function for that reason.
export function claimAndEnqueue(options: ClaimAndEnqueueOptions): { store: DedupeStore; dispatcher: Dispatcher } {
  const { pool, store: inner, queue } = options;
  const open = new Map<string, OpenClaim>();
  /** Claims marked done in their dispatch's transaction: key → token, until the receiver's commit comes. */
  const folded = new Map<string, string>();
  /** The remembered time of the receiver's commits; undefined before the first, null once they disagree. */
  let ttl: number | undefined | null;
  const learn = (ttlMs: number) => {
    if (ttl === undefined) ttl = ttlMs;
    else if (ttl !== ttlMs) ttl = null;
  };

  /** Take the open transaction of `key`'s claim, if `token` holds it (and it was not taken yet). */
  const take = (key: string, token?: string): OpenClaim | undefined => {
    const entry = open.get(key);
    if (entry === undefined || (token !== undefined && entry.token !== token)) return undefined;
    open.delete(key);
    return entry;
  };

  const store: DedupeStore = {
    async claim(key, leaseMs) {
      const client = await connect(pool);
      let result: ClaimResult;
      try {
        await client.query('BEGIN');
        result = await inner.claim(key, leaseMs, { client });
      } catch (error) {
        // Closing the connection ends the transaction; a ROLLBACK could wait on the connection that just failed.
        discard(client, error);
        throw error;
      }
      if (result.status !== 'claimed') {
        // A duplicate only read the row: nothing to keep.
        await end(client, 'ROLLBACK');
        return result;
      }
      const entry = { client, token: result.token };
      open.set(key, entry);
      // Runs after the receiver's continuation of this claim: when it dispatched, the entry is gone already.
      setImmediate(() => {
        if (take(key, entry.token)) end(client, 'COMMIT').catch(() => {});
      });
      return result;
    },
    async commit(key, token, ttlMs) {
      learn(ttlMs);
      if (folded.get(key) === token) {
        folded.delete(key);
        // Marked done in the dispatch's transaction. (Asked for another remembered time, by a second receiver on this
        // pair, the row keeps the one it got; the folding is off from now on.)
        return true;
      }
      const entry = take(key, token);
      if (!entry) return inner.commit(key, token, ttlMs);
      const done = await inner.commit(key, token, ttlMs, { client: entry.client }).catch((error: unknown) => {
        discard(entry.client, error);
        throw error;
      });
      await end(entry.client, 'COMMIT');
      return done;
    },
    async release(key, token) {
      const entry = take(key, token);
      if (!entry) return inner.release(key, token);
      await end(entry.client, 'ROLLBACK');
      return true;
    },
  };

  const dispatcher: Dispatcher = {
    async dispatch(event: WebhookEvent<string, unknown, unknown>) {
      const entry = take(event.id);
      // No transaction: the store failed open, or the claim was already committed on its own.
      if (!entry) return queue.dispatch(event);
      const { client, token } = entry;
      const ttlMs = ttl;
      let marked = false;
      try {
        await queue.dispatch(event, { db: { executeSql: (text, values) => client.query(prepared(text, values)) } });
        if (typeof ttlMs === 'number') marked = await inner.commit(event.id, token, ttlMs, { client });
      } catch (error) {
        discard(client, error);
        throw error;
      }
      await end(client, 'COMMIT');
      if (!marked) return;
      // The receiver's commit follows in this turn's continuation; a mark it never asks for is dropped after it.
      folded.set(event.id, token);
      setImmediate(() => {
        if (folded.get(event.id) === token) folded.delete(event.id);
      });
    },
  };

  return { store, dispatcher };
}

const ignore = () => {};

/**
 * A connection with an 'error' listener from the moment it is handed over. A connection the server ends while it is
 * checked out (a restart, a failover) emits 'error', and pg's pool listens only to idle ones: unheard, that event ends
 * the process. The listener is attached in pg's callback, not after an `await`: a new connection's first answer and
 * the server's "terminating connection" can arrive in one read, and pg emits the second before a promise's
 * continuation runs (seen when the crash test restarts PostgreSQL). The failed statement, or the next, then throws.
 */
function connect(pool: TransactionPool): Promise<pg.PoolClient> {
  return new Promise((resolve, reject) => {
    pool.connect((error, client) => {
      if (error || !client) {
        reject(error ?? new Error('@hookinbox/pg-boss: the pool gave no connection'));
        return;
      }
      client.on('error', ignore);
      resolve(client);
    });
  });
}

/** End the transaction and give the connection back; a connection that fails here is closed, not reused. */
async function end(client: pg.PoolClient, statement: 'COMMIT' | 'ROLLBACK'): Promise<void> {
  try {
    await client.query(statement);
  } catch (error) {
    discard(client, error);
    throw error;
  }
  client.off('error', ignore);
  client.release();
}

/** Close the connection instead of giving it back: its transaction ends with it. (It keeps the listener: a closing
 * connection may still report its end.) */
function discard(client: pg.PoolClient, error: unknown): void {
  client.release(error instanceof Error ? error : true);
}
