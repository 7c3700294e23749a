import { createWorker, pgBossQueue } from '@hookinbox/pg-boss';
import { describeQueue } from '@hookinbox/testing/queue-contract';
import type pg from 'pg';
import type PgBoss from 'pg-boss';
import { afterAll, beforeAll } from 'vitest';
import { startBoss } from './helpers/pg-boss.js';
import { connectTestDatabase, dropSchema, uniqueSchema } from './helpers/postgres.js';

const schema = uniqueSchema();
let pool: pg.Pool;
let boss: PgBoss;
let queues = 0;

beforeAll(async () => {
  pool = await connectTestDatabase(2);
  boss = await startBoss(schema);
});

afterAll(async () => {
  await boss?.stop({ graceful: false, wait: true });
  await dropSchema(pool, schema);
  await pool.end();
});

describeQueue('pg-boss 10', async () => {
  const queue = await pgBossQueue({ boss, schema, queueName: `contract-${++queues}` });
  return {
    queue,
    startWorker: (receiver) =>
      createWorker(receiver, { boss, schema, queueName: queue.queueName, pollingIntervalSeconds: 0.5 }),
    pending: () => queue.pending(),
    deadLetters: () => queue.deadLetters(),
    retry: async (letter) => {
      await queue.redrive(letter);
    },
    async unavailable() {
      // A pg-boss that was stopped: its sends fail as they do when the server is gone.
      const gone = await startBoss(schema, { supervise: false });
      const down = await pgBossQueue({ boss: gone, schema, queueName: `contract-down-${queues}` });
      await gone.stop({ graceful: false, wait: true });
      return down;
    },
  };
});
