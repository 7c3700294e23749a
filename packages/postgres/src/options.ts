import { parseOptions } from '@hookinbox/core';
import { z } from 'zod';
import type { Queryable } from './queryable.js';

/**
 * A schema or table name: lower-case letters, digits and underscores, not starting with a digit. Names are quoted in
 * every statement anyway; the narrow alphabet also means the same name works unquoted in psql and migration tools,
 * and no name can carry SQL.
 */
const identifier = (max: number) =>
  z
    .string()
    .regex(/^[a-z_][a-z0-9_]*$/, 'must be lower-case letters, digits and underscores, not starting with a digit')
    .max(max, `must be at most ${max} characters`);

/** The schema and table of the dedupe table; what {@link migrate} and the store agree on. */
export const tableNameSchema = z.strictObject({
  /** Default `public`. Created by the migration when it does not exist. */
  schema: identifier(63).default('public'),
  // 63 is PostgreSQL's identifier limit; the index name adds `_expires_at` (11 characters) to the table's.
  /** Default `hookinbox_dedupe`. */
  table: identifier(52).default('hookinbox_dedupe'),
});

const queryable = z.custom<Queryable>(
  (value) => typeof value === 'object' && value !== null && typeof (value as Queryable).query === 'function',
  { message: 'must be a pg Pool (or anything with query(), such as a Client)' },
);

const ms = z.number().int().positive();

/** Parsed once by {@link postgresStore}; operations never validate options again. */
export const postgresStoreOptionsSchema = z
  .strictObject({
    pool: queryable.optional(),
    connectionString: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
      .optional(),
    schema: tableNameSchema.shape.schema,
    table: tableNameSchema.shape.table,
    createTable: z.boolean().default(false),
    commandTimeoutMs: ms.default(1_000),
    cleanup: z
      .union([
        z.literal(false),
        z.strictObject({
          intervalMs: ms.default(60_000),
          batchSize: z.number().int().min(1).max(100_000).default(1_000),
        }),
      ])
      .prefault({}),
    onCleanupError: z
      .custom<(error: Error) => void>((value) => typeof value === 'function', { message: 'must be a function' })
      .optional(),
  })
  .refine((o) => (o.pool === undefined) !== (o.connectionString === undefined), {
    message: 'give one of pool or connectionString (is DATABASE_URL set?)',
  });

export type ParsedPostgresStoreOptions = z.output<typeof postgresStoreOptionsSchema>;

/** Options of {@link postgresStore}. Give either `pool` or `connectionString`. */
export interface PostgresStoreOptions {
  /**
   * A `pg` Pool (or any client with `query()`). The store never ends it: the app that created it does. Give it
   * `statement_timeout` and `connectionTimeoutMillis` (see the README), and listen to its `error` events.
   */
  pool?: Queryable;
  /**
   * A `postgres://` URL; the store creates its own Pool (pg's defaults, plus `statement_timeout` and
   * `connectionTimeoutMillis` of `commandTimeoutMs`) and ends it in `close()`.
   */
  connectionString?: string;
  /** Schema of the dedupe table (default `public`). */
  schema?: string;
  /** Name of the dedupe table (default `hookinbox_dedupe`). Give each app sharing a database its own. */
  table?: string;
  /**
   * Create the schema, table and index on first use when they are missing (default false: run {@link migrate} or
   * the README's SQL in your migrations instead). Needs the CREATE privilege.
   */
  createTable?: boolean;
  /**
   * Longest wait for one operation, in milliseconds, waiting for a connection included (default 1,000). Enforced by
   * the store, whatever the pool's options say.
   */
  commandTimeoutMs?: number;
  /**
   * Removing expired rows: every `intervalMs` (default 60 s), in batches of at most `batchSize` rows (default
   * 1,000) until a batch comes back short. `false` turns the timer off (call `store.cleanup()` from your own job).
   */
  cleanup?: false | { intervalMs?: number; batchSize?: number };
  /** Called when a timed cleanup fails (the next one tries again). Default: ignored. */
  onCleanupError?: (error: Error) => void;
}

/** Validate once, when the store is built; a bad option throws a TypeError naming the field. */
export function parsePostgresStoreOptions(options: PostgresStoreOptions): ParsedPostgresStoreOptions {
  return parseOptions(postgresStoreOptionsSchema, options, '@hookinbox/postgres');
}
