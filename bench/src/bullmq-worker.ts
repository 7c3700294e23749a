/**
 * The BullMQ rows' worker in a process of its own (as an app runs it with `WORKER=only`): the same receiver as the
 * server's (Genstore, the Redis store under the row's prefix, one counting handler), run by `createWorker`. Started by
 * the server process, which asks it for its CPU time over IPC and stops it when the row ends.
 */
import { createReceiver } from '@hookinbox/core';
import { genstore } from '@hookinbox/genstore';
import { redisStore } from '@hookinbox/redis';
import { startWorker, WORKER_CONCURRENCY } from './bullmq-queue.js';
import { GENSTORE_SECRET, TOPIC } from './payload.js';

export type WorkerMessage = { type: 'ready' } | { type: 'cpu'; cpuMicros: number } | { type: 'stopped' };

const { url, prefix } = JSON.parse(process.argv[2] ?? '{}') as { url: string; prefix: string };
const send = (message: WorkerMessage) => new Promise<void>((resolve) => process.send?.(message, () => resolve()));

const store = redisStore({ url, keyPrefix: `${prefix}dedupe:` });
const receiver = createReceiver({ provider: genstore({ secret: GENSTORE_SECRET }), store });
let handled = 0;
receiver.on(TOPIC, () => {
  handled++;
});
const worker = await startWorker(receiver, url, prefix, WORKER_CONCURRENCY);
process.on('message', async (message: { type?: string }) => {
  if (message?.type === 'cpu') {
    const cpu = process.cpuUsage();
    await send({ type: 'cpu', cpuMicros: cpu.user + cpu.system });
  } else if (message?.type === 'stop') {
    await worker.close();
    await receiver.close({ timeoutMs: 1_000 });
    await store.close();
    if (handled === 0) process.stderr.write('bench: no job reached the worker process\n');
    await send({ type: 'stopped' });
    process.exit(0);
  }
});
process.on('disconnect', () => process.exit(0));
await send({ type: 'ready' });
