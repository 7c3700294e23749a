import PgBoss from 'pg-boss';
import { databaseUrl } from './postgres.js';

/**
 * A started pg-boss in `schema` on the test database: no cron, short polling. Errors are collected rather than
 * thrown (pg-boss emits them for connections a test cut on purpose).
 */
export async function startBoss(schema: string, options: PgBoss.ConstructorOptions = {}): Promise<PgBoss> {
  const boss = new PgBoss({
    connectionString: databaseUrl(),
    schema,
    max: 5,
    schedule: false,
    ...options,
  });
  boss.on('error', () => {});
  await boss.start();
  return boss;
}
