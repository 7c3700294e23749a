import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { type PostgresStoreOptions, parsePostgresStoreOptions } from './options.js';
import { postgresStore } from './postgres-store.js';

// Nothing here connects: options are checked before any pool is used.
const pool = new pg.Pool({ connectionString: 'postgres://postgres@127.0.0.1:1/none' });

describe('postgresStore options', () => {
  it('fills in the defaults', () => {
    expect(parsePostgresStoreOptions({ pool })).toEqual({
      pool,
      schema: 'public',
      table: 'hookinbox_dedupe',
      createTable: false,
      commandTimeoutMs: 1_000,
      cleanup: { intervalMs: 60_000, batchSize: 1_000 },
    });
    expect(parsePostgresStoreOptions({ pool, cleanup: false }).cleanup).toBe(false);
    expect(parsePostgresStoreOptions({ pool, cleanup: { batchSize: 50 } }).cleanup).toEqual({
      intervalMs: 60_000,
      batchSize: 50,
    });
  });

  it.each([
    ['neither pool nor connectionString', {}, /give one of pool or connectionString/],
    [
      'both pool and connectionString',
      { pool, connectionString: 'postgres://127.0.0.1/test' },
      /give one of pool or connectionString/,
    ],
    ['a pool without query()', { pool: {} as never }, /pool: must be a pg Pool/],
    ['a connectionString that is not postgres://', { connectionString: 'mysql://127.0.0.1/test' }, /connectionString/],
    ['an empty connectionString', { connectionString: '' }, /connectionString/],
    ['SQL in the table name', { pool, table: 'x; DROP TABLE users' }, /table: must be lower-case/],
    ['a quote in the schema name', { pool, schema: 'a"b' }, /schema: must be lower-case/],
    ['an upper-case table name', { pool, table: 'Dedupe' }, /table: must be lower-case/],
    ['a table name over 52 characters', { pool, table: 't'.repeat(53) }, /table: must be at most 52/],
    ['createTable as a string', { pool, createTable: 'yes' as never }, /createTable/],
    ['commandTimeoutMs 0', { pool, commandTimeoutMs: 0 }, /commandTimeoutMs/],
    ['commandTimeoutMs 1.5', { pool, commandTimeoutMs: 1.5 }, /commandTimeoutMs/],
    ['commandTimeoutMs as a string', { pool, commandTimeoutMs: '500' as never }, /commandTimeoutMs/],
    ['cleanup true', { pool, cleanup: true as never }, /cleanup/],
    ['cleanup.batchSize 0', { pool, cleanup: { batchSize: 0 } }, /cleanup\.batchSize/],
    ['cleanup.batchSize over 100,000', { pool, cleanup: { batchSize: 100_001 } }, /cleanup\.batchSize/],
    ['cleanup.intervalMs -1', { pool, cleanup: { intervalMs: -1 } }, /cleanup\.intervalMs/],
    ['an unknown field', { pool, keyPrefix: 'app:' } as never, /Unrecognized key/],
    ['onCleanupError that is not a function', { pool, onCleanupError: 'log' as never }, /onCleanupError/],
  ] satisfies [string, PostgresStoreOptions, RegExp][])('refuses %s when built', (_name, options, message) => {
    expect(() => postgresStore(options)).toThrow(TypeError);
    expect(() => postgresStore(options)).toThrow(message);
    expect(() => postgresStore(options)).toThrow(/^@hookinbox\/postgres: invalid options: /);
  });

  it('never puts the connection string, password included, in an error', () => {
    const connectionString = 'mysql://user:s3cret-password@db.example.com/app';
    expect(() => postgresStore({ connectionString })).not.toThrow(/s3cret/);
  });
});
