import type express from 'express';
import { type Dashboard, fillBoard } from '../../shared/src/dashboard.js';

/**
 * bull-board at `/admin/queues` on Express, every request under it (the page, its assets, its API) behind the token.
 * The adapter's base path and the mount path must be the same: the page builds its links from the base path.
 */
export async function mountDashboard(app: express.Express, dashboard: Dashboard): Promise<void> {
  // Loaded only when mounted, so an app without QUEUE=bullmq never loads bull-board.
  const { ExpressAdapter } = await import('@bull-board/express');
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(dashboard.path);
  await fillBoard(serverAdapter, dashboard);
  app.use(
    dashboard.path,
    (req, res, next) => {
      const refused = dashboard.refuse(req);
      if (!refused) return next();
      res.status(refused.status).set(refused.headers).json(refused.body);
    },
    serverAdapter.getRouter(),
  );
}
