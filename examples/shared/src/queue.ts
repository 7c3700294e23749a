import type { DeadLetterSink, Dispatcher, Receiver } from '@hookinbox/core';
import type { ExampleConfig } from './config.js';
import { StartupError } from './config.js';
import type { AppLogger } from './logger.js';
import { redactUrl } from './redact-url.js';

/** The receivers a queue serves, by name: each gets a queue of its own, and a worker that runs its handlers. */
export type QueuedReceivers = Record<string, Receiver<any, any, any> | undefined>;

/**
 * Where acknowledged events wait for their handlers (`QUEUE`). `none`: in the receiving process, as before. A durable
 * queue gives each receiver `dispatcher` and `deadLetters`, and runs the handlers in a worker (`WORKER`).
 */
export interface ExampleQueue {
  kind: ExampleConfig['queue'];
  /** The receiver options for the receiver named `name` (nothing for `none`). */
  receiverOptions(name: string): { dispatcher?: Dispatcher<any>; deadLetters?: DeadLetterSink };
  /** The queue of the receiver named `name`, for its depth in `GET /metrics`; undefined without a queue. */
  depthOf(name: string): { depth(): Promise<number> } | undefined;
  /** Start the workers, unless `WORKER=off`. */
  startWorkers(receivers: QueuedReceivers): Promise<void>;
  /** Let running jobs finish (waiting ones stay in the queue), then close the connections. */
  close(): Promise<void>;
}

const inProcess: ExampleQueue = {
  kind: 'none',
  receiverOptions: () => ({}),
  depthOf: () => undefined,
  startWorkers: async () => {},
  close: async () => {},
};

export async function openQueue(config: ExampleConfig, logger: AppLogger): Promise<ExampleQueue> {
  if (config.queue === 'none') return inProcess;
  return openBullmq(config, logger);
}

async function openBullmq(config: ExampleConfig, logger: AppLogger): Promise<ExampleQueue> {
  const url = config.redisUrl as string; // loadConfig requires it with QUEUE=bullmq
  // Loaded only when asked for, so an app without a queue never loads BullMQ.
  const { bullmqQueue, createWorker } = await import('@hookinbox/bullmq');
  // Under the app's key prefix, so apps (and test runs) sharing a Redis keep their queues apart:
  // hookinbox:gdpr-express:queue:genstore:… by default.
  const prefix = `${config.redisKeyPrefix}queue`;
  const queueName = (receiver: string) => receiver;
  const queues = new Map<string, ReturnType<typeof bullmqQueue>>();
  const workers: { close(): Promise<void> }[] = [];
  const queueFor = (name: string) => {
    let queue = queues.get(name);
    if (!queue) {
      queue = bullmqQueue({ connection: url, queueName: queueName(name), prefix, logger });
      queues.set(name, queue);
    }
    return queue;
  };
  const close = async () => {
    await Promise.all(workers.splice(0).map((w) => w.close()));
    await Promise.all([...queues.values()].map((q) => q.close()));
  };
  try {
    // Fails start-up on a Redis that may evict jobs, and warns when AOF is off.
    await queueFor('genstore').ready();
  } catch (error) {
    await close();
    const reason = error instanceof Error ? error.message : String(error);
    throw new StartupError(`${config.example}: cannot start: QUEUE=bullmq at ${redactUrl(url)}: ${reason}`);
  }
  logger.info({ worker: config.worker }, `queue: BullMQ at ${redactUrl(url)} (the 200 waits for the job in Redis)`);
  return {
    kind: 'bullmq',
    receiverOptions(name) {
      const queue = queueFor(name);
      return { dispatcher: queue, deadLetters: queue };
    },
    depthOf(name) {
      const queue = queues.get(name);
      return queue ? { depth: () => queue.pending() } : undefined;
    },
    async startWorkers(receivers) {
      if (config.worker === 'off') {
        logger.info({}, 'WORKER=off: handlers run in a worker process (WORKER=only)');
        return;
      }
      for (const [name, receiver] of Object.entries(receivers)) {
        if (!receiver) continue;
        workers.push(await createWorker(receiver, { connection: url, queueName: queueName(name), prefix, logger }));
      }
    },
    close,
  };
}
