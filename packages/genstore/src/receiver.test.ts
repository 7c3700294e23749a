import { createHmac } from 'node:crypto';
import { createReceiver, type RawDelivery, type WebhookEvent } from '@hookinbox/core';
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import type { CustomersRedactPayload } from './compliance.js';
import { genstore } from './genstore.js';
import type { GenstoreMeta } from './meta.js';
import type { GenstoreOptions } from './options.js';
import type { GenstoreSchemas } from './topics.js';

const SECRET = 'client-secret';
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

function delivery(topic: string, payload: unknown, headers: Record<string, string> = {}): RawDelivery {
  const body = Buffer.from(JSON.stringify(payload));
  return {
    method: 'POST',
    url: '/webhooks/genstore',
    headers: {
      'x-genstore-topic': topic,
      'x-genstore-hmac-sha256': createHmac('sha256', SECRET).update(body).digest('base64'),
      'content-type': 'application/json',
      ...headers,
    },
    body,
  };
}

const wrappedRedact = {
  customersRedact: {
    shopId: '4022054969604',
    customer: { id: '77', email: 'ana@example.com' },
    ordersToRedact: ['1001'],
  },
};

function receiverFor<const S extends GenstoreSchemas = {}>(options?: GenstoreOptions<S>) {
  const provider = genstore<S>(options ?? { secret: SECRET });
  return createReceiver({ provider, logger: quiet, ack: { mode: 'after-handlers' } });
}

describe('Genstore deliveries through createReceiver().handle()', () => {
  it('hands the compliance handler the normalised payload and the meta', async () => {
    const receiver = receiverFor();
    const seen: WebhookEvent<'customers/redact', CustomersRedactPayload, GenstoreMeta>[] = [];
    receiver.on('customers/redact', (event) => {
      seen.push(event);
    });
    const res = await receiver.handle(
      delivery('customers/redact', wrappedRedact, {
        'x-genstore-shop-domain': 'demo.genmystore.com',
        'x-genstore-webhook-id': 'wh-9',
      }),
    );
    expect(res.status).toBe(200);
    expect(seen).toHaveLength(1);
    const event = seen[0]!;
    expect(event.provider).toBe('genstore');
    expect(event.name).toBe('customers/redact');
    // The unsigned webhook id is carried on meta, not used as the event id.
    expect(event.id).toMatch(/^genstore:hmac:customers\/redact:[A-Za-z0-9+/]{22}$/);
    expect(event.payload).toEqual({
      shop: { id: '4022054969604', domain: null },
      customer: { id: '77', email: 'ana@example.com', phone: null },
      ordersToRedact: ['1001'],
      raw: wrappedRedact,
    });
    expect(event.meta).toEqual({ shopDomain: 'demo.genmystore.com', webhookId: 'wh-9', secretIndex: 0 });
  });

  it('a bad signature answers 401 and never calls a handler', async () => {
    const receiver = receiverFor();
    const handler = vi.fn();
    receiver.on('*', handler);
    const forged = delivery('customers/redact', wrappedRedact);
    const cases: RawDelivery[] = [
      { ...forged, headers: { ...forged.headers, 'x-genstore-hmac-sha256': 'AAAA' } },
      { ...forged, body: Buffer.from(JSON.stringify({ ...wrappedRedact, extra: 1 })) },
      { ...forged, headers: { 'x-genstore-topic': 'customers/redact' } },
    ];
    for (const d of cases) {
      const res = await receiver.handle(d);
      expect(res.status).toBe(401);
      expect(JSON.parse(res.body).error.code).toMatch(/^(invalid|missing)_signature$/);
    }
    await receiver.close();
    expect(handler).not.toHaveBeenCalled();
  });

  it('reads mixed-case header names in a hand-built delivery', async () => {
    const receiver = receiverFor();
    const handler = vi.fn();
    receiver.on('orders/create', handler);
    const d = delivery('orders/create', { id: 1 });
    const res = await receiver.handle({
      ...d,
      headers: {
        'X-Genstore-Topic': 'orders/create',
        'X-GENSTORE-HMAC-SHA256': d.headers['x-genstore-hmac-sha256'],
        'x-Genstore-Shop-Domain': 'demo.genmystore.com',
      },
    });
    expect(res.status).toBe(200);
    expect(handler).toHaveBeenCalledTimes(1);
    expect(handler.mock.calls[0]![0].meta.shopDomain).toBe('demo.genmystore.com');
  });

  it('routes unknown topics with the payload as sent', async () => {
    const receiver = receiverFor();
    const handler = vi.fn();
    receiver.on('products/*', handler);
    expect((await receiver.handle(delivery('products/create', [{ sku: 'A' }]))).status).toBe(200);
    expect(handler.mock.calls[0]![0]).toMatchObject({ name: 'products/create', payload: [{ sku: 'A' }] });
  });

  it('an authentic compliance payload that fits no shape is acknowledged and reported, not handed over', async () => {
    const onInvalid = vi.fn();
    const receiver = createReceiver({
      provider: genstore({ secret: SECRET }),
      logger: quiet,
      ack: { mode: 'after-handlers' },
      hooks: { onInvalid },
    });
    const handler = vi.fn();
    receiver.on('customers/redact', handler);
    const res = await receiver.handle(delivery('customers/redact', { something: 'else', entirely: true }));
    expect(res.status).toBe(200);
    expect(handler).not.toHaveBeenCalled();
    expect(onInvalid).toHaveBeenCalledTimes(1);
    expect(String(onInvalid.mock.calls[0]![0].error)).toContain('shop id missing');
  });

  it('a retry without id headers is recognised as a duplicate by its topic and body', async () => {
    const receiver = receiverFor();
    const handler = vi.fn();
    receiver.on('orders/paid', handler);
    const d = delivery('orders/paid', { id: 5 });
    expect((await receiver.handle(d)).body).toBe('{"ok":true}');
    expect(JSON.parse((await receiver.handle(d)).body)).toEqual({ ok: true, duplicate: true });
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it('custom schemas validate and transform what the handler receives', async () => {
    const receiver = receiverFor({
      secret: SECRET,
      schemas: { 'products/create': z.object({ sku: z.string() }).transform((p) => p.sku.toLowerCase()) },
    });
    const received: string[] = [];
    receiver.on('products/create', (event) => {
      received.push(event.payload);
    });
    await receiver.handle(delivery('products/create', { sku: 'ABC' }));
    expect(received).toEqual(['abc']);
  });

  it('with requireComplianceHandlers, refuses deliveries while a compliance handler is missing', async () => {
    const receiver = receiverFor({ secret: SECRET, requireComplianceHandlers: true });
    receiver.on('orders/create', () => {});
    const res = await receiver.handle(delivery('orders/create', { id: 1 }));
    expect(res.status).toBe(500);
    receiver.on('customers/*', () => {}).on('shop/redact', () => {});
    expect((await receiver.handle(delivery('orders/create', { id: 1 }))).status).toBe(200);
  });
});
