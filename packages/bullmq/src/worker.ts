import { backoffDelay, type QueueJob, QueueJobFailed, type Receiver, runQueueJob } from '@hookinbox/core';
import { type Job, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { clientFor } from './connection.js';
import { BullmqError } from './errors.js';
import {
  checkLocation,
  consoleLogger,
  DEFAULT_QUEUE_NAME,
  DEFAULT_RETENTION,
  positiveInt,
  type WorkerOptions,
} from './options.js';
import { BACKOFF_TYPE, MAX_ATTEMPTS } from './queue.js';
import { checkRedisDurability } from './redis-checks.js';

const PKG = '@hookinbox/bullmq';

/** A running worker. */
export interface HookinboxWorker {
  /** The BullMQ Worker (its events: `failed`, `completed`, `stalled`, `error`). */
  readonly worker: Worker<QueueJob>;
  /** Stop taking jobs, wait for the ones running, and close the Redis client when it was created from a URL. */
  close(): Promise<void>;
}

/**
 * The attempt a run is, for `context.attempt`: BullMQ counts failed attempts (`attemptsMade`) and starts
 * (`attemptsStarted`, which includes a run a dead worker never finished). A job recovered from a stalled worker has
 * made no failed attempt, yet its handler may have run: it is at least its start count.
 */
export function attemptOf(job: Pick<Job, 'attemptsMade' | 'attemptsStarted'>): number {
  return Math.max(job.attemptsMade + 1, job.attemptsStarted || 0);
}

/**
 * Runs the receiver's handlers for the queue's jobs. A failing handler is retried by BullMQ with the receiver's retry
 * policy (`retry.attempts` calls in all, its backoff between them); what still fails stays in the failed set, the
 * dead letters. A letter retried from there goes through `receiver.replay`, once.
 *
 * Checks the Redis settings first (see the README), so it is async.
 *
 * @example
 * const worker = await createWorker(receiver, { connection: process.env.REDIS_URL, concurrency: 10 });
 * process.on('SIGTERM', () => worker.close());
 */
export async function createWorker(
  receiver: Pick<Receiver<any, any, any>, 'process' | 'replay' | 'options'>,
  options: WorkerOptions,
): Promise<HookinboxWorker> {
  checkLocation(
    PKG,
    options,
    ['concurrency', 'lockDuration', 'stalledInterval'].flatMap((k) =>
      positiveInt(k, options?.[k as keyof WorkerOptions]),
    ),
  );
  const policy = receiver.options.retry;
  if (policy.attempts > MAX_ATTEMPTS) {
    throw new BullmqError(
      'too_many_attempts',
      `${PKG}: the receiver's retry.attempts is ${policy.attempts}; a queued job allows at most ${MAX_ATTEMPTS}`,
    );
  }
  const { client, owned } = clientFor(options.connection, 'worker');
  try {
    await checkRedisDurability(client, options.logger ?? consoleLogger);
  } catch (error) {
    if (owned) client.disconnect();
    throw error;
  }

  const processor = async (job: Job<QueueJob>) => {
    const attempt = attemptOf(job);
    try {
      await runQueueJob(receiver, job.data, { attempt });
    } catch (error) {
      // The last attempt (or a letter's one replay) goes straight to the failed set, whatever BullMQ's ceiling says.
      const last = job.data.kind === 'letter' || job.attemptsMade + 1 >= policy.attempts;
      if (error instanceof QueueJobFailed && last) throw new UnrecoverableError(error.message);
      throw error;
    }
  };

  const worker = new Worker<QueueJob>(options.queueName ?? DEFAULT_QUEUE_NAME, processor, {
    connection: client,
    ...(options.prefix === undefined ? {} : { prefix: options.prefix }),
    concurrency: options.concurrency ?? 10,
    maxStalledCount: options.maxStalledCount ?? 2,
    ...(options.lockDuration === undefined ? {} : { lockDuration: options.lockDuration }),
    ...(options.stalledInterval === undefined ? {} : { stalledInterval: options.stalledInterval }),
    removeOnComplete: options.removeOnComplete ?? DEFAULT_RETENTION,
    settings: {
      backoffStrategy: (attemptsMade: number, type?: string) =>
        // attemptsMade is the number of the call that just failed.
        type === BACKOFF_TYPE ? backoffDelay(policy, attemptsMade) : 0,
    },
  });
  worker.on('error', (error) => {
    (options.logger ?? consoleLogger).error({ err: error.message }, `${PKG}: worker error`);
  });
  await worker.waitUntilReady();
  return {
    worker,
    async close() {
      await worker.close();
      if (owned) await (client as Redis).quit().catch(() => {});
    },
  };
}
