import type { DeadLetterSink, DedupeStore, Dispatcher, Receiver } from '@hookinbox/core';
import { claimAndEnqueue, createWorker, pgBossQueue } from '@hookinbox/pg-boss';
import { migrate, postgresStore } from '@hookinbox/postgres';
import pg from 'pg';
import PgBoss from 'pg-boss';

/**
 * The PostgreSQL rows' setup: the dedupe table and pg-boss in a schema of the row's own (dropped when it ends), the
 * claim and the job in one transaction, and a worker in the same process, as one app would run them.
 */
export async function openPgBoss(url: string, schema: string, poolSize = 32) {
  // One connection per delivery in flight (the load's 32 connections): each holds one for its whole transaction.
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  pool.on('error', () => {});
  const boss = new PgBoss({ connectionString: url, schema, max: 10, schedule: false });
  boss.on('error', (error) => process.stderr.write(`bench: pg-boss: ${error.message}\n`));
  await boss.start();
  await migrate(pool, { schema });
  const queue = await pgBossQueue({ boss, schema });
  const both = claimAndEnqueue({ pool, store: postgresStore({ pool, schema }), queue });
  let worker: { close(): Promise<void> } | undefined;
  return {
    options: { store: both.store, dispatcher: both.dispatcher, deadLetters: queue } satisfies {
      store: DedupeStore;
      dispatcher: Dispatcher;
      deadLetters: DeadLetterSink;
    },
    /** Jobs waiting, delayed or running. */
    pending: () => queue.pending(),
    async startWorker(receiver: Receiver<any, any, any>) {
      // 16 jobs at most at once: a job's remembered claim holds a connection of the pool the acknowledgements use.
      worker = await createWorker(receiver, {
        boss,
        schema,
        concurrency: 2,
        batchSize: 8,
        pollingIntervalSeconds: 0.5,
      });
    },
    async close() {
      await worker?.close();
      await boss.stop({ graceful: false, wait: true });
      await pool.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`);
      await pool.end();
    },
  };
}
