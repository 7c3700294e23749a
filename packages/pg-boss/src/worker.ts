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
  /** Jobs run at once by this worker (default 1): pg-boss 10 runs one job per `work()` loop, so one loop each. */
  concurrency?: number;
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
 * const worker = await createWorker(receiver, { boss, queueName: 'webhooks', concurrency: 4 });
 * process.once('SIGTERM', () => worker.close().then(() => boss.stop()));
 */
export async function createWorker(
  receiver: Receiver<any, any, any>,
  options: PgBossWorkerOptions,
): Promise<PgBossWorker> {
  const parsed = parse(workerOptionsSchema, options, 'worker options');
  const { concurrency, pollingIntervalSeconds, queueName: name, schema } = parsed;
  const boss = options.boss;
  const where = { boss, name, schema };
  const policy = retryPolicy(receiver.options.retry);
  // Jobs sent from now on take the receiver's policy from the queue; jobs sent earlier get it at their first failure.
  await boss.updateQueue(name, { name, ...policy });
  const running = new Set<Promise<unknown>>();

  const run = async (job: PgBoss.JobWithMetadata<QueueJob>) => {
    try {
      await runQueueJob(receiver, job.data, { attempt: job.retryCount + 1 });
    } catch (error) {
      if (!(error instanceof QueueJobFailed)) throw error;
      if (job.data.kind === 'event') await applyPolicy(where, job, policy);
      throw new JobFailed(error.message, storeFailures(error.failures));
    }
  };
  const handler = (jobs: PgBoss.JobWithMetadata<QueueJob>[]) => {
    const task = Promise.all(jobs.map(run));
    running.add(task);
    return task.finally(() => running.delete(task));
  };
  const ids: string[] = [];
  for (let i = 0; i < concurrency; i++) {
    ids.push(await boss.work<QueueJob>(name, { batchSize: 1, includeMetadata: true, pollingIntervalSeconds }, handler));
  }
  return {
    async close() {
      await Promise.all(ids.map((id) => boss.offWork({ id })));
      await Promise.allSettled([...running]);
    },
  };
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
