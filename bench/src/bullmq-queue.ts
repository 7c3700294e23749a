import { bullmqQueue, createWorker } from '@hookinbox/bullmq';
import type { DeadLetterSink, DedupeStore, Dispatcher, Receiver } from '@hookinbox/core';
import { redisStore } from '@hookinbox/redis';

/**
 * The BullMQ rows' setup, as one app would run it: the Redis dedupe store, the BullMQ queue as dispatcher and
 * dead-letter sink (the 200 waits for the job in Redis), and a worker in the same process. Every key lives under the
 * row's own prefix, deleted by the caller when the row ends.
 */
export async function openBullmq(url: string, prefix: string) {
  const store = redisStore({ url, keyPrefix: `${prefix}dedupe:` });
  await store.claim('bench-warm-up', 1); // connected before the load starts
  const queue = bullmqQueue({ connection: url, queueName: 'bench', prefix: `${prefix}bull` });
  await queue.ready();
  let worker: { close(): Promise<void> } | undefined;
  return {
    options: { store, dispatcher: queue, deadLetters: queue } satisfies {
      store: DedupeStore;
      dispatcher: Dispatcher;
      deadLetters: DeadLetterSink;
    },
    async startWorker(receiver: Receiver<any, any, any>) {
      worker = await createWorker(receiver, {
        connection: url,
        queueName: 'bench',
        prefix: `${prefix}bull`,
        concurrency: 10,
      });
    },
    async close() {
      await worker?.close();
      await queue.close();
      await store.close();
    },
  };
}
