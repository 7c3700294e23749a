import {
  type DeadLetter,
  type DeadLetterSink,
  type Dispatcher,
  eventJob,
  letterJob,
  type WebhookEvent,
} from '@hookinbox/core';
import type PgBoss from 'pg-boss';
import { jobUuid } from './job-id.js';
import { type DeadLetterRow, deadLetterRows, toDeadLetter } from './letters.js';
import { type ParsedQueueOptions, parse, queueOptionsSchema } from './options.js';

/** Options shared by {@link pgBossQueue} and `createWorker`: both must name the same queue. */
export interface QueueLocation {
  /** A started `PgBoss` (10.x). Yours: never stopped by this package. Listen to its `error` events. */
  boss: PgBoss;
  /** The pg-boss queue's name (default `hookinbox`). Created when missing. */
  queueName?: string;
  /** The schema pg-boss was started with (default `pgboss`, pg-boss's own default): the letters are read there. */
  schema?: string;
}

/** Options of {@link pgBossQueue}. */
export interface PgBossQueueOptions extends QueueLocation {
  /** The queue failed jobs and parked deliveries go to (default `<queueName>-dead-letters`). Created when missing. */
  deadLetterName?: string;
  /**
   * How long a job may run before pg-boss fails it and a worker takes it again (default 15 minutes, pg-boss's
   * default). Also how long after a worker dies its job waits: set it above your slowest handler.
   */
  expireInSeconds?: number;
  /** How long a job may wait in either queue before pg-boss drops it (default 14 days; letters get twice this). */
  retentionDays?: number;
}

/** A connection to run a send on, e.g. the client of a transaction (pg-boss's `db` option). */
export type JobDb = PgBoss.Db;

/** A pg-boss queue as the receiver sees it: where events go before the 200, and where dead letters are kept. */
export interface PgBossQueue extends Dispatcher, DeadLetterSink {
  readonly boss: PgBoss;
  readonly queueName: string;
  readonly deadLetterName: string;
  readonly options: Readonly<ParsedQueueOptions>;
  /** Queue the event (one job per dedupe key); resolves once the job is committed, or on `db` once it is inserted. */
  dispatch(event: WebhookEvent<string, unknown, unknown>, options?: { db?: JobDb }): Promise<void>;
  /** Keep a letter in the dead-letter queue (a second one with the same kind and id is not added). */
  put(letter: DeadLetter): Promise<void>;
  /** Remove a letter from the dead-letter queue (after a replay processed it). */
  delete(kind: DeadLetter['kind'], id: string): Promise<number>;
  /** The letters waiting in the dead-letter queue, oldest first (at most `limit`, default 1,000). */
  deadLetters(options?: { limit?: number }): Promise<DeadLetter[]>;
  /**
   * Move letters from the dead-letter queue back to the queue, where a worker runs them: an event runs its handlers
   * again (only those that failed), a parked or failed delivery goes through `receiver.replay`. Without `letter`,
   * every waiting letter. Resolves to the number moved.
   */
  redrive(letter?: Pick<DeadLetter, 'kind' | 'id'>): Promise<number>;
  /** Redrive one letter; false when the dead-letter queue does not hold it. */
  retry(letter: Pick<DeadLetter, 'kind' | 'id'>): Promise<boolean>;
  /** Jobs waiting, retrying or running in the queue. */
  pending(): Promise<number>;
}

/**
 * A hookinbox queue on pg-boss: pass it as the receiver's `dispatcher` and `deadLetters`, and run
 * {@link createWorker} wherever the handlers should run. Creates both queues when missing.
 *
 * @example
 * const boss = new PgBoss(process.env.DATABASE_URL!);
 * boss.on('error', (error) => console.error(error));
 * await boss.start();
 * const queue = await pgBossQueue({ boss, queueName: 'webhooks' });
 * const receiver = createReceiver({ provider, store, dispatcher: queue, deadLetters: queue });
 */
export async function pgBossQueue(options: PgBossQueueOptions): Promise<PgBossQueue> {
  const parsed = parse(queueOptionsSchema, options, 'queue options');
  const boss = options.boss;
  const { queueName: name, schema, expireInSeconds, retentionDays } = parsed;
  const deadLetterName = parsed.deadLetterName ?? `${name}-dead-letters`;
  const retentionMinutes = retentionDays * 24 * 60;
  // The dead-letter queue first: the queue's jobs name it, and pg-boss checks that name against its queue table.
  await boss.createQueue(deadLetterName, { name: deadLetterName, retentionMinutes });
  await boss.createQueue(name, { name, expireInSeconds, retentionMinutes });

  const sendLetter = async (letter: DeadLetter) => {
    // No retries: nothing runs the dead-letter queue; its jobs wait there for a redrive.
    await boss.send(deadLetterName, letterJob(letter), { id: jobUuid(letter.id, letter.kind), retryLimit: 0 });
  };

  const queue: PgBossQueue = {
    boss,
    queueName: name,
    deadLetterName,
    options: parsed,
    async dispatch(event, sendOptions) {
      const id = jobUuid(event.id);
      // Only event jobs name the dead-letter queue: a redriven letter that fails again is kept by the receiver's
      // replay (a new letter), and must not be copied there a second time by pg-boss.
      await boss.send(name, eventJob(event), {
        id,
        singletonKey: event.id,
        deadLetter: deadLetterName,
        ...(sendOptions?.db ? { db: sendOptions.db } : {}),
      });
    },
    put: sendLetter,
    async delete(kind, id) {
      const rows = await selectLetters({ kind, id }, 1_000);
      if (rows.length > 0) {
        await boss.deleteJob(
          deadLetterName,
          rows.map((r) => r.id),
        );
      }
      return rows.length;
    },
    async deadLetters(listOptions) {
      return (await selectLetters(undefined, listOptions?.limit ?? 1_000)).map(toDeadLetter);
    },
    async redrive(letter) {
      const rows = await selectLetters(letter, 1_000);
      for (const row of rows) {
        // The dead-letter job's id becomes the job's: redriving twice (two operators, a retry after a crash between
        // the two steps) makes one job, and the letter is removed only once its job is in the queue.
        const job = row.data;
        await boss.send(
          name,
          job,
          job.kind === 'event' ? { id: row.id, deadLetter: deadLetterName } : { id: row.id, retryLimit: 0 },
        );
        await boss.deleteJob(deadLetterName, row.id);
      }
      return rows.length;
    },
    retry: async (letter) => (await queue.redrive(letter)) > 0,
    pending: () => boss.getQueueSize(name, { before: 'completed' }),
  };

  async function selectLetters(
    filter: Pick<DeadLetter, 'kind' | 'id'> | undefined,
    limit: number,
  ): Promise<DeadLetterRow[]> {
    const values = [deadLetterName, filter?.id ?? null, filter?.kind ?? null, limit];
    const result = await boss.getDb().executeSql(deadLetterRows(schema), values);
    if (!result) throw new Error('@hookinbox/pg-boss: pg-boss is not started');
    return result.rows as DeadLetterRow[];
  }

  return queue;
}
