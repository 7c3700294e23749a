import { createMemoryStore, createReceiver, silentLogger } from '@hookinbox/core';
import { genstore } from '@hookinbox/genstore';
import { createWorker, pgBossQueue } from '@hookinbox/pg-boss';
import { genstoreDelivery } from '@hookinbox/testing';
import { describeQueue } from '@hookinbox/testing/queue-contract';
import type pg from 'pg';
import type PgBoss from 'pg-boss';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
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

// Once as pg-boss hands out jobs by default (one a fetch), once with batches, whose jobs run together and whose
// successes are completed in one statement: every promise of the contract holds either way.
for (const [name, batch] of [
  ['pg-boss 10', {}],
  ['pg-boss 10, jobs fetched 4 at a time by 2 loops', { batchSize: 4, concurrency: 2 }],
] as const) {
  describeQueue(name, async () => {
    const queue = await pgBossQueue({ boss, schema, queueName: `contract-${++queues}` });
    return {
      queue,
      startWorker: (receiver) =>
        createWorker(receiver, { boss, schema, queueName: queue.queueName, pollingIntervalSeconds: 0.5, ...batch }),
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
}

describe('pg-boss worker batches', () => {
  it('runs a fetched batch together, completes its successes in one call, and retries a failure among them alone', async () => {
    const queue = await pgBossQueue({ boss, schema, queueName: `batch-${++queues}` });
    const secret = 'batch-secret';
    const receiver = createReceiver({
      provider: genstore({ secret }),
      store: createMemoryStore(),
      dispatcher: queue,
      deadLetters: queue,
      logger: silentLogger,
      retry: { attempts: 2, minDelayMs: 50, maxDelayMs: 200, factor: 2 },
    });
    const runs = new Map<string, number[]>();
    let running = 0;
    let together = 0;
    receiver.on('orders/create', async (event, context) => {
      const id = String((event.payload as { id: string }).id);
      runs.set(id, [...(runs.get(id) ?? []), context.attempt]);
      together = Math.max(together, ++running);
      await new Promise((resolve) => setTimeout(resolve, 100));
      running--;
      if (id === 'b-3' && context.attempt === 1) throw new Error('downstream is down');
    });
    for (const id of ['b-1', 'b-2', 'b-3', 'b-4']) {
      const delivery = genstoreDelivery({ topic: 'orders/create', payload: { id }, secret, webhookId: `wh-${id}` });
      expect((await receiver.handle(delivery)).status).toBe(200);
    }
    const complete = vi.spyOn(boss, 'complete');
    const worker = await createWorker(receiver, {
      boss,
      schema,
      queueName: queue.queueName,
      batchSize: 4,
      pollingIntervalSeconds: 0.5,
    });
    try {
      await vi.waitFor(async () => expect(await queue.pending()).toBe(0), { timeout: 15_000, interval: 50 });
      // One loop, one fetch of four: they ran at once.
      expect(together).toBe(4);
      expect(Object.fromEntries(runs)).toEqual({ 'b-1': [1], 'b-2': [1], 'b-3': [1, 2], 'b-4': [1] });
      // The three that succeeded first were completed by one call; the retried one by a call of its own.
      const calls = complete.mock.calls.filter(([name]) => name === queue.queueName).map(([, ids]) => ids);
      expect(calls).toHaveLength(2);
      expect(calls[0]).toHaveLength(3);
      expect(calls[1]).toHaveLength(1);
      expect(await queue.deadLetters()).toEqual([]);
    } finally {
      complete.mockRestore();
      await worker.close();
      await receiver.close({ timeoutMs: 1_000 });
    }
  });

  it('rejects a batchSize that is not a positive integer, naming the field', async () => {
    const receiver = createReceiver({ provider: genstore({ secret: 's' }), logger: silentLogger });
    await expect(createWorker(receiver, { boss, schema, batchSize: 0 })).rejects.toThrow(
      /invalid worker options: batchSize/,
    );
    await expect(createWorker(receiver, { boss, schema, batchSize: 1.5 })).rejects.toThrow(/batchSize/);
  });
});
