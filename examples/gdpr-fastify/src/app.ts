import { PGlite } from '@electric-sql/pglite';
import { hookinbox } from '@hookinbox/fastify';
import Fastify, { type FastifyInstance, LogController } from 'fastify';
import type { ExampleConfig } from '../../shared/src/config.js';
import { type CreateAppOptions, createIntegration } from '../../shared/src/integration.js';
import type { ExampleApp } from '../../shared/src/main.js';
import { mountDashboard } from './dashboard.js';

export type { CreateAppOptions };

export interface GdprApp extends ExampleApp {
  /** The Fastify instance, ready: use `app.inject()`, or call `listen()`. */
  app: FastifyInstance;
}

/** The GDPR example on Fastify: the shared integration, mounted at `/webhooks/genstore` and `/webhooks/geins`. */
export async function createApp(config: ExampleConfig, options: CreateAppOptions = {}): Promise<GdprApp> {
  const integration = await createIntegration(config, { ...options, openDatabase: (dir) => PGlite.create(dir) });
  const { receivers, logger } = integration;

  // The same logger as the receivers: the adapter hands hookinbox `request.log`, a child of this one. Fastify's own
  // line per request is off, so both examples log the same lines.
  const app = Fastify({
    loggerInstance: logger,
    logController: new LogController({ disableRequestLogging: true }),
  });
  // closeReceiver: false, because close() drains the receivers itself while the server still answers 503s; Fastify
  // would only drain them after it stopped listening.
  await app.register(hookinbox, { path: '/webhooks/genstore', receiver: receivers.genstore, closeReceiver: false });
  if (receivers.geins) {
    await app.register(hookinbox, { path: '/webhooks/geins', receiver: receivers.geins, closeReceiver: false });
  }
  for (const route of integration.admin) {
    app.route({
      method: route.method,
      url: route.path,
      handler: async (request, reply) => {
        const params = request.params as Record<string, unknown>;
        const answer = await route.handle({ authorization: request.headers.authorization, params });
        return reply.code(answer.status).send(answer.body);
      },
    });
  }
  if (integration.dashboard) await mountDashboard(app, integration.dashboard);
  app.get('/metrics', async (_request, reply) => {
    const { contentType, body } = await integration.metrics.scrape();
    return reply.type(contentType).send(body);
  });
  app.get('/health', async () => ({ ok: true, store: integration.store }));
  app.setNotFoundHandler((_request, reply) => {
    reply.code(404).send({ error: { code: 'not_found', message: 'no such route' } });
  });
  await app.ready();

  return {
    app,
    receivers,
    db: integration.db,
    store: integration.store,
    metrics: integration.metrics,
    async listen() {
      await app.listen({ port: config.port, host: config.host ?? '::' });
      const address = app.server.address();
      const port = typeof address === 'object' && address ? address.port : config.port;
      return `http://${config.host ?? '127.0.0.1'}:${port}`;
    },
    async close() {
      const report = await integration.drain();
      await app.close();
      await integration.dispose();
      return report;
    },
  };
}
