import { createReceiver } from '@hookinbox/core';
import { genstore } from '@hookinbox/genstore';
import { saveOrder } from './orders';

function createWebhookReceiver() {
  const receiver = createReceiver({
    // A missing secret throws here, naming the option.
    provider: genstore({ secret: process.env.GENSTORE_CLIENT_SECRET as string }),
  });
  receiver.on('orders/create', async (event) => saveOrder(event.payload));
  return receiver;
}

let receiver: ReturnType<typeof createWebhookReceiver> | undefined;

/**
 * The receiver, built on first use rather than when the module loads: `next build` loads every route module to read
 * its configuration, where the runtime's secrets may be absent. One per server instance, so its dedupe store and
 * in-flight work are shared by the requests that instance serves; with several instances (serverless scales out),
 * give it a shared store (`@hookinbox/redis`, `@hookinbox/postgres`) so a retry landing elsewhere is recognised.
 */
export function webhookReceiver() {
  receiver ??= createWebhookReceiver();
  return receiver;
}
