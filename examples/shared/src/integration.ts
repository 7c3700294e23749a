import { mkdir } from 'node:fs/promises';
import { createMemoryStore, createReceiver, type DedupeStore, type ReceiverOptions } from '@hookinbox/core';
import { geins } from '@hookinbox/geins';
import { genstore } from '@hookinbox/genstore';
import { postgresStore } from '@hookinbox/postgres';
import { redisStore } from '@hookinbox/redis';
import { Redis } from 'ioredis';
import type pg from 'pg';
import { type AdminRoute, adminRoutes } from './admin-routes.js';
import { type ExampleConfig, StartupError } from './config.js';
import { createDashboard, DASHBOARD_PATH, type Dashboard } from './dashboard.js';
import { createDatabase, type Database, type SqlClient } from './database.js';
import { createDeadLetterTable, type DeadLetterTable } from './dead-letters.js';
import { GEINS_BODY_TEMPLATE, registerGeinsHandlers } from './geins-handlers.js';
import { type HandlerDeps, registerGenstoreHandlers } from './genstore-handlers.js';
import { type AppLogger, createLogger } from './logger.js';
import { exampleMetrics } from './metrics.js';
import { openPostgres } from './postgres.js';
import { openQueue } from './queue.js';
import { redactUrl } from './redact-url.js';

/** What each example's `createApp()` takes besides the configuration. */
export interface CreateAppOptions {
  /** Default: a logger named after the example, at `LOG_LEVEL`. */
  logger?: AppLogger;
  /** An open database to use instead of opening `config.databasePath` (tests share one); `close()` leaves it open. */
  database?: SqlClient;
}

export interface IntegrationOptions extends CreateAppOptions {
  /** Opens PGlite at a data folder or `memory://`; each example passes `(dir) => PGlite.create(dir)`. */
  openDatabase: (dataDir: string) => Promise<SqlClient>;
}

/** What `close()` reports: whether every running delivery finished, and which did not. */
export interface CloseReport {
  drained: boolean;
  pending: { receiver: string; name: string; id: string }[];
}

/** How long start-up waits for Redis before giving up with a clear message. */
const REDIS_CONNECT_TIMEOUT_MS = 3_000;

export { redactUrl };

async function openStore(config: ExampleConfig, logger: AppLogger, postgres: pg.Pool | undefined) {
  if (!config.redisUrl && postgres) {
    const store = postgresStore({ pool: postgres, createTable: true });
    logger.info({}, 'dedupe store: PostgreSQL at DATABASE_URL (table hookinbox_dedupe)');
    return { kind: 'postgres' as const, store: store as DedupeStore, close: () => store.close() };
  }
  if (!config.redisUrl) {
    logger.info({}, 'dedupe store: memory (one instance only; set REDIS_URL to share it between instances)');
    return { kind: 'memory' as const, store: createMemoryStore() as DedupeStore, close: async () => {} };
  }
  const where = redactUrl(config.redisUrl);
  const client = new Redis(config.redisUrl, {
    lazyConnect: true,
    connectTimeout: REDIS_CONNECT_TIMEOUT_MS,
    maxRetriesPerRequest: 1,
  });
  // ioredis reports every reconnect attempt as an 'error' event; without a listener Node prints each as unhandled.
  let lastError: Error | undefined;
  client.on('error', (error: Error) => {
    lastError = error;
    logger.debug({ err: error }, 'redis connection error');
  });
  try {
    await client.connect();
  } catch (error) {
    client.disconnect();
    // connect() rejects with "Connection is closed"; the error event said why (ECONNREFUSED, ENOTFOUND, …).
    const reason = (lastError ?? error) instanceof Error ? (lastError ?? (error as Error)).message : String(error);
    throw new StartupError(
      `${config.example}: cannot start: REDIS_URL is set, but Redis at ${where} did not answer (${reason})`,
    );
  }
  logger.info({ prefix: config.redisKeyPrefix }, `dedupe store: Redis at ${where}`);
  return {
    kind: 'redis' as const,
    store: redisStore({ client, keyPrefix: config.redisKeyPrefix }) as DedupeStore,
    close: async () => {
      await client.quit().catch(() => client.disconnect());
    },
  };
}

async function openDatabase(
  config: ExampleConfig,
  options: IntegrationOptions,
): Promise<{ sql: SqlClient; postgres?: pg.Pool }> {
  if (options.database) return { sql: options.database };
  if (config.databaseUrl) {
    const { pool, sql } = openPostgres(config.databaseUrl);
    try {
      await pool.query('SELECT 1');
    } catch (error) {
      await pool.end().catch(() => {});
      const reason = error instanceof Error ? error.message : String(error);
      throw new StartupError(`${config.example}: cannot start: PostgreSQL at DATABASE_URL did not answer (${reason})`);
    }
    return { sql, postgres: pool };
  }
  const path = config.databasePath;
  try {
    if (!path.includes('://')) await mkdir(path, { recursive: true });
    return { sql: await options.openDatabase(path) };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new StartupError(
      `${config.example}: cannot start: the database at DATABASE_PATH=${path} cannot be opened (${reason})`,
    );
  }
}

/**
 * Everything both examples share: the database, the dedupe store, the Genstore receiver (and the Geins one when
 * `GEINS_WEBHOOK_SECRET` is set) with their handlers. Each example only mounts the receivers on its framework.
 */
// Wires the pieces in the order they depend on each other and closes them in reverse: one place that shows an app's
// whole setup, longer than a usual function for that reason.
export async function createIntegration(config: ExampleConfig, options: IntegrationOptions) {
  const logger = options.logger ?? createLogger({ name: config.example, level: config.logLevel });
  // Providers first: they only check options, and a bad secret should stop the start before anything is opened.
  const genstoreProvider = genstore({ secret: config.genstoreSecret, requireComplianceHandlers: true });
  let geinsProvider: ReturnType<typeof geins> | undefined;
  try {
    geinsProvider = config.geinsSecret
      ? geins({ secret: config.geinsSecret, bodyTemplate: config.geinsBodyTemplate ?? GEINS_BODY_TEMPLATE, logger })
      : undefined;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const what = config.geinsBodyTemplate ? 'GEINS_WEBHOOK_SECRET or GEINS_BODY_TEMPLATE' : 'GEINS_WEBHOOK_SECRET';
    throw new StartupError(`${config.example}: cannot start: ${what} cannot be used (${reason})`);
  }

  const { sql, postgres } = await openDatabase(config, options);
  let db: Database;
  let deadLetters: DeadLetterTable;
  try {
    db = await createDatabase(sql);
    deadLetters = await createDeadLetterTable(sql);
  } catch (error) {
    if (!options.database) await sql.close().catch(() => {});
    throw error;
  }
  let store: Awaited<ReturnType<typeof openStore>>;
  try {
    store = await openStore(config, logger, postgres);
  } catch (error) {
    if (!options.database) await sql.close().catch(() => {});
    throw error;
  }

  let queue: Awaited<ReturnType<typeof openQueue>>;
  try {
    queue = await openQueue(config, logger, postgres ? { pool: postgres, store: store.store } : undefined);
  } catch (error) {
    await store.close();
    if (!options.database) await sql.close().catch(() => {});
    throw error;
  }

  // Answer once the handlers have run: a 200 then means the database holds the change, and a failure answers 500 so
  // the platform redelivers (Genstore retries 8 times over hours). Every handler here takes milliseconds.
  const common = {
    store: store.store,
    logger,
    // Parked deliveries (authentic, but unreadable) wait in the database for a fix and a replay: see admin-routes.ts.
    deadLetters,
    ack: { mode: 'after-handlers', timeoutMs: 4_000 },
  } satisfies Omit<ReceiverOptions, 'provider'>;
  const deps: HandlerDeps = { db, exportsDir: config.exportsDir, delayMs: config.handlerDelayMs };

  // With a queue (QUEUE=bullmq) the 200 waits for the job in Redis instead, and a worker runs the handlers.
  const genstoreReceiver = createReceiver({
    ...common,
    ...queue.receiverOptions('genstore'),
    provider: genstoreProvider,
  });
  registerGenstoreHandlers(genstoreReceiver, deps);
  // Refuse to start, rather than at the first delivery, if a compliance topic had no handler.
  genstoreReceiver.ready();

  const geinsReceiver = geinsProvider
    ? createReceiver({ ...common, ...queue.receiverOptions('geins'), provider: geinsProvider })
    : undefined;
  if (geinsReceiver) {
    registerGeinsHandlers(geinsReceiver, deps);
    geinsReceiver.ready();
  } else {
    logger.info({}, 'Geins: off (set GEINS_WEBHOOK_SECRET to mount POST /webhooks/geins)');
  }

  const receivers = { genstore: genstoreReceiver, geins: geinsReceiver };
  const metrics = exampleMetrics(receivers, (name) => queue.depthOf(name));
  // With a queue, its failed set holds the dead letters (the CLI replays them), and the table stays empty.
  const admin: AdminRoute[] =
    config.adminToken && queue.kind === 'none'
      ? adminRoutes({ token: config.adminToken, table: deadLetters, receivers, logger })
      : [];
  // With BullMQ, the same token opens bull-board over the queues, where a failed job (a dead letter) is retried.
  const dashboard =
    config.adminToken && queue.kind === 'bullmq' && config.worker !== 'only'
      ? createDashboard(config.adminToken, queue.dashboardQueues())
      : undefined;
  logger.info({}, deadLettersLine(config, queue.kind, admin, dashboard));
  await queue.startWorkers(receivers);

  return {
    config,
    logger,
    db,
    store: store.kind,
    queue: queue.kind,
    receivers,
    deadLetters,
    /** The dead-letter admin routes to mount; none without `ADMIN_TOKEN`. */
    admin,
    /** bull-board to mount at `/admin/queues`: with `QUEUE=bullmq` and `ADMIN_TOKEN` only. */
    dashboard,
    /** The receivers' Prometheus metrics, served at `GET /metrics`. */
    metrics,
    /**
     * Stop taking deliveries (503 `closing`) and wait up to `SHUTDOWN_TIMEOUT_MS` for running handlers; the core
     * logs each delivery still running by name. Keep the HTTP server open meanwhile, so new deliveries get the 503.
     */
    async drain(): Promise<CloseReport> {
      const entries = Object.entries(receivers).filter(
        (e): e is [string, NonNullable<(typeof e)[1]>] => e[1] !== undefined,
      );
      const results = await Promise.all(
        entries.map(async ([name, r]) => ({ name, result: await r.close({ timeoutMs: config.shutdownTimeoutMs }) })),
      );
      // The workers let their running jobs finish; jobs not started wait in the queue for the next start.
      await queue.close();
      const pending = results.flatMap(({ name, result }) => result.pending.map((p) => ({ receiver: name, ...p })));
      if (pending.length === 0) logger.info({}, 'shutdown: every running delivery finished');
      return { drained: pending.length === 0, pending };
    },
    /** Close the dedupe store's Redis connection and the database (unless it was passed in). */
    async dispose(): Promise<void> {
      await store.close();
      if (!options.database) await sql.close();
    },
  };
}

export type Integration = Awaited<ReturnType<typeof createIntegration>>;

/** The start-up line saying where dead letters are kept and how an operator reaches them. */
function deadLettersLine(
  config: ExampleConfig,
  queue: ExampleConfig['queue'],
  admin: AdminRoute[],
  dashboard: Dashboard | undefined,
): string {
  if (queue === 'none') {
    return admin.length > 0
      ? `dead letters: in the database; admin routes ${admin.map((r) => `${r.method} ${r.path}`).join(', ')}`
      : 'dead letters: in the database; admin routes off (set ADMIN_TOKEN to list and replay them over HTTP)';
  }
  const line = `dead letters: in the ${queue} queue's failed set (hookinbox dead-letters list|replay)`;
  if (queue !== 'bullmq' || config.worker === 'only') return line;
  return dashboard
    ? `${line}; dashboard at ${dashboard.path}`
    : `${line}; dashboard off (set ADMIN_TOKEN to mount bull-board at ${DASHBOARD_PATH})`;
}
