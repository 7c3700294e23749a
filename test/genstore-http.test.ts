import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createReceiver, type Receiver } from '@hookinbox/core';
import { webhooks } from '@hookinbox/express';
import { hookinbox } from '@hookinbox/fastify';
import { type GenstoreMeta, genstore } from '@hookinbox/genstore';
import { genstoreDelivery, genstoreSamples } from '@hookinbox/testing';
import express from 'express';
import Fastify from 'fastify';
import supertest from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';

const SECRET = 'genstore-client-secret';
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

type Seen = { name: string; payload: unknown; meta: GenstoreMeta };

/** A receiver that waits for its handlers, so a 200 means they ran, and that records every event. */
function recordingReceiver() {
  const seen: Seen[] = [];
  const receiver = createReceiver({
    provider: genstore({ secret: SECRET, requireComplianceHandlers: true }),
    logger: quiet,
    ack: { mode: 'after-handlers' },
  });
  receiver.on('*', (event) => {
    seen.push({ name: event.name, payload: event.payload, meta: event.meta });
  });
  receiver.ready();
  return { receiver, seen };
}

const open: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((close) => close()));
});

async function expressApp(receiver: Receiver<any, any>): Promise<{ server: Server; base: string }> {
  const app = express();
  app.use('/webhooks/genstore', webhooks(receiver));
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  open.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function fastifyApp(receiver: Receiver<any, any>) {
  const app = Fastify();
  await app.register(hookinbox, { path: '/webhooks/genstore', receiver, closeReceiver: false });
  await app.ready();
  open.push(() => app.close());
  return app;
}

const compliance = [
  ['customers/data_request', genstoreSamples.customersDataRequest],
  ['customers/redact', genstoreSamples.customersRedact],
  ['shop/redact', genstoreSamples.shopRedact],
] as const;

describe('Genstore deliveries from @hookinbox/testing over HTTP', () => {
  it('supertest: .set(headers).send(body) delivers the signed bytes (express)', async () => {
    const { receiver, seen } = recordingReceiver();
    const { server } = await expressApp(receiver);
    const d = genstoreDelivery({
      topic: 'orders/create',
      payload: genstoreSamples.ordersCreate,
      secret: SECRET,
      shopDomain: 'demo-shop.genmystore.com',
      webhookId: 'wh-100',
    });
    const res = await supertest(server).post(d.url).set(d.headers).send(d.body);
    expect(res.status).toBe(200);
    expect(seen).toEqual([
      {
        name: 'orders/create',
        payload: genstoreSamples.ordersCreate,
        meta: { shopDomain: 'demo-shop.genmystore.com', webhookId: 'wh-100', secretIndex: 0 },
      },
    ]);
  });

  it('fetch over a loopback socket (express)', async () => {
    const { receiver, seen } = recordingReceiver();
    const { base } = await expressApp(receiver);
    const d = genstoreDelivery({ topic: 'app/uninstalled', payload: genstoreSamples.appUninstalled, secret: SECRET });
    const res = await fetch(base + d.url, { method: d.method, headers: d.headers, body: d.body });
    expect(res.status).toBe(200);
    expect(seen.map((s) => s.payload)).toEqual([
      {
        shop: { id: genstoreSamples.appUninstalled.uninstalled.shopId, domain: null },
        clientId: genstoreSamples.appUninstalled.uninstalled.clientId,
        raw: genstoreSamples.appUninstalled,
      },
    ]);
  });

  it('fastify.inject({ headers, payload: body })', async () => {
    const { receiver, seen } = recordingReceiver();
    const app = await fastifyApp(receiver);
    const d = genstoreDelivery({ topic: 'orders/paid', payload: genstoreSamples.ordersCreate, secret: SECRET });
    const res = await app.inject({ method: d.method, url: d.url, headers: d.headers, payload: d.body });
    expect(res.statusCode).toBe(200);
    expect(seen.map((s) => s.name)).toEqual(['orders/paid']);
  });

  it('mixed-case header names on the wire are read (express and fastify)', async () => {
    const mixed = (topic: string) => {
      const d = genstoreDelivery({ topic, payload: { id: 7 }, secret: SECRET, shopDomain: 'demo-shop.genmystore.com' });
      return {
        ...d,
        headers: {
          'Content-Type': 'application/json',
          'X-Genstore-Topic': topic,
          'X-GENSTORE-HMAC-SHA256': d.headers['x-genstore-hmac-sha256'] as string,
          'X-Genstore-Shop-Domain': 'demo-shop.genmystore.com',
        },
      };
    };
    const viaExpress = recordingReceiver();
    const { server } = await expressApp(viaExpress.receiver);
    const d1 = mixed('orders/create');
    expect((await supertest(server).post(d1.url).set(d1.headers).send(d1.body)).status).toBe(200);
    expect(viaExpress.seen[0]?.meta.shopDomain).toBe('demo-shop.genmystore.com');

    const viaFastify = recordingReceiver();
    const app = await fastifyApp(viaFastify.receiver);
    const d2 = mixed('orders/update');
    const res = await app.inject({ method: 'POST', url: d2.url, headers: d2.headers, payload: d2.body });
    expect(res.statusCode).toBe(200);
    expect(viaFastify.seen[0]).toMatchObject({
      name: 'orders/update',
      meta: { shopDomain: 'demo-shop.genmystore.com' },
    });
  });

  it.each(compliance)('%s: both payload shapes normalise to the same event over HTTP', async (topic, shapes) => {
    const { receiver, seen } = recordingReceiver();
    const { server } = await expressApp(receiver);
    for (const payload of [shapes.snake, shapes.camel]) {
      const d = genstoreDelivery({ topic, payload, secret: SECRET });
      expect((await supertest(server).post(d.url).set(d.headers).send(d.body)).status).toBe(200);
    }
    expect(seen).toHaveLength(2);
    const [snake, camel] = seen.map((s) => {
      const { raw, ...event } = s.payload as { raw: unknown };
      return event;
    });
    expect(snake).toEqual(camel);
    expect(snake).toMatchObject({ shop: { id: '4022054969604', domain: 'demo-shop.genmystore.com' } });
  });

  it('a bad HMAC on a compliance topic answers 401 with a JSON error, and no handler runs', async () => {
    const { receiver, seen } = recordingReceiver();
    const { server } = await expressApp(receiver);
    const good = genstoreDelivery({
      topic: 'customers/redact',
      payload: genstoreSamples.customersRedact.snake,
      secret: SECRET,
    });
    const attempts = [
      genstoreDelivery({ topic: 'customers/redact', payload: genstoreSamples.customersRedact.snake, secret: 'old' }),
      genstoreDelivery({
        topic: 'customers/redact',
        payload: genstoreSamples.customersRedact.snake,
        secret: SECRET,
        headers: { 'x-genstore-hmac-sha256': null },
      }),
      { ...good, body: Buffer.from(good.body.toString().replace('191167', '191168')) },
    ];
    const codes: string[] = [];
    for (const d of attempts) {
      const res = await supertest(server).post(d.url).set(d.headers).send(d.body.toString());
      expect(res.status).toBe(401);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      codes.push(res.body.error.code);
    }
    expect(codes).toEqual(['invalid_signature', 'missing_signature', 'invalid_signature']);
    expect(seen).toEqual([]);
  });

  it('rotation: deliveries signed with either secret pass, meta says which', async () => {
    const receiver = createReceiver({ provider: genstore({ secrets: ['new', 'old'] }), logger: quiet });
    const indexes: number[] = [];
    receiver.on('orders/create', (e) => {
      indexes.push(e.meta.secretIndex);
    });
    for (const secret of ['old', 'new']) {
      const res = await receiver.handle(genstoreDelivery({ topic: 'orders/create', payload: { secret }, secret }));
      expect(res.status).toBe(200);
    }
    await receiver.close();
    expect(indexes).toEqual([1, 0]);
  });
});
