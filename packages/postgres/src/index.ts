export type { PostgresStoreOptions } from './options.js';
export { createPostgresStore, type PostgresStore, postgresStore } from './postgres-store.js';
export type { Queryable, RunOptions } from './queryable.js';
export { migrate, migrationSql, type TableName } from './sql.js';
