/**
 * A dead letter as the CLI shows it: the fields of core's `DeadLetter` it prints. Declared here so that the CLI does
 * not depend on the core for a type.
 */
export interface ListedLetter {
  kind: 'parked' | 'failed';
  id: string;
  name: string;
  reason: string;
  receivedAt: string;
}

/**
 * Where a queue keeps its dead letters, as `hookinbox dead-letters` uses it. Each queue package (BullMQ, pg-boss) has
 * one, loaded only when asked for, so the CLI installs none of them.
 */
export interface DeadLetterBackend {
  /** Newest first, at most `limit`. */
  list(limit: number): Promise<ListedLetter[]>;
  /** Put the letter's job back to waiting, for the app's worker to run; false when no failed job holds it. */
  retry(letter: ListedLetter): Promise<boolean>;
  close(): Promise<void>;
}

/** What a backend is opened with: the parsed options of the command. */
export interface BackendOptions {
  /** `--redis-url` (or `REDIS_URL`). */
  redisUrl: string | undefined;
  /** `--database-url` (or `DATABASE_URL`): pg-boss's PostgreSQL. */
  databaseUrl?: string | undefined;
  /** `--schema`: pg-boss's schema (default `pgboss`). */
  schema?: string | undefined;
  /** `--queue-name`: the queue the app uses. */
  queueName: string | undefined;
  /** `--prefix`: the queue's key prefix. */
  prefix: string | undefined;
}
