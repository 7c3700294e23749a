/**
 * A Cloudflare Worker receiving Genstore and Geins deliveries through @hookinbox/fetch, bundled by
 * test/edge-workerd.test.ts for workerd (no Node built-ins) and run there through Miniflare. `/seen` answers what the
 * handlers recorded, so the test can tell that they ran after the response, kept alive by `ctx.waitUntil`.
 */
import { createReceiver } from '@hookinbox/core';
import { createFetchHandler, type FetchHandler } from '@hookinbox/fetch';
import { geins } from '@hookinbox/geins';
import { genstore } from '@hookinbox/genstore';

interface Env {
  GENSTORE_SECRET: string;
  GEINS_SECRET: string;
}

interface Context {
  waitUntil(promise: Promise<unknown>): void;
}

const seen: { provider: string; name: string; id: string }[] = [];
let handlers: { genstore: FetchHandler; geins: FetchHandler } | undefined;

// Secrets come with the first request's env, so the receivers are built then, once per isolate.
function build(env: Env) {
  const shop = createReceiver({ provider: genstore({ secret: env.GENSTORE_SECRET }) });
  shop.on('orders/create', async (event) => {
    await new Promise((resolve) => setTimeout(resolve, 20));
    seen.push({ provider: 'genstore', name: event.name, id: String(event.payload.id) });
  });
  const commerce = createReceiver({ provider: geins({ secret: env.GEINS_SECRET }) });
  commerce.on('*', (event) => {
    seen.push({ provider: 'geins', name: event.name, id: event.payload.id });
  });
  return { genstore: createFetchHandler(shop), geins: createFetchHandler(commerce) };
}

export default {
  async fetch(request: Request, env: Env, ctx: Context): Promise<Response> {
    handlers ??= build(env);
    const { pathname } = new URL(request.url);
    if (pathname === '/webhooks/genstore') return handlers.genstore(request, ctx);
    if (pathname === '/webhooks/geins') return handlers.geins(request, ctx);
    if (pathname === '/seen') return Response.json(seen);
    return new Response('not found', { status: 404 });
  },
};
