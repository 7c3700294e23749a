import pg from 'pg';
import type { SqlClient, SqlQueryable } from './database.js';

/**
 * The app's PostgreSQL (`DATABASE_URL`) in the shape the database layer takes from PGlite: `query`, `exec`,
 * `transaction` and `close` over a node-postgres pool. The pool itself is shared with the dedupe store and the queue.
 */
export function openPostgres(url: string): { pool: pg.Pool; sql: SqlClient } {
  const pool = new pg.Pool({ connectionString: url, max: 20, connectionTimeoutMillis: 2_000 });
  // pg emits 'error' when the server drops an idle connection; unheard, that event would end the process.
  pool.on('error', () => {});
  const sql: SqlClient = {
    query: async (text, params) => (await pool.query(text, params as unknown[])) as never,
    exec: (text) => pool.query(text),
    async transaction<T>(fn: (tx: SqlQueryable) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn({ query: async (text, params) => (await client.query(text, params)) as never });
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
  return { pool, sql };
}
