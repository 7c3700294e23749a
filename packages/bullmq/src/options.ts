import type { Logger } from '@hookinbox/core';
import type { KeepJobs } from 'bullmq';
import type { Redis } from 'ioredis';

/** Where the queue lives: an ioredis client (yours: never closed by this package), or a `redis://` URL. */
export type Connection = Redis | string;

/** Options shared by {@link bullmqQueue} and {@link createWorker}: both must name the same queue. */
export interface QueueLocation {
  /**
   * An ioredis client, or a `redis://` / `rediss://` URL (a client is then created, and closed by `close()`). A client
   * given to a worker needs `maxRetriesPerRequest: null`, as BullMQ requires of blocking connections.
   */
  connection: Connection;
  /** The BullMQ queue's name (default `hookinbox`). One per app sharing a Redis. */
  queueName?: string;
  /** BullMQ's key prefix (default BullMQ's own, `bull`): a dashboard must use the same. */
  prefix?: string;
  /** Start-up warnings (AOF off, CONFIG refused). Default: the console. */
  logger?: Logger;
}

export interface BullmqQueueOptions extends QueueLocation {
  /**
   * Longest wait for the job to be written, in milliseconds (default 2,000). Past it the receiver answers 503
   * `queue_unavailable` with Retry-After and the platform resends; a write that lands late is harmless, as the resend
   * maps to the same job id.
   */
  enqueueTimeoutMs?: number;
  /**
   * How long a completed job is kept (BullMQ's `removeOnComplete`; default `{ age: 86_400 }`, one day). While it is
   * kept, its id turns away a copy of the delivery that slipped past the dedupe store.
   */
  removeOnComplete?: KeepJobs;
}

export interface WorkerOptions extends QueueLocation {
  /** Jobs run at once by this worker (default 10). */
  concurrency?: number;
  /**
   * How long a job's lock lasts without renewal, in milliseconds (default 30,000, BullMQ's). A worker that dies holding
   * a job loses it after this; the stalled check then hands the job to another worker.
   */
  lockDuration?: number;
  /** How often this worker looks for stalled jobs, in milliseconds (default 30,000, BullMQ's). */
  stalledInterval?: number;
  /**
   * How many times a job may be recovered from a dead worker before it fails (default 2): a handler that crashes its
   * process every time ends in the failed set instead of looping.
   */
  maxStalledCount?: number;
  /** A completed job's retention, as {@link BullmqQueueOptions.removeOnComplete} (default `{ age: 86_400 }`). */
  removeOnComplete?: BullmqQueueOptions['removeOnComplete'];
}

const URL_SCHEME = /^rediss?:\/\//;
// BullMQ builds keys as prefix:queue:id and refuses `:` in a queue name.
const NAME = /^[A-Za-z0-9_.{}-]+$/;

/** Checks common to both factories; throws a TypeError listing every problem. */
export function checkLocation(pkg: string, options: QueueLocation, extra: string[] = []): void {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`${pkg}: invalid options: expected an object such as { connection }`);
  }
  const problems = [...extra];
  const { connection, queueName, prefix } = options;
  if (typeof connection === 'string') {
    if (!URL_SCHEME.test(connection)) problems.push('connection: a URL must start with redis:// or rediss://');
  } else if (typeof connection !== 'object' || connection === null || typeof connection.duplicate !== 'function') {
    problems.push('connection: expected an ioredis client or a redis:// URL (is REDIS_URL set?)');
  }
  if (queueName !== undefined && !(typeof queueName === 'string' && NAME.test(queueName))) {
    problems.push('queueName: letters, digits, and _ . - { } only (no colon)');
  }
  if (prefix !== undefined && !(typeof prefix === 'string' && prefix.length > 0)) {
    problems.push('prefix: expected a non-empty string');
  }
  if (problems.length > 0) throw new TypeError(`${pkg}: invalid options: ${problems.join('; ')}`);
}

export function positiveInt(name: string, value: unknown): string[] {
  return value === undefined || (Number.isInteger(value) && (value as number) > 0)
    ? []
    : [`${name}: expected a positive integer`];
}

export const DEFAULT_QUEUE_NAME = 'hookinbox';
export const DEFAULT_RETENTION: KeepJobs = { age: 86_400 };

/** A console logger with the shape of core's {@link Logger}. */
export const consoleLogger: Logger = {
  debug: () => {},
  info: (obj, msg) => console.info(msg ?? '', obj),
  warn: (obj, msg) => console.warn(msg ?? '', obj),
  error: (obj, msg) => console.error(msg ?? '', obj),
};
