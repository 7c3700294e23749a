import { createReceiver, type Logger } from '@hookinbox/core';
import { createFetchHandler } from '@hookinbox/fetch';
import { genstore } from '@hookinbox/genstore';
import { Hono } from 'hono';

export interface AppOptions {
  /** The Genstore app's client secret, which signs every delivery. */
  secret: string;
  /** Where a new order goes: the app's database in a real app. */
  saveOrder(order: Record<string, unknown>): Promise<void> | void;
  logger?: Logger;
}

/**
 * A Hono app that takes Genstore webhooks at `POST /webhooks/genstore`. The handler gets `c.req.raw`, the untouched
 * Fetch `Request`, so the exact bytes are verified; no Hono body helper (`c.req.json()`) may run before it.
 */
export function createApp(options: AppOptions) {
  const receiver = createReceiver({
    provider: genstore({ secret: options.secret }),
    ...(options.logger ? { logger: options.logger } : {}),
  });
  receiver.on('orders/create', async (event) => options.saveOrder(event.payload));

  const handle = createFetchHandler(receiver);
  const app = new Hono();
  // On Cloudflare Workers pass the execution context too: handle(c.req.raw, c.executionCtx).
  app.post('/webhooks/genstore', (c) => handle(c.req.raw));
  return { app, receiver };
}
