import { z } from 'zod';
import type { DedupeStore } from './store.js';
import type { Logger, Provider } from './types.js';

const fn = <T>() => z.custom<T>((value) => typeof value === 'function', { message: 'must be a function' });

const ms = z.number().int().positive();

/** Parsed once when the receiver is built; per-request code never validates options again. */
export const receiverOptionsSchema = z.object({
  provider: z.custom<Provider<any, any>>(
    (value) => typeof value === 'object' && value !== null && typeof (value as Provider).verify === 'function',
    { message: 'must be a provider (an object with a verify() method), e.g. genstore({ secret })' },
  ),
  store: z
    .custom<DedupeStore>(
      (value) =>
        typeof value === 'object' &&
        value !== null &&
        ['claim', 'commit', 'release'].every((m) => typeof (value as Record<string, unknown>)[m] === 'function'),
      { message: 'must be a dedupe store with claim(), commit() and release()' },
    )
    .optional(),
  ack: z
    .discriminatedUnion('mode', [
      z.object({ mode: z.literal('immediate') }),
      z.object({
        mode: z.literal('after-handlers'),
        /** Longest wait for the handlers before answering anyway. Keep it under the provider's timeout (5 s). */
        timeoutMs: ms.default(4_000),
        /** Status sent when the deadline passes while handlers still run. */
        timeoutStatus: z.union([z.literal(200), z.literal(202)]).default(200),
      }),
    ])
    .default({ mode: 'immediate' }),
  limits: z
    .object({
      /** Largest body accepted, in bytes (default 1 MiB). */
      bodyBytes: z
        .number()
        .int()
        .positive()
        .default(1024 * 1024),
      /** Longest wait for the whole body (default 10 s). */
      bodyTimeoutMs: ms.default(10_000),
    })
    .prefault({}),
  dedupe: z
    .object({
      /** How long a claim lasts before a crashed claimant's delivery may be processed again (default 5 min). */
      leaseMs: ms.default(5 * 60_000),
      /**
       * How long a processed delivery is remembered (default 7 days: longer than Genstore's 8 tries over about
       * 4 hours and Geins' 3 retries 10 minutes apart).
       */
      ttlMs: ms.default(7 * 24 * 3_600_000),
      /** What to do when the store fails: refuse with 503 (default) or process without dedupe. */
      onStoreError: z.enum(['fail-closed', 'fail-open']).default('fail-closed'),
      /** Seconds in the Retry-After header of a 503. */
      retryAfterSeconds: z.number().int().nonnegative().default(5),
    })
    .prefault({}),
  retry: z
    .object({
      /** Calls of a failing handler in all, the first included (default 3). */
      attempts: z.number().int().min(1).default(3),
      /** Delay before the first retry (default 200 ms); doubles each time up to `maxDelayMs`. */
      minDelayMs: z.number().int().nonnegative().default(200),
      maxDelayMs: z.number().int().nonnegative().default(10_000),
      factor: z.number().min(1).default(2),
    })
    .prefault({}),
  logger: z
    .custom<Logger>(
      (value) =>
        typeof value === 'object' &&
        value !== null &&
        ['debug', 'info', 'warn', 'error'].every((m) => typeof (value as Record<string, unknown>)[m] === 'function'),
      { message: 'must be a logger with debug, info, warn and error methods (pino, console, …)' },
    )
    .optional(),
  hooks: z
    .object({
      onReceived: fn<unknown>().optional(),
      onRejected: fn<unknown>().optional(),
      onDuplicate: fn<unknown>().optional(),
      onInvalid: fn<unknown>().optional(),
      onAcknowledged: fn<unknown>().optional(),
      onHandled: fn<unknown>().optional(),
      onFailed: fn<unknown>().optional(),
      onDeadLetter: fn<unknown>().optional(),
      onStoreError: fn<unknown>().optional(),
    })
    .prefault({}),
  deadLetters: z
    .custom<unknown>(
      (value) => typeof value === 'object' && value !== null && typeof (value as { put?: unknown }).put === 'function',
      { message: 'must be a dead-letter sink with a put(letter) method' },
    )
    .optional(),
  dispatcher: z
    .custom<unknown>(
      (value) =>
        typeof value === 'object' && value !== null && typeof (value as { dispatch?: unknown }).dispatch === 'function',
      { message: 'must be an object with a dispatch(event) method' },
    )
    .optional(),
});

export type ParsedReceiverOptions = z.output<typeof receiverOptionsSchema>;
