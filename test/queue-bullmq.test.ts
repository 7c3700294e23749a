import { randomUUID } from 'node:crypto';
import { bullmqQueue, createWorker } from '@hookinbox/bullmq';
import { silentLogger } from '@hookinbox/core';
import { describeQueue } from '@hookinbox/testing/queue-contract';
import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { redisUrl } from './helpers/redis.js';
import { freePort } from './setup/redis-server.js';

let admin: Redis;

beforeAll(() => {
  admin = new Redis(redisUrl());
});

afterAll(async () => {
  await admin.quit();
});

describeQueue('bullmq', async () => {
  // A queue name and prefix no other test or run uses; obliterated afterwards.
  const queueName = `contract-${randomUUID()}`;
  const prefix = 'hookinbox-test';
  const queue = bullmqQueue({ connection: redisUrl(), queueName, prefix, logger: silentLogger });
  const others: { close(): Promise<void> }[] = [];
  return {
    queue,
    async startWorker(receiver) {
      const worker = await createWorker(receiver, {
        connection: redisUrl(),
        queueName,
        prefix,
        logger: silentLogger,
        concurrency: 4,
      });
      return worker;
    },
    pending: () => queue.pending(),
    deadLetters: () => queue.deadLetters(),
    async retry(letter) {
      if (!(await queue.retry(letter))) throw new Error(`no failed job for ${letter.kind} ${letter.id}`);
    },
    async unavailable() {
      // Nothing listens on this port: every write fails or times out.
      const gone = bullmqQueue({
        connection: `redis://127.0.0.1:${await freePort()}`,
        queueName,
        prefix,
        logger: silentLogger,
        enqueueTimeoutMs: 500,
      });
      others.push(gone);
      return gone;
    },
    async cleanup() {
      for (const other of others) await other.close();
      await queue.queue.obliterate({ force: true });
      await queue.close();
    },
  };
});
