import { type ChildProcess, fork } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bullmqQueue, createWorker } from '@hookinbox/bullmq';
import type { DeadLetterSink, DedupeStore, Dispatcher, Receiver } from '@hookinbox/core';
import { redisStore } from '@hookinbox/redis';
import type { WorkerMessage } from './bullmq-worker.js';

const here = dirname(fileURLToPath(import.meta.url));

/** Jobs the rows' worker runs at once. */
export const WORKER_CONCURRENCY = 10;

/** The rows' worker on the row's queue. */
export function startWorker(receiver: Receiver<any, any, any>, url: string, prefix: string, concurrency: number) {
  return createWorker(receiver, { connection: url, queueName: 'bench', prefix: `${prefix}bull`, concurrency });
}

/** Where the rows' worker runs: in the server's process, or in a process of its own (`WORKER=only` in the examples). */
export type WorkerPlace = 'in-process' | 'process';

/** The worker process: started, asked for its CPU time, stopped. */
function workerProcess(url: string, prefix: string) {
  const child: ChildProcess = fork(join(here, 'bullmq-worker.ts'), [JSON.stringify({ url, prefix })], {
    execArgv: process.execArgv.filter((arg) => !arg.startsWith('--cpu-prof')),
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const next = <T extends WorkerMessage['type']>(type: T, ask?: string) =>
    new Promise<Extract<WorkerMessage, { type: T }>>((resolve, reject) => {
      const onExit = () => reject(new Error('bench: the worker process exited'));
      const onMessage = (message: WorkerMessage) => {
        if (message.type !== type) return;
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(message as Extract<WorkerMessage, { type: T }>);
      };
      child.on('message', onMessage);
      child.once('exit', onExit);
      if (ask) child.send({ type: ask });
    });
  return {
    ready: next('ready'),
    cpuMicros: async () => (await next('cpu', 'cpu')).cpuMicros,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      await next('stopped', 'stop').catch(() => {});
      await exited;
    },
  };
}

/**
 * The BullMQ rows' setup, as one app would run it: the Redis dedupe store, the BullMQ queue as dispatcher and
 * dead-letter sink (the 200 waits for the job in Redis), and a worker, in the same process or in one of its own.
 * Every key lives under the row's own prefix, deleted by the caller when the row ends.
 */
export async function openBullmq(url: string, prefix: string, place: WorkerPlace = 'in-process') {
  const store = redisStore({ url, keyPrefix: `${prefix}dedupe:` });
  await store.claim('bench-warm-up', 1); // connected before the load starts
  const queue = bullmqQueue({ connection: url, queueName: 'bench', prefix: `${prefix}bull` });
  await queue.ready();
  let worker: { close(): Promise<void> } | undefined;
  let separate: ReturnType<typeof workerProcess> | undefined;
  return {
    options: { store, dispatcher: queue, deadLetters: queue } satisfies {
      store: DedupeStore;
      dispatcher: Dispatcher;
      deadLetters: DeadLetterSink;
    },
    /** Jobs waiting, delayed or running. */
    pending: () => queue.pending(),
    async startWorker(receiver: Receiver<any, any, any>) {
      if (place === 'in-process') {
        worker = await startWorker(receiver, url, prefix, WORKER_CONCURRENCY);
        return;
      }
      separate = workerProcess(url, prefix);
      await separate.ready;
    },
    /** CPU time of the worker process so far, in microseconds; undefined when the worker runs in this process. */
    workerCpuMicros: async () => separate?.cpuMicros(),
    async close() {
      await worker?.close();
      await separate?.stop();
      await queue.close();
      await store.close();
    },
  };
}
