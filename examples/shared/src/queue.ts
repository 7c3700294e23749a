import type { BullmqQueue } from '@hookinbox/bullmq';
import type { DeadLetterSink, DedupeStore, Dispatcher, Receiver } from '@hookinbox/core';
import type pg from 'pg';
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
  /**
   * The receiver options for the receiver named `name` (nothing for `none`); pg-boss also gives the dedupe store that
   * claims in the transaction that queues the job.
   */
  receiverOptions(name: string): {
    dispatcher?: Dispatcher<any>;
    deadLetters?: DeadLetterSink;
    store?: DedupeStore;
    dedupe?: { leaseMs: number };
  };
  /** The queue of the receiver named `name`, for its depth in `GET /metrics`; undefined without a queue. */
  depthOf(name: string): { depth(): Promise<number> } | undefined;
  /** The BullMQ queues, for the dashboard (bull-board); none for another queue. */
  dashboardQueues(): BullmqQueue['queue'][];
  /** Start the workers, unless `WORKER=off`. */
  startWorkers(receivers: QueuedReceivers): Promise<void>;
  /** Let running jobs finish (waiting ones stay in the queue), then close the connections. */
  close(): Promise<void>;
}

const inProcess: ExampleQueue = {
  kind: 'none',
  receiverOptions: () => ({}),
  depthOf: () => undefined,
  dashboardQueues: () => [],
  startWorkers: async () => {},
  close: async () => {},
};

/** The app's PostgreSQL pool and the dedupe store on it, when `DATABASE_URL` is set. */
export interface PostgresParts {
  pool: pg.Pool;
  store: DedupeStore;
}

export async function openQueue(
  config: ExampleConfig,
  logger: AppLogger,
  postgres?: PostgresParts,
): Promise<ExampleQueue> {
  if (config.queue === 'none') return inProcess;
  if (config.queue === 'pg-boss') return openPgBoss(config, logger, postgres as PostgresParts);
  return openBullmq(config, logger);
}

async function openPgBoss(config: ExampleConfig, logger: AppLogger, postgres: PostgresParts): Promise<ExampleQueue> {
  // Loaded only when asked for, so an app without this queue never loads pg-boss.
  const { claimAndEnqueue, createWorker, pgBossQueue } = await import('@hookinbox/pg-boss');
  const { default: PgBoss } = await import('pg-boss');
  const boss = new PgBoss({ connectionString: config.databaseUrl as string, max: 10, schedule: false });
  boss.on('error', (error) => logger.warn({ err: error }, 'pg-boss error'));
  try {
    await boss.start();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new StartupError(`${config.example}: cannot start: QUEUE=pg-boss: pg-boss did not start (${reason})`);
  }
  // One queue per receiver (genstore, geins), each with its dead-letter queue.
  const queues = new Map<string, Awaited<ReturnType<typeof pgBossQueue>>>();
  for (const name of ['genstore', 'geins']) queues.set(name, await pgBossQueue({ boss, queueName: name }));
  const workers: { close(): Promise<void> }[] = [];
  // With the PostgreSQL store, a delivery is claimed and queued in one transaction; with Redis, in two steps.
  const postgresStore = postgres.store as Parameters<typeof claimAndEnqueue>[0]['store'];
  const canShare = typeof (postgresStore as { cleanup?: unknown }).cleanup === 'function' && !config.redisUrl;
  logger.info({ worker: config.worker }, 'queue: pg-boss in PostgreSQL (the 200 waits for the job’s commit)');
  return {
    kind: 'pg-boss',
    depthOf(name) {
      const queue = queues.get(name);
      return queue ? { depth: () => queue.pending() } : undefined;
    },
    dashboardQueues: () => [],
    receiverOptions(name) {
      const queue = queues.get(name);
      if (!queue) throw new Error(`no pg-boss queue for ${name}`);
      if (!canShare) return { dispatcher: queue, deadLetters: queue };
      const both = claimAndEnqueue({ pool: postgres.pool, store: postgresStore, queue });
      return { store: both.store, dispatcher: both.dispatcher, deadLetters: queue };
    },
    async startWorkers(receivers) {
      if (config.worker === 'off') {
        logger.info({}, 'WORKER=off: handlers run in a worker process (WORKER=only)');
        return;
      }
      for (const [name, receiver] of Object.entries(receivers)) {
        // Eight jobs a fetch: on a busy queue a fetch costs PostgreSQL more than the jobs it returns. Two loops of
        // eight run at most 16 jobs at once, each holding a connection of the pool the acknowledgements need too.
        if (receiver)
          workers.push(await createWorker(receiver, { boss, queueName: name, concurrency: 2, batchSize: 8 }));
      }
    },
    async close() {
      await Promise.all(workers.splice(0).map((w) => w.close()));
      await boss.stop({ graceful: false, wait: true });
    },
  };
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
      // A claim spans only the enqueue (at most enqueueTimeoutMs, 2 s), not the handlers: a short lease lets the
      // platform's resend through soon when a process died holding claims, instead of 409 for the default 5 minutes.
      return { dispatcher: queue, deadLetters: queue, dedupe: { leaseMs: 15_000 } };
    },
    depthOf(name) {
      const queue = queues.get(name);
      return queue ? { depth: () => queue.pending() } : undefined;
    },
    // The queues the receivers use (genstore, and geins when mounted): each one's failed set holds its dead letters.
    dashboardQueues: () => [...queues.values()].map((q) => q.queue),
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
