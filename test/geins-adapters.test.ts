import type { AddressInfo } from 'node:net';
import { createReceiver, type Receiver, silentLogger } from '@hookinbox/core';
import { webhooks } from '@hookinbox/express';
import { hookinbox } from '@hookinbox/fastify';
import { type GeinsOptions, geins } from '@hookinbox/geins';
import { type GeinsDelivery, geinsDelivery } from '@hookinbox/testing';
import express from 'express';
import Fastify from 'fastify';
import supertest from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';

const SECRET = 'adapters-test-secret';
const URL_TEMPLATE = 'https://shop-app.example/webhooks/geins/{{entity}}?action={{action}}';
const BODY_TEMPLATE = '{"id":"{{id}}","changeType":"{{subEntity}}"}';

function build(options: Partial<GeinsOptions> = {}) {
  const receiver = createReceiver({
    provider: geins({ secret: SECRET, urlTemplate: URL_TEMPLATE, bodyTemplate: BODY_TEMPLATE, ...options }),
    ack: { mode: 'after-handlers' },
    logger: silentLogger,
  });
  const seen: string[] = [];
  receiver.on('Product.*', (event) => void seen.push(`${event.name} ${event.payload.ids.join('+')}`));
  return { receiver, seen };
}

const product = (overrides: Partial<Parameters<typeof geinsDelivery>[0]> = {}) =>
  geinsDelivery({
    urlTemplate: URL_TEMPLATE,
    bodyTemplate: BODY_TEMPLATE,
    values: { entity: 'Product', action: 'update', id: [10, 11], subEntity: 'price' },
    secret: SECRET,
    ...overrides,
  });

type Send = (d: GeinsDelivery) => Promise<{ status: number; body: string }>;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

const harnesses: { name: string; mount(receiver: Receiver<any, any>): Promise<Send> }[] = [
  {
    name: 'express + supertest',
    async mount(receiver) {
      const app = express();
      // A mount point: Express strips it from req.url; the adapter passes the full original URL.
      app.use('/webhooks/geins', webhooks(receiver));
      return async (d) => {
        // A string body goes out as is; superagent would JSON-encode a Buffer sent as application/json.
        const res = await supertest(app)
          [d.method.toLowerCase() as 'post'](d.url)
          .set(d.headers)
          .send(d.body.toString());
        return { status: res.status, body: res.text };
      };
    },
  },
  {
    name: 'fastify.inject',
    async mount(receiver) {
      const app = Fastify();
      await app.register(hookinbox, { path: '/webhooks/geins/:entity', receiver });
      cleanups.push(() => app.close());
      return async (d) => {
        const res = await app.inject({ method: d.method as 'POST', url: d.url, headers: d.headers, payload: d.body });
        return { status: res.statusCode, body: res.body };
      };
    },
  },
  {
    name: 'fetch over loopback (express)',
    async mount(receiver) {
      const app = express();
      app.use('/webhooks/geins', webhooks(receiver));
      const server = await new Promise<import('node:http').Server>((resolve) => {
        const s = app.listen(0, '127.0.0.1', () => resolve(s));
      });
      cleanups.push(
        () =>
          new Promise<void>((resolve) => {
            server.closeAllConnections();
            server.close(() => resolve());
          }),
      );
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      return async (d) => {
        const res = await fetch(base + d.url, {
          method: d.method,
          headers: d.headers,
          body: d.body.length > 0 ? new Uint8Array(d.body) : undefined,
          signal: AbortSignal.timeout(5_000),
        });
        return { status: res.status, body: await res.text() };
      };
    },
  },
];

for (const harness of harnesses) {
  describe(`geins deliveries through ${harness.name}`, () => {
    it('reads the Url and Body templates back and runs the handler once per event, retries included', async () => {
      const { receiver, seen } = build();
      const send = await harness.mount(receiver);
      const d = product();
      expect(await send(d)).toEqual({ status: 200, body: '{"ok":true}' });
      // A Geins retry: the same bytes and the same x-idempotency-key.
      expect(await send(d)).toEqual({ status: 200, body: '{"ok":true,"duplicate":true}' });
      expect(seen).toEqual(['Product.update 10+11']);
      await receiver.close();
    });

    it('security: a wrong secret is refused with 401 and no handler runs', async () => {
      const { receiver, seen } = build();
      const send = await harness.mount(receiver);
      const response = await send(product({ secret: 'not-the-secret' }));
      expect(response.status).toBe(401);
      expect(JSON.parse(response.body)).toMatchObject({ error: { code: 'unauthorized' } });
      expect(seen).toEqual([]);
      await receiver.close();
    });

    it('security: a missing secret is refused with 401 and no handler runs', async () => {
      const { receiver, seen } = build();
      const send = await harness.mount(receiver);
      const { authorization: _, ...headers } = product().headers;
      expect((await send({ ...product(), headers })).status).toBe(401);
      expect(seen).toEqual([]);
      await receiver.close();
    });

    it('security: a secret in the query is checked too', async () => {
      const { receiver, seen } = build({ secretQuery: 'token' });
      const send = await harness.mount(receiver);
      expect((await send(product({ secretQuery: 'token' }))).status).toBe(200);
      expect((await send(product({ secretQuery: 'token', secret: 'wrong' }))).status).toBe(401);
      expect(seen).toEqual(['Product.update 10+11']);
      await receiver.close();
    });

    it('answers 405 to a method the webhook is not configured with', async () => {
      const { receiver } = build();
      const send = await harness.mount(receiver);
      const response = await send(product({ method: 'PUT' }));
      expect(response.status).toBe(405);
      expect(JSON.parse(response.body)).toMatchObject({ error: { code: 'method_not_allowed' } });
      await receiver.close();
    });
  });
}
