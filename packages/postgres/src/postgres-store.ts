import { createHash, randomBytes } from 'node:crypto';
import type { ClaimResult, DedupeStore } from '@hookinbox/core';
import type pg from 'pg';
import { createCleanup } from './cleanup.js';
import { createRun, storePool } from './connection.js';
import { type PostgresStoreOptions, parsePostgresStoreOptions } from './options.js';
import type { Queryable, RunOptions } from './queryable.js';
import { statements } from './sql.js';
import { withTimeout } from './timeout.js';

/**
 * A {@link DedupeStore} on PostgreSQL. Every operation takes an optional `{ client }` to run inside a transaction of
 * yours. `close()` stops the cleanup timer and ends only a pool the store created from `connectionString`.
 */
export interface PostgresStore extends DedupeStore {
  /** The pool in use: the injected one, or the one created from `connectionString`. */
  readonly pool: Queryable;
  claim(key: string, leaseMs: number, options?: RunOptions): Promise<ClaimResult>;
  commit(key: string, token: string, ttlMs: number, options?: RunOptions): Promise<boolean>;
  release(key: string, token: string, options?: RunOptions): Promise<boolean>;
  /**
   * Delete expired rows now, in batches of at most `cleanup.batchSize` until a batch comes back short; resolves to
   * the number deleted. The timer calls it; call it yourself when `cleanup` is `false`.
   */
  cleanup(): Promise<number>;
  close(): Promise<void>;
}

const DONE: ClaimResult = Object.freeze({ status: 'done' });
const IN_FLIGHT: ClaimResult = Object.freeze({ status: 'in-flight' });

// Longer keys are stored as their digest: a btree entry cannot exceed about 2.7 kB, and PostgreSQL text cannot hold
// NUL. 512 UTF-16 units are at most 1,536 bytes of UTF-8. Provider keys are far shorter; this catches custom ones.
const MAX_KEY_LENGTH = 512;
const storedKey = (key: string): string =>
  key.length > MAX_KEY_LENGTH || key.includes('\0') ? `sha256:${createHash('sha256').update(key).digest('hex')}` : key;

/**
 * A dedupe store on PostgreSQL, for apps that run several instances and already keep their data there.
 *
 * Each operation is one statement on one row, timed by the database's clock: a claim is an upsert that treats an
 * expired row as absent; commit and release check the token and the lease. Expired rows are deleted by a timer in
 * bounded batches, never on the request path. An operation that fails or does not answer within
 * `commandTimeoutMs` rejects with `store_unavailable`, so the receiver answers 503 (or processes without dedupe
 * with `dedupe: { onStoreError: 'fail-open' }`).
 *
 * @example
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, statement_timeout: 1_000 });
 * await migrate(pool);
 * const receiver = createReceiver({ provider, store: postgresStore({ pool }) });
 */
export function postgresStore(options: PostgresStoreOptions): PostgresStore {
  const opts = parsePostgresStoreOptions(options);
  const { commandTimeoutMs, schema, table } = opts;
  const { pool, detail, end } = storePool(opts.pool, opts.connectionString ?? '', commandTimeoutMs);
  const sql = statements({ schema, table });
  const query = createRun(pool, { schema, table }, opts.createTable);

  // Claim tokens: unique to this store (96 random bits), then a counter; cheaper than a UUID per claim.
  const tokenPrefix = `c:${randomBytes(12).toString('base64url')}:`;
  let nextToken = 1;

  const releaseRow = (key: string, token: string, db: Queryable) =>
    query(db, sql.names.release, sql.release, [key, token]).then((r) => r.rowCount === 1);

  // With `cleanup: false` no timer runs, and store.cleanup() deletes in batches of 1,000.
  const { batchSize, intervalMs } = opts.cleanup || { batchSize: 1_000, intervalMs: undefined };
  const cleanup = createCleanup({
    batch: () =>
      withTimeout('cleanup', query(pool, sql.names.cleanup, sql.cleanup, [batchSize]), commandTimeoutMs, detail).then(
        (r) => r.rowCount ?? 0,
      ),
    batchSize,
    intervalMs,
    onError: opts.onCleanupError,
  });
  let closed = false;

  return {
    pool,
    async claim(key, leaseMs, run) {
      const row = storedKey(key);
      const token = tokenPrefix + nextToken++;
      const db = run?.client ?? pool;
      const work = query<{ token: string | null }>(db, sql.names.claim, sql.claim, [row, token, leaseMs]);
      // A claim that lands after its timeout is held by nobody (the caller was told the store failed): release it, or
      // every retry would be answered "in flight" until the lease ends. Inside a caller's transaction the caller
      // rolls back on the error instead, and the row may be locked by that very transaction.
      const onLate = run?.client
        ? undefined
        : (late: pg.QueryResult<{ token: string | null }>) => {
            if (late.rows[0]?.token === token) releaseRow(row, token, pool).catch(() => {});
          };
      const result = await withTimeout('claim', work, commandTimeoutMs, detail, onLate);
      const current = result.rows[0];
      if (current?.token === token) return { status: 'claimed', token };
      return current?.token === null ? DONE : IN_FLIGHT;
    },
    async commit(key, token, ttlMs, run) {
      const work = query(run?.client ?? pool, sql.names.commit, sql.commit, [storedKey(key), token, ttlMs]);
      return (await withTimeout('commit', work, commandTimeoutMs, detail)).rowCount === 1;
    },
    async release(key, token, run) {
      const work = releaseRow(storedKey(key), token, run?.client ?? pool);
      return withTimeout('release', work, commandTimeoutMs, detail);
    },
    cleanup: () => cleanup.run(),
    async close() {
      if (closed) return;
      closed = true;
      await cleanup.stop();
      await end();
    },
  };
}

/** Same as {@link postgresStore}, under the `createX` name the other factories use. */
export const createPostgresStore = postgresStore;
