import type { ClaimResult, DedupeStore } from '@hookinbox/core';
import type pg from 'pg';
import { describe, expectTypeOf, it } from 'vitest';
import { type PostgresStore, postgresStore, type Queryable } from './index.js';

describe('postgresStore types', () => {
  it('is a DedupeStore, so createReceiver takes it', () => {
    expectTypeOf<PostgresStore>().toExtend<DedupeStore>();
  });

  it('runs on a pg Pool, Client or PoolClient', () => {
    expectTypeOf<pg.Pool>().toExtend<Queryable>();
    expectTypeOf<pg.Client>().toExtend<Queryable>();
    expectTypeOf<pg.PoolClient>().toExtend<Queryable>();
    // @ts-expect-error a connection string goes in connectionString, not pool
    postgresStore({ pool: 'postgres://127.0.0.1/test' });
  });

  it('takes a transaction client as the last argument of every operation', () => {
    const store = postgresStore({ connectionString: 'postgres://127.0.0.1/test' });
    const client = {} as pg.PoolClient;
    expectTypeOf(store.claim('k', 1_000, { client })).toEqualTypeOf<Promise<ClaimResult>>();
    expectTypeOf(store.commit('k', 't', 1_000, { client })).toEqualTypeOf<Promise<boolean>>();
    expectTypeOf(store.release('k', 't', { client })).toEqualTypeOf<Promise<boolean>>();
    expectTypeOf(store.cleanup()).toEqualTypeOf<Promise<number>>();
  });
});
