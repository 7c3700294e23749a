import { serve } from '@hono/node-server';
import { createApp } from './app.js';

const secret = process.env.GENSTORE_CLIENT_SECRET;
if (!secret) {
  console.error('Set GENSTORE_CLIENT_SECRET to the Genstore app client secret.');
  process.exit(1);
}

const { app, receiver } = createApp({
  secret,
  saveOrder: (order) => console.log('order received', order.id),
});
const server = serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 3000) }, (info) =>
  console.log(`listening on http://localhost:${info.port}/webhooks/genstore`),
);

// Stop taking connections, then let the handlers of acknowledged deliveries finish.
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    server.close();
    receiver.close({ timeoutMs: 10_000 }).then(({ drained }) => process.exit(drained ? 0 : 1));
  });
}
