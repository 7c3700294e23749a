import type { QueryConfig, QueryResult, QueryResultRow } from 'pg';

/**
 * Anything that runs a query: a pg `Pool`, a `Client`, or the `PoolClient` of a transaction of yours. Structural, so
 * a wrapper (one that counts or traces queries) fits as well.
 */
export interface Queryable {
  query<R extends QueryResultRow = any>(config: QueryConfig): Promise<QueryResult<R>>;
}

/** The last argument of every store operation. */
export interface RunOptions {
  /**
   * Run this operation on `client` instead of the store's pool: pass the `PoolClient` of an open transaction and
   * the claim, commit or release commits or rolls back with it (see the README: claim and enqueue in one
   * transaction).
   */
  client?: Queryable;
}
