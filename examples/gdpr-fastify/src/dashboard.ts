import type { FastifyInstance } from 'fastify';
import { type Dashboard, fillBoard } from '../../shared/src/dashboard.js';

/**
 * bull-board at `/admin/queues` on Fastify: its plugin registered with the same prefix as the adapter's base path (the
 * page builds its links from it), inside a scope of its own whose onRequest hook guards every request under it and
 * nothing else.
 */
export async function mountDashboard(app: FastifyInstance, dashboard: Dashboard): Promise<void> {
  // Loaded only when mounted, so an app without QUEUE=bullmq never loads bull-board.
  const { FastifyAdapter } = await import('@bull-board/fastify');
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(dashboard.path);
  await fillBoard(serverAdapter, dashboard);
  await app.register(
    async (scope) => {
      scope.addHook('onRequest', async (request, reply) => {
        const refused = dashboard.refuse(request);
        if (refused) return reply.code(refused.status).headers(refused.headers).send(refused.body);
      });
      await scope.register(serverAdapter.registerPlugin());
    },
    { prefix: dashboard.path },
  );
}
