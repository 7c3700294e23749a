import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The database the tests use: DATABASE_URL, else the local PostgreSQL's `test` database. */
export function databaseUrl(): string {
  return process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
}

/** The URL without its password, for messages. */
function shown(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(an unparsable DATABASE_URL)';
  }
}

/**
 * A pool on the test database, checked with one query. Throws a message saying what to do when no PostgreSQL
 * answers, instead of letting every test fail on its own ECONNREFUSED.
 */
export async function connectTestDatabase(max = 10): Promise<pg.Pool> {
  const url = databaseUrl();
  const pool = new pg.Pool({ connectionString: url, max, connectionTimeoutMillis: 5_000 });
  // A server restarted under the tests drops idle connections; that is not a test failure by itself.
  pool.on('error', () => {});
  try {
    await pool.query('SELECT 1');
  } catch (error) {
    await pool.end();
    throw new Error(
      `no PostgreSQL for the tests at ${shown(url)} (${(error as Error).message}): set DATABASE_URL, or start the ` +
        'local server (pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start)',
    );
  }
  return pool;
}

/** A schema name no other test run uses, so runs in parallel never see each other's tables. */
export function uniqueSchema(): string {
  return `hookinbox_test_${randomBytes(6).toString('hex')}`;
}

/** Drop a schema this run created, with everything in it. */
export async function dropSchema(pool: pg.Pool, schema: string): Promise<void> {
  if (!/^hookinbox_test_[0-9a-f]{12}$/.test(schema)) throw new Error(`refusing to drop ${schema}: not a test schema`);
  await pool.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`);
}
