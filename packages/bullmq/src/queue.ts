import {
  type DeadLetter,
  type DeadLetterSink,
  type Dispatcher,
  eventJob,
  HookinboxError,
  type Logger,
  letterJob,
  type QueueJob,
  queueJobId,
  type WebhookEvent,
} from '@hookinbox/core';
import { Job, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { clientFor } from './connection.js';
import { BullmqError } from './errors.js';
import { jobIdsOf, letterOf } from './letters.js';
import {
  type BullmqQueueOptions,
  checkLocation,
  consoleLogger,
  DEFAULT_QUEUE_NAME,
  DEFAULT_RETENTION,
  positiveInt,
} from './options.js';
import { parkJob } from './park.js';
import { checkRedisDurability } from './redis-checks.js';

const PKG = '@hookinbox/bullmq';

/**
 * BullMQ's ceiling on a job's attempts. The worker's receiver decides how many are made (`retry.attempts`) and ends
 * a job early with UnrecoverableError, so the producer need not know the policy; this only has to be above it.
 */
export const MAX_ATTEMPTS = 100;
/** The name of the custom backoff strategy the worker registers: the receiver's `retry` policy. */
export const BACKOFF_TYPE = 'hookinbox';

/** The receiver's dispatcher and dead-letter sink on a BullMQ queue, plus what a CLI or dashboard needs. */
export interface BullmqQueue extends Dispatcher<WebhookEvent<string, unknown, any>>, DeadLetterSink {
  /** The BullMQ Queue (for a dashboard such as bull-board). */
  readonly queue: Queue<QueueJob, unknown, string>;
  /** Check the Redis settings durability needs (see the README); the first dispatch waits for it too. */
  ready(): Promise<void>;
  /** Jobs waiting, delayed or running. */
  pending(): Promise<number>;
  /** Failed jobs and parked deliveries, newest first, as dead letters. */
  deadLetters(options?: { limit?: number }): Promise<DeadLetter[]>;
  /**
   * Move a dead letter's job back to waiting: a worker runs it (an event's failed handlers again, a letter through
   * `receiver.replay`). Resolves false when no failed job holds the letter.
   */
  retry(letter: Pick<DeadLetter, 'kind' | 'id'>): Promise<boolean>;
  /** Close the BullMQ queue, and the Redis client when it was created from a URL. */
  close(): Promise<void>;
}

/**
 * A durable queue for the receiver: `dispatcher` (the 200 waits until the job is in Redis) and `deadLetters` (parked
 * deliveries and failed jobs live in the queue's failed set). Run the handlers with {@link createWorker}.
 *
 * @example
 * const queue = bullmqQueue({ connection: process.env.REDIS_URL });
 * const receiver = createReceiver({ provider, store, dispatcher: queue, deadLetters: queue });
 */
export function bullmqQueue(options: BullmqQueueOptions): BullmqQueue {
  checkLocation(PKG, options, positiveInt('enqueueTimeoutMs', options?.enqueueTimeoutMs));
  const logger: Logger = options.logger ?? consoleLogger;
  const timeoutMs = options.enqueueTimeoutMs ?? 2_000;
  const { client, owned } = clientFor(options.connection, 'producer');
  const queue = newQueue(options, client);
  const ready = readiness(queue, client, logger);
  const bounded = <T>(work: Promise<T>, what: string): Promise<T> => withTimeout(work, timeoutMs, what);

  const unavailable = (error: unknown) =>
    new HookinboxError('queue_unavailable', `${PKG}: the job could not be stored; retry later`, { cause: error });

  return {
    queue,
    ready,
    async dispatch(event) {
      try {
        await bounded(
          ready().then(() => queue.add(event.name, eventJob(event), { jobId: queueJobId(event.id) })),
          'adding the job',
        );
      } catch (error) {
        throw unavailable(error);
      }
    },
    async put(letter) {
      const id = queueJobId(letter.id, letter.kind);
      const keys = { job: queue.toKey(id), failed: queue.toKey('failed'), events: queue.toKey('events') };
      try {
        await bounded(
          ready().then(() =>
            parkJob(client, keys, {
              id,
              name: letter.name || letter.kind,
              data: letterJob(letter),
              reason: letter.reason,
            }),
          ),
          'keeping the dead letter',
        );
      } catch (error) {
        throw unavailable(error);
      }
    },
    async pending() {
      const counts = await queue.getJobCounts('waiting', 'delayed', 'active', 'prioritized');
      return Object.values(counts).reduce((sum, n) => sum + n, 0);
    },
    async deadLetters({ limit = 1_000 } = {}) {
      const jobs = await queue.getFailed(0, limit - 1);
      return jobs.filter((job) => job?.data).map((job) => letterOf(job as Job<QueueJob>));
    },
    async retry(letter) {
      for (const id of jobIdsOf(letter)) {
        const job = await Job.fromId<QueueJob>(queue, id);
        if (job && (await job.isFailed())) {
          await job.retry('failed');
          return true;
        }
      }
      return false;
    },
    async close() {
      await queue.close();
      if (owned) await (client as Redis).quit().catch(() => {});
    },
  };
}

/** BullMQ's queue with the receiver's job options: attempts and backoff as the worker applies the receiver's retry. */
function newQueue(options: BullmqQueueOptions, client: Redis): Queue<QueueJob, unknown, string> {
  const queue = new Queue<QueueJob, unknown, string>(options.queueName ?? DEFAULT_QUEUE_NAME, {
    connection: client,
    ...(options.prefix === undefined ? {} : { prefix: options.prefix }),
    defaultJobOptions: {
      attempts: MAX_ATTEMPTS,
      backoff: { type: BACKOFF_TYPE },
      removeOnComplete: options.removeOnComplete ?? DEFAULT_RETENTION,
      // Failed jobs are the dead letters: kept until retried or removed by hand.
      removeOnFail: false,
    },
  });
  queue.on('error', () => {}); // reported through the calls that fail
  return queue;
}

/** Resolves once BullMQ's connection is ready and Redis's durability settings were checked (once, if they pass). */
function readiness(queue: Queue<QueueJob, unknown, string>, client: Redis, logger: Logger) {
  let checked: Promise<void> | undefined;
  return (): Promise<void> => {
    checked ??= (async () => {
      // The client fails fast while disconnected: wait for BullMQ's connection to be ready first.
      await queue.waitUntilReady();
      await checkRedisDurability(client, logger);
    })().catch((error: unknown) => {
      // A Redis that is away is checked again next time; a wrong setting stays an error.
      if (!(error instanceof BullmqError)) checked = undefined;
      throw error;
    });
    return checked;
  };
}

/** `work`, or an enqueue_timeout once `timeoutMs` passed. */
function withTimeout<T>(work: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new BullmqError('enqueue_timeout', `${PKG}: ${what} took over ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
