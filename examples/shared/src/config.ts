import { z } from 'zod';
import type { LogLevel } from './logger.js';

/** Where acknowledged events wait for their handlers: `none` runs them in process. */
export type QueueKind = 'none' | 'bullmq' | 'pg-boss';

/** Everything the example reads from the environment, validated once at start-up. */
export interface ExampleConfig {
  /** `gdpr-express` or `gdpr-fastify`: names the default database folder and prefixes log lines. */
  example: string;
  /** `PORT` (default 3000; 0 picks a free port). */
  port: number;
  /** `HOST` (default: every interface). */
  host: string | undefined;
  /** `GENSTORE_CLIENT_SECRET`: the app's client secret, which signs every Genstore delivery. Required. */
  genstoreSecret: string;
  /** `GEINS_WEBHOOK_SECRET`: the secret put in the Geins webhook's `Authorization: Bearer …` header. */
  geinsSecret: string | undefined;
  /** `GEINS_BODY_TEMPLATE`: the Body configured on the Geins webhooks (default: the example's, see geins-handlers.ts). */
  geinsBodyTemplate: string | undefined;
  /** `ADMIN_TOKEN`: mounts the dead-letter admin routes, which take `Authorization: Bearer <token>`; off when unset. */
  adminToken: string | undefined;
  /** `DATABASE_PATH`: the PGlite data folder, or `memory://` (default `./.data/<example>`). */
  databasePath: string;
  /**
   * `DATABASE_URL`: a PostgreSQL server (`postgres://…`) that keeps the data, the dedupe store (unless `REDIS_URL`) and,
   * with `QUEUE=pg-boss`, the queue; `DATABASE_PATH` is then unused.
   */
  databaseUrl: string | undefined;
  /** `EXPORTS_DIR`: where data-request exports are written (default `./exports`). */
  exportsDir: string;
  /** `REDIS_URL`: share the dedupe store between instances; memory otherwise. */
  redisUrl: string | undefined;
  /** `REDIS_KEY_PREFIX` (default `hookinbox:<example>:`). */
  redisKeyPrefix: string;
  /** `QUEUE`: `bullmq` acknowledges once the event is a job in Redis (needs `REDIS_URL`); unset: in process. */
  queue: QueueKind;
  /**
   * `WORKER` (with a queue): `on` (default) runs the handlers in this process too, `off` only receives, `only` runs the
   * handlers without serving HTTP (a worker process).
   */
  worker: 'on' | 'off' | 'only';
  /** `SHUTDOWN_TIMEOUT_MS`: how long a shutdown waits for running handlers (default 10 s). */
  shutdownTimeoutMs: number;
  /** `LOG_LEVEL`: debug, info (default), warn, error or silent. */
  logLevel: LogLevel;
  /**
   * `DEMO_HANDLER_DELAY_MS`: every handler first waits this long. Only for tests and demos of the shutdown drain;
   * leave it unset (0) otherwise.
   */
  handlerDelayMs: number;
}

/** A problem that stops the app from starting; its message is meant for the terminal, without a stack trace. */
export class StartupError extends Error {
  override readonly name = 'StartupError';
}

const optionalText = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v));

const integer = (name: string, min: number, max: number, fallback: number) =>
  optionalText.pipe(
    z
      .string()
      .regex(/^\d+$/, `${name} must be a whole number`)
      .transform(Number)
      .pipe(z.number().min(min, `${name} must be at least ${min}`).max(max, `${name} must be at most ${max}`))
      .optional()
      .transform((v) => v ?? fallback),
  );

const envSchema = (example: string) =>
  z.object({
    PORT: integer('PORT', 0, 65_535, 3000),
    HOST: optionalText,
    GENSTORE_CLIENT_SECRET: optionalText.pipe(
      z.string({
        error:
          'GENSTORE_CLIENT_SECRET is not set. It is the Genstore app client secret, which signs every webhook ' +
          '(find it with the app in the Genstore partner dashboard); start with GENSTORE_CLIENT_SECRET=… pnpm start',
      }),
    ),
    GEINS_WEBHOOK_SECRET: optionalText,
    GEINS_BODY_TEMPLATE: optionalText,
    ADMIN_TOKEN: optionalText.pipe(
      z
        .string()
        .regex(/^\S{16,}$/, 'ADMIN_TOKEN must be at least 16 characters without spaces, e.g. from openssl rand -hex 24')
        .optional(),
    ),
    DATABASE_PATH: optionalText.transform((v) => v ?? `./.data/${example}`),
    DATABASE_URL: optionalText.pipe(
      z
        .string()
        .regex(/^postgres(ql)?:\/\//, 'DATABASE_URL must be a postgres:// or postgresql:// URL')
        .optional(),
    ),
    EXPORTS_DIR: optionalText.transform((v) => v ?? './exports'),
    REDIS_URL: optionalText.pipe(
      z
        .string()
        .regex(/^rediss?:\/\//, 'REDIS_URL must be a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379')
        .optional(),
    ),
    REDIS_KEY_PREFIX: optionalText.transform((v) => v ?? `hookinbox:${example}:`),
    QUEUE: optionalText.pipe(
      z
        .enum(['bullmq', 'pg-boss'], { error: 'QUEUE must be bullmq or pg-boss, or unset to run handlers in process' })
        .optional()
        .transform((v): QueueKind => v ?? 'none'),
    ),
    WORKER: optionalText.pipe(
      z
        .enum(['on', 'off', 'only'], { error: 'WORKER must be on, off or only' })
        .optional()
        .transform((v) => v ?? 'on'),
    ),
    SHUTDOWN_TIMEOUT_MS: integer('SHUTDOWN_TIMEOUT_MS', 1, 600_000, 10_000),
    LOG_LEVEL: optionalText.pipe(
      z
        .enum(['debug', 'info', 'warn', 'error', 'silent'], {
          error: 'LOG_LEVEL must be one of debug, info, warn, error, silent',
        })
        .optional()
        .transform((v) => v ?? 'info'),
    ),
    DEMO_HANDLER_DELAY_MS: integer('DEMO_HANDLER_DELAY_MS', 0, 600_000, 0),
  });

/**
 * Read the configuration from environment variables. Throws a {@link StartupError} naming every variable that is
 * missing or wrong, so one start tells the operator everything to fix.
 */
export function loadConfig(example: string, env: NodeJS.ProcessEnv = process.env): ExampleConfig {
  const parsed = envSchema(example).safeParse(env);
  if (!parsed.success) {
    const problems = [...new Set(parsed.error.issues.map((i) => i.message))];
    throw new StartupError(`${example}: cannot start:\n  - ${problems.join('\n  - ')}`);
  }
  const e = parsed.data;
  if (e.QUEUE === 'bullmq' && !e.REDIS_URL) {
    throw new StartupError(
      `${example}: cannot start:\n  - QUEUE=bullmq keeps the events in Redis: set REDIS_URL too, e.g. REDIS_URL=redis://127.0.0.1:6379`,
    );
  }
  if (e.QUEUE === 'pg-boss' && !e.DATABASE_URL) {
    throw new StartupError(
      `${example}: cannot start:\n  - QUEUE=pg-boss keeps the events in PostgreSQL: set DATABASE_URL too, e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres`,
    );
  }
  if (e.QUEUE === 'none' && e.WORKER !== 'on') {
    throw new StartupError(
      `${example}: cannot start:\n  - WORKER=${e.WORKER} needs a queue: set QUEUE=bullmq or QUEUE=pg-boss`,
    );
  }
  return {
    example,
    port: e.PORT,
    host: e.HOST,
    genstoreSecret: e.GENSTORE_CLIENT_SECRET,
    geinsSecret: e.GEINS_WEBHOOK_SECRET,
    geinsBodyTemplate: e.GEINS_BODY_TEMPLATE,
    adminToken: e.ADMIN_TOKEN,
    databasePath: e.DATABASE_PATH,
    databaseUrl: e.DATABASE_URL,
    exportsDir: e.EXPORTS_DIR,
    redisUrl: e.REDIS_URL,
    redisKeyPrefix: e.REDIS_KEY_PREFIX,
    queue: e.QUEUE,
    worker: e.WORKER,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    logLevel: e.LOG_LEVEL,
    handlerDelayMs: e.DEMO_HANDLER_DELAY_MS,
  };
}
