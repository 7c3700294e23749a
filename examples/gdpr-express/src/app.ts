import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PGlite } from '@electric-sql/pglite';
import { webhooks } from '@hookinbox/express';
import express from 'express';
import type { ExampleConfig } from '../../shared/src/config.js';
import { type CreateAppOptions, createIntegration } from '../../shared/src/integration.js';
import type { ExampleApp } from '../../shared/src/main.js';
import { mountDashboard } from './dashboard.js';

export type { CreateAppOptions };

export interface GdprApp extends ExampleApp {
  /** The Express application: mount it elsewhere, or call `listen()`. */
  app: express.Express;
}

/** The GDPR example on Express: the shared integration, mounted at `/webhooks/genstore` and `/webhooks/geins`. */
export async function createApp(config: ExampleConfig, options: CreateAppOptions = {}): Promise<GdprApp> {
  const integration = await createIntegration(config, { ...options, openDatabase: (dir) => PGlite.create(dir) });
  const { receivers } = integration;

  const app = express();
  app.disable('x-powered-by');
  // Before any body parser: hookinbox needs the exact bytes to check signatures.
  app.use('/webhooks/genstore', webhooks(receivers.genstore));
  if (receivers.geins) app.use('/webhooks/geins', webhooks(receivers.geins));
  for (const route of integration.admin) {
    const method = route.method === 'GET' ? 'get' : 'post';
    app[method](route.path, async (req, res) => {
      const answer = await route.handle({ authorization: req.headers.authorization, params: req.params });
      res.status(answer.status).json(answer.body);
    });
  }
  if (integration.dashboard) await mountDashboard(app, integration.dashboard);
  app.get('/metrics', async (_req, res) => {
    const { contentType, body } = await integration.metrics.scrape();
    res.type(contentType).send(body);
  });
  app.get('/health', (_req, res) => {
    res.json({ ok: true, store: integration.store });
  });
  app.use((_req, res) => {
    res.status(404).json({ error: { code: 'not_found', message: 'no such route' } });
  });

  let server: Server | undefined;
  return {
    app,
    receivers,
    db: integration.db,
    store: integration.store,
    metrics: integration.metrics,
    async listen() {
      server = createServer(app);
      server.listen(config.port, config.host);
      await once(server, 'listening');
      const { port } = server.address() as AddressInfo;
      return `http://${config.host ?? '127.0.0.1'}:${port}`;
    },
    async close() {
      const report = await integration.drain();
      if (server?.listening) {
        const closed = new Promise<void>((resolve) => server?.close(() => resolve()));
        // Keep-alive sockets would hold close() open; the receivers have answered everything by now.
        server.closeIdleConnections();
        const timer = setTimeout(() => server?.closeAllConnections(), 2_000);
        await closed;
        clearTimeout(timer);
      }
      await integration.dispose();
      return report;
    },
  };
}
