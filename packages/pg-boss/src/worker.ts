import {
  type DeadLetter,
  type HandlerFailure,
  type QueueJob,
  QueueJobFailed,
  type Receiver,
  runQueueJob,
} from '@hookinbox/core';
import type PgBoss from 'pg-boss';
import { parse, workerOptionsSchema } from './options.js';
import type { QueueLocation } from './queue.js';

/** Options of {@link createWorker}. */
export interface PgBossWorkerOptions extends QueueLocation {
  /** Fetch loops of this worker (default 1). At most `concurrency × batchSize` jobs run at once. */
  concurrency?: number;
  /**
   * Jobs each loop fetches at once (default 1). They run together, their successes are completed in one statement, and
   * the loop fetches again when the slowest of them has ended. On a busy queue each fetch costs PostgreSQL far more than
   * the job it returns (it walks the index entries of jobs already taken): 8 cut the worker's PostgreSQL CPU a job from
   * about 3.9 to 1.0 ms in `bench/src/pg-boss-costs.ts`.
   */
  batchSize?: number;
  /** How often an idle loop asks for a job (default 2 s, at least 0.5 s: pg-boss's bounds). */
  pollingIntervalSeconds?: number;
}

export interface PgBossWorker {
  /** Stop taking jobs and wait for the ones running to finish. The queue and pg-boss stay as they are. */
  close(): Promise<void>;
}

/** What a failed job leaves in pg-boss's `output`: the reason, and each handler's failure as JSON. */
class JobFailed extends Error {
  constructor(
    message: string,
    readonly failures: NonNullable<DeadLetter['failures']>,
  ) {
    super(message);
  }
}

/**
 * Run `receiver`'s handlers for the queue's jobs. A failing job is retried by pg-boss with the receiver's
 * `retry` (`attempts - 1` retries, `minDelayMs` rounded up to whole seconds, exponential backoff when `factor > 1`),
 * and moved to the dead-letter queue once its attempts are spent; the handlers get pg-boss's attempt number in
 * `context.attempt`, and only the handlers that failed run again.
 *
 * @example
 * const worker = await createWorker(receiver, { boss, queueName: 'webhooks', batchSize: 8 });
 * process.once('SIGTERM', () => worker.close().then(() => boss.stop()));
 */
export async function createWorker(
  receiver: Receiver<any, any, any>,
  options: PgBossWorkerOptions,
): Promise<PgBossWorker> {
  const parsed = parse(workerOptionsSchema, options, 'worker options');
  const { batchSize, concurrency, pollingIntervalSeconds, queueName: name, schema } = parsed;
  const boss = options.boss;
  const where = { boss, name, schema };
  const policy = retryPolicy(receiver.options.retry);
  // Jobs sent from now on take the receiver's policy from the queue; jobs sent earlier get it at their first failure.
  await boss.updateQueue(name, { name, ...policy });

  const run = async (job: PgBoss.JobWithMetadata<QueueJob>) => {
    try {
      await runQueueJob(receiver, job.data, { attempt: job.retryCount + 1 });
    } catch (error) {
      if (!(error instanceof QueueJobFailed)) throw error;
      if (job.data.kind === 'event') await applyPolicy(where, job, policy);
      throw new JobFailed(error.message, storeFailures(error.failures));
    }
  };
  // pg-boss 10's work() does not await (or catch) the complete() and fail() of a job it ran: when PostgreSQL is down at
  // that moment, the rejection is unhandled and ends the process (the crash test that restarts PostgreSQL saw it). So
  // the loop is ours: fetch, run, then complete or fail, each awaited; a failure to record the outcome leaves the job
  // active, and pg-boss hands it out again once it expires (its handlers that succeeded are remembered, and skipped).
  const stopping = new AbortController();
  const settle = async (job: PgBoss.JobWithMetadata<QueueJob>): Promise<string | undefined> => {
    try {
      await run(job);
      return job.id;
    } catch (error) {
      await record(boss, () => boss.fail(name, job.id, error instanceof Error ? error : new Error(String(error))));
      return undefined;
    }
  };
  const loop = async () => {
    while (!stopping.signal.aborted) {
      const jobs = (await record(boss, () => boss.fetch<QueueJob>(name, { batchSize, includeMetadata: true }))) ?? [];
      if (jobs.length === 0) {
        await sleep(pollingIntervalSeconds * 1_000, stopping.signal);
        continue;
      }
      const succeeded = (await Promise.all(jobs.map(settle))).filter((id) => id !== undefined);
      if (succeeded.length > 0) await record(boss, () => boss.complete(name, succeeded));
    }
  };
  const loops = Array.from({ length: concurrency }, loop);
  return {
    async close() {
      stopping.abort();
      await Promise.all(loops);
    },
  };
}

/**
 * Run a call to pg-boss and give back its result; its error goes to the app the way pg-boss reports one (its instance's
 * 'error' event), and the result is then undefined.
 */
async function record<T>(boss: PgBoss, call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call();
  } catch (error) {
    boss.emit('error', error instanceof Error ? error : new Error(String(error)));
    return undefined;
  }
}

/** Wait `ms`, or less when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}

/** The failures as JSON, as the receiver keeps them in a dead letter: each error as its message. */
function storeFailures(failures: readonly HandlerFailure[]): NonNullable<DeadLetter['failures']> {
  return failures.map(({ handlerId, pattern, attempt, error }) => ({
    handlerId,
    pattern,
    attempt,
    error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
  }));
}

interface JobPolicy {
  retryLimit: number;
  retryDelay: number;
  retryBackoff: boolean;
}

/** The receiver's retry in pg-boss's terms (whole seconds: pg-boss schedules no finer). */
function retryPolicy(retry: Receiver['options']['retry']): JobPolicy {
  return {
    retryLimit: Math.max(0, retry.attempts - 1),
    retryDelay: Math.ceil(retry.minDelayMs / 1_000),
    retryBackoff: retry.factor > 1,
  };
}

/**
 * A job keeps the retry settings it was sent with, and pg-boss decides from them whether a failure is retried or
 * dead-lettered. One statement brings a job sent before this worker's receiver set the policy in line, and only when
 * it differs; pg-boss 10 has no call for it.
 */
async function applyPolicy(
  queue: { boss: PgBoss; name: string; schema: string },
  job: PgBoss.JobWithMetadata<QueueJob>,
  policy: JobPolicy,
) {
  if (
    job.retryLimit === policy.retryLimit &&
    job.retryDelay === policy.retryDelay &&
    job.retryBackoff === policy.retryBackoff
  ) {
    return;
  }
  await queue.boss
    .getDb()
    .executeSql(
      `UPDATE ${queue.schema}.job SET retry_limit = $3, retry_delay = $4, retry_backoff = $5 WHERE name = $1 AND id = $2`,
      [queue.name, job.id, policy.retryLimit, policy.retryDelay, policy.retryBackoff],
    );
}
