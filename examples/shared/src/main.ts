import { type ExampleConfig, loadConfig, StartupError } from './config.js';
import type { CloseReport, Integration } from './integration.js';
import { type AppLogger, createLogger } from './logger.js';

/** What `server.ts` and `demo.ts` need of an example app; both examples' `createApp()` return it. */
export interface ExampleApp {
  receivers: Integration['receivers'];
  db: Integration['db'];
  /** `memory` or `redis`: where deliveries are deduplicated. */
  store: Integration['store'];
  /** The receivers' Prometheus metrics, as `GET /metrics` serves them. */
  metrics: Integration['metrics'];
  /** Listen on `config.port` and `config.host`; resolves to the base URL. */
  listen(): Promise<string>;
  /**
   * Shut down in order: the receivers refuse new deliveries with 503 and drain running handlers, then the HTTP
   * server closes, then the dedupe store and the database.
   */
  close(): Promise<CloseReport>;
}

export type CreateApp = (config: ExampleConfig, options: { logger: AppLogger }) => Promise<ExampleApp>;

/** Print a start-up problem as one readable message and exit 1; only an unexpected error shows its stack. */
export function exitOnStartupError(error: unknown): never {
  if (error instanceof StartupError) process.stderr.write(`${error.message}\n`);
  else process.stderr.write(`unexpected error during start-up: ${error instanceof Error ? error.stack : error}\n`);
  process.exit(1);
}

/** The routes an app serves, for the start-up line. */
export function routesOf(app: ExampleApp, url: string): string {
  const routes = [`POST ${url}/webhooks/genstore`];
  if (app.receivers.geins) routes.push(`POST ${url}/webhooks/geins`);
  return routes.join(', ');
}

/**
 * On SIGTERM or SIGINT: close the app (new deliveries get 503 `closing` while running handlers finish, then the
 * server, store and database close) and exit 0. A second signal exits at once with 1.
 */
export function stopOnSignals(app: ExampleApp, logger: AppLogger, afterClose?: () => Promise<void>): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({}, `${signal} again: exiting without waiting`);
      process.exit(1);
    }
    stopping = true;
    logger.info({}, `${signal}: shutting down; new deliveries get 503 while running ones finish`);
    app
      .close()
      .then(async () => {
        await afterClose?.();
        logger.info({}, 'stopped');
        process.exit(0);
      })
      .catch((error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

/** Listen, turning a busy or forbidden port into a readable start-up error (and closing the app first). */
export async function listenOrExplain(app: ExampleApp, config: ExampleConfig): Promise<string> {
  try {
    return await app.listen();
  } catch (error) {
    await app.close().catch(() => {});
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES') {
      throw new StartupError(
        `${config.example}: cannot start: port ${config.port} ${code === 'EADDRINUSE' ? 'is in use' : 'is not allowed'}; ` +
          'set PORT to another one',
      );
    }
    throw error;
  }
}

/** `server.ts` of both examples: configuration from the environment, listen, stop on signals. */
export async function runServer(example: string, createApp: CreateApp): Promise<void> {
  let app: ExampleApp;
  let url: string;
  let logger: AppLogger;
  try {
    const config = loadConfig(example, process.env);
    logger = createLogger({ name: example, level: config.logLevel });
    app = await createApp(config, { logger });
    // WORKER=only: a worker process, which runs the queued handlers and serves no HTTP.
    url = config.worker === 'only' ? '' : await listenOrExplain(app, config);
  } catch (error) {
    exitOnStartupError(error);
  }
  if (url) logger.info({}, `listening on ${url}: ${routesOf(app, url)}`);
  else logger.info({}, 'WORKER=only: running queued handlers, not listening');
  stopOnSignals(app, logger);
}
