import pg from 'pg';
import type { Queryable } from './queryable.js';
import { migrate, type TableName } from './sql.js';

/** The pool the store runs on. */
export interface StorePool {
  pool: Queryable;
  /** For a timeout's message: the last connection error of a pool the store owns, or ''. */
  detail(): string;
  /** Ends the pool when the store created it; leaves an injected one alone. */
  end(): Promise<void>;
}

/** The injected pool, or one of the store's own from `connectionString`. */
export function storePool(injected: Queryable | undefined, connectionString: string, timeoutMs: number): StorePool {
  if (injected) return { pool: injected, detail: () => '', end: async () => {} };
  // The same limit on the server (a statement that overruns is cancelled and rolled back there, so a timed-out claim
  // cannot land later) and on the wait for a connection.
  const pool = new pg.Pool({ connectionString, statement_timeout: timeoutMs, connectionTimeoutMillis: timeoutMs });
  // pg emits 'error' for an idle connection the server dropped, and an unheard 'error' event would end the app: the
  // store listens, and names the error in the timeouts it causes.
  let lastError: Error | undefined;
  pool.on('error', (error) => {
    lastError = error;
  });
  pool.on('connect', () => {
    lastError = undefined;
  });
  return {
    pool,
    detail: () => (lastError ? ` (connection: ${lastError.message})` : ''),
    end: () => pool.end(),
  };
}

/** Runs one named statement on `db`. */
export type Run = <R extends pg.QueryResultRow>(
  db: Queryable,
  name: string,
  text: string,
  values: unknown[],
) => Promise<pg.QueryResult<R>>;

/**
 * Runs statements; with `createTable`, the first one waits for the migration, on `pool` (a caller's transaction must
 * not hold the DDL). A failed migration is tried again by the next statement.
 */
export function createRun(pool: Queryable, name: Required<TableName>, createTable: boolean): Run {
  let ready = !createTable;
  let creating: Promise<void> | undefined;
  const ensureTable = (): Promise<void> => {
    creating ??= migrate(pool, name).then(
      () => {
        ready = true;
      },
      (error: unknown) => {
        creating = undefined;
        throw error;
      },
    );
    return creating;
  };
  return (db, statement, text, values) => {
    const config = { name: statement, text, values };
    return ready ? db.query(config) : ensureTable().then(() => db.query(config));
  };
}
