import { createReceiver } from '@hookinbox/core';
import { createFetchHandler } from '@hookinbox/fetch';
import { genstore } from '@hookinbox/genstore';

/** Stands for the app's database: the orders the webhook handler saved. */
export const orders: Record<string, unknown>[] = [];

function createWebhookHandler() {
  const receiver = createReceiver({
    // A missing secret throws here, naming the option.
    provider: genstore({ secret: process.env.GENSTORE_CLIENT_SECRET as string }),
  });
  receiver.on('orders/create', async (event) => {
    orders.push(event.payload);
  });
  // On a serverless host pass its waitUntil: createFetchHandler(receiver, { waitUntil }) with Vercel's, or
  // handle(request, context.cloudflare.ctx) on Cloudflare.
  return createFetchHandler(receiver);
}

let handler: ReturnType<typeof createWebhookHandler> | undefined;

/**
 * The webhook handler, built on first use rather than when the module loads (a build may load route modules without
 * the runtime's secrets). The `.server` suffix keeps it, and the secret, out of the browser bundle.
 */
export function handleWebhook(request: Request): Promise<Response> {
  handler ??= createWebhookHandler();
  return handler(request);
}
