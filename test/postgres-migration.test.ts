import { readFileSync } from 'node:fs';
import { migrate, migrationSql, postgresStore } from '@hookinbox/postgres';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectTestDatabase, dropSchema, uniqueSchema } from './helpers/postgres.js';

let pool: pg.Pool;
const schema = uniqueSchema();

beforeAll(async () => {
  pool = await connectTestDatabase();
});

afterAll(async () => {
  await dropSchema(pool, schema);
  await pool.end();
});

const columnsOf = async (table: string) =>
  (
    await pool.query(
      `SELECT column_name, data_type, is_nullable, collation_name FROM information_schema.columns
       WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position`,
      [schema, table],
    )
  ).rows;

const indexesOf = async (table: string) =>
  (
    await pool.query(`SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = $1 AND tablename = $2`, [
      schema,
      table,
    ])
  ).rows.map((r) => `${r.indexname}: ${r.indexdef}`);

describe('migrate', () => {
  it('creates the schema, the table and its expiry index', async () => {
    await migrate(pool, { schema, table: 'made' });
    expect(await columnsOf('made')).toEqual([
      { column_name: 'key', data_type: 'text', is_nullable: 'NO', collation_name: 'C' },
      { column_name: 'token', data_type: 'text', is_nullable: 'YES', collation_name: null },
      { column_name: 'expires_at', data_type: 'timestamp with time zone', is_nullable: 'NO', collation_name: null },
    ]);
    expect((await indexesOf('made')).sort()).toEqual([
      `made_expires_at: CREATE INDEX made_expires_at ON ${schema}.made USING btree (expires_at)`,
      `made_pkey: CREATE UNIQUE INDEX made_pkey ON ${schema}.made USING btree (key)`,
    ]);
  });

  it('can run again, and from several connections at once', async () => {
    await migrate(pool, { schema, table: 'again' });
    await Promise.all(Array.from({ length: 5 }, () => migrate(pool, { schema, table: 'again' })));
    await Promise.all(Array.from({ length: 5 }, () => migrate(pool, { schema, table: 'at_once' })));
    expect(await indexesOf('at_once')).toHaveLength(2);
  });

  it('is the SQL the README shows, for the default names', () => {
    const readme = readFileSync(new URL('../packages/postgres/README.md', import.meta.url), 'utf8');
    expect(readme).toContain(migrationSql().trim());
    expect(migrationSql()).not.toMatch(/CREATE SCHEMA/);
    expect(migrationSql({ schema: 'webhooks' })).toMatch(/^CREATE SCHEMA IF NOT EXISTS "webhooks";/);
  });

  it.each([
    ['SQL in the table name', { table: 'x"; DROP TABLE users; --' }, /table: must be lower-case/],
    ['SQL in the schema name', { schema: 'public"."evil' }, /schema: must be lower-case/],
    ['upper case', { table: 'Dedupe' }, /table: must be lower-case/],
    ['a leading digit', { table: '1dedupe' }, /table: must be lower-case/],
    ['a dotted name', { table: 'public.dedupe' }, /table: must be lower-case/],
    ['an empty name', { schema: '' }, /schema: must be lower-case/],
    ['a table name over 52 characters', { table: 'd'.repeat(53) }, /table: must be at most 52/],
    ['a schema name over 63 characters', { schema: 's'.repeat(64) }, /schema: must be at most 63/],
    ['a name that is not a string', { table: 5 as unknown as string }, /table: /],
    ['an unknown field', { tabel: 'dedupe' } as never, /Unrecognized key/],
  ])('refuses %s, before sending anything', async (_name, name, message) => {
    expect(() => migrationSql(name)).toThrow(TypeError);
    expect(() => migrationSql(name)).toThrow(/^@hookinbox\/postgres: invalid options: /);
    await expect(migrate(pool, name)).rejects.toThrow(message);
  });
});

describe('postgresStore without a table', () => {
  it('answers store_unavailable naming the remedy when createTable is off (the default)', async () => {
    const store = postgresStore({ pool, schema, table: 'missing', cleanup: false });
    const error = await store.claim('order-1', 60_000).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'store_unavailable', status: 503 });
    expect((error as Error).message).toMatch(/does not exist \(run migrate\(pool\) .*or pass createTable: true\)$/);
    expect(await columnsOf('missing')).toEqual([]);
  });

  it('creates it on first use with createTable: true, once, even for instances starting together', async () => {
    const other = uniqueSchema();
    try {
      const stores = Array.from({ length: 3 }, () =>
        postgresStore({ pool, schema: other, table: 'dedupe', createTable: true, cleanup: false }),
      );
      const claims = await Promise.all(
        stores.flatMap((s, i) => [s.claim(`order-${i}`, 60_000), s.claim('same', 60_000)]),
      );
      expect(claims.filter((c) => c.status === 'claimed')).toHaveLength(4);
      expect(await stores[0]?.claim('same', 60_000)).toEqual({ status: 'in-flight' });
    } finally {
      await dropSchema(pool, other);
    }
  });

  it('with createTable: true, tries the migration again on the next operation after it failed', async () => {
    // A view under the table's name: CREATE TABLE IF NOT EXISTS skips it, and CREATE INDEX on it fails.
    await pool.query(`CREATE VIEW "${schema}"."in_the_way" AS SELECT 1 AS one`);
    const store = postgresStore({ pool, schema, table: 'in_the_way', createTable: true, cleanup: false });
    await expect(store.claim('order-1', 60_000)).rejects.toMatchObject({ code: 'store_unavailable' });
    await pool.query(`DROP VIEW "${schema}"."in_the_way"`);
    expect((await store.claim('order-1', 60_000)).status).toBe('claimed');
  });
});
