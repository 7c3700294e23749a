import type { AddressInfo } from 'node:net';
import type { Receiver } from '@hookinbox/core';
import { webhooks } from '@hookinbox/express';
import { hookinbox } from '@hookinbox/fastify';
import express from 'express';
import Fastify, { type FastifyServerOptions } from 'fastify';

export type AdapterName = 'express' | 'fastify';
export const ADAPTERS: readonly AdapterName[] = ['express', 'fastify'];

export interface Served {
  port: number;
  close(): Promise<void>;
}

/**
 * Listen on a loopback port with `routes` (path → receiver) mounted by one adapter, so tests can talk to it over a
 * real socket: slow senders, aborted requests and header bytes only exist there.
 */
export async function serve(
  adapter: AdapterName,
  routes: Record<string, Receiver<any, any>>,
  fastifyOptions: FastifyServerOptions = {},
): Promise<Served> {
  if (adapter === 'express') {
    const app = express();
    for (const [path, receiver] of Object.entries(routes)) app.use(path, webhooks(receiver));
    const server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    return {
      port: (server.address() as AddressInfo).port,
      async close() {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      },
    };
  }
  const app = Fastify(fastifyOptions);
  // Receivers are closed by the tests, which check what close() reports.
  for (const [path, receiver] of Object.entries(routes)) {
    await app.register(hookinbox, { path, receiver, closeReceiver: false });
  }
  await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    port: (app.server.address() as AddressInfo).port,
    async close() {
      app.server.closeAllConnections();
      await app.close();
    },
  };
}
