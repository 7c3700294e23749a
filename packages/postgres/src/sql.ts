import { createHash } from 'node:crypto';
import { parseOptions } from '@hookinbox/core';
import pg from 'pg';
import { tableNameSchema } from './options.js';
import type { Queryable } from './queryable.js';

/** Where the dedupe table lives. */
export interface TableName {
  /** Default `public`. */
  schema?: string;
  /** Default `hookinbox_dedupe`. */
  table?: string;
}

// Every hookinbox migration takes this lock, so instances starting together with `createTable: true` do not race
// each other's CREATE TABLE IF NOT EXISTS (which fails on the loser with a duplicate pg_type row).
const MIGRATION_LOCK = 0x686f6f6b696e62n; // "hookinb"

function parseTableName(name: TableName): Required<TableName> {
  return parseOptions(tableNameSchema, name, '@hookinbox/postgres');
}

/** `"schema"."table"`, quoted by pg's own escapeIdentifier (on top of the validated alphabet). */
function quoted({ schema, table }: Required<TableName>): string {
  return `${pg.escapeIdentifier(schema)}.${pg.escapeIdentifier(table)}`;
}

/**
 * The DDL of the dedupe table: idempotent (`IF NOT EXISTS`), no transaction control of its own, so it fits inside
 * a migration tool's transaction. `migrate()` runs the same statements under a lock.
 *
 * - `key` uses the "C" collation: byte order, the cheapest comparison, and the index never depends on the OS locale.
 * - `token` is the claim token while in flight and NULL once done, so no token can ever read as done.
 * - `expires_at` is the lease's end, then the end of the remembered time; indexed so cleanup finds expired rows
 *   without a scan.
 */
export function migrationSql(name: TableName = {}): string {
  const parsed = parseTableName(name);
  const table = quoted(parsed);
  const index = pg.escapeIdentifier(`${parsed.table}_expires_at`);
  // CREATE SCHEMA IF NOT EXISTS still needs the CREATE privilege on the database, so public is left alone.
  const schema =
    parsed.schema === 'public' ? '' : `CREATE SCHEMA IF NOT EXISTS ${pg.escapeIdentifier(parsed.schema)};\n`;
  return `${schema}CREATE TABLE IF NOT EXISTS ${table} (
  key text COLLATE "C" PRIMARY KEY,
  token text,
  expires_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS ${index} ON ${table} (expires_at);
`;
}

/**
 * Create the dedupe table when it is missing: the schema (unless `public`), the table and its index. Safe to run at
 * every start and from several instances at once (they wait on an advisory lock). Runs as one implicit transaction
 * when `db` is a pool or an idle client; joins the transaction when `db` is a client inside one.
 *
 * @example
 * import { parseOptions } from '@hookinbox/core';
import pg from 'pg';
 * import { migrate } from '@hookinbox/postgres';
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
 * await migrate(pool); // or migrate(pool, { schema: 'webhooks', table: 'dedupe' })
 */
export async function migrate(db: Queryable, name: TableName = {}): Promise<void> {
  // Without parameters pg sends this as one simple-protocol message: several statements, one transaction.
  await db.query({ text: `SELECT pg_advisory_xact_lock(${MIGRATION_LOCK});\n${migrationSql(name)}` });
}

/** The store's statements for one table. Each operation is exactly one of them. */
export interface Statements {
  claim: string;
  commit: string;
  release: string;
  cleanup: string;
  /** Per table: pg prepares a named statement once per connection, and names must not clash across tables. */
  names: { claim: string; commit: string; release: string; cleanup: string };
}

// Times come from the database, never from the app: every instance then agrees on when a lease ends, whatever its
// own clock says (Redis's PX works the same way). clock_timestamp() rather than now(): now() is the start of the
// transaction, which inside a caller's long transaction would shorten leases and keep expired rows alive.
const at = (ms: string) => `clock_timestamp() + ${ms}::float8 * interval '1 millisecond'`;

export function statements(name: Required<TableName>): Statements {
  const table = quoted(name);
  // Statement names are cut at 63 bytes by PostgreSQL, so a long schema and table would make two tables' names
  // collide: the table is named by a digest instead.
  const id = createHash('sha256').update(`${name.schema}.${name.table}`).digest('hex').slice(0, 16);
  return {
    // One statement, whatever is there. A live row the statement can see is only read: a duplicate costs no write,
    // no row lock and no WAL flush. Otherwise the upsert inserts the claim, or overwrites an expired row as if it were
    // absent. RETURNING gives the claim's token, else the live row's: its token (in flight) or NULL (done). No row at
    // all means a concurrent claim committed after this statement's snapshot: in flight.
    claim: `WITH live AS (
  SELECT token FROM ${table} WHERE key = $1 AND expires_at > clock_timestamp()
), claimed AS (
  INSERT INTO ${table} AS d (key, token, expires_at)
  SELECT $1, $2, ${at('$3')} WHERE NOT EXISTS (SELECT FROM live)
  ON CONFLICT (key) DO UPDATE SET token = excluded.token, expires_at = excluded.expires_at
  WHERE d.expires_at <= clock_timestamp()
  RETURNING d.token
)
SELECT token FROM claimed UNION ALL SELECT token FROM live`,
    // Token-checked and lease-checked: a claimant whose lease ended must not mark a newer claim, or a row that
    // merely waits for cleanup, done.
    commit: `UPDATE ${table} SET token = NULL, expires_at = ${at('$3')}
WHERE key = $1 AND token = $2 AND expires_at > clock_timestamp()`,
    release: `DELETE FROM ${table} WHERE key = $1 AND token = $2 AND expires_at > clock_timestamp()`,
    // At most $1 rows, found through the expires_at index (now() is stable within the statement, so it can drive an
    // index scan; clock_timestamp() could not). SKIP LOCKED: instances cleaning at the same time, or a claim
    // holding a row, are passed over rather than waited for.
    cleanup: `DELETE FROM ${table} WHERE ctid = ANY (ARRAY(
  SELECT ctid FROM ${table} WHERE expires_at < now() LIMIT $1 FOR UPDATE SKIP LOCKED
)) AND expires_at < now()`,
    names: {
      claim: `hookinbox_claim_v1_${id}`,
      commit: `hookinbox_commit_v1_${id}`,
      release: `hookinbox_release_v1_${id}`,
      cleanup: `hookinbox_cleanup_v1_${id}`,
    },
  };
}
