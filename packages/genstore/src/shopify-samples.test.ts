import { createHmac } from 'node:crypto';
import { createReceiver, HookinboxError, type RawDelivery, type WebhookEvent } from '@hookinbox/core';
import { shopifyHmacVectors, shopifySamples } from '@hookinbox/testing';
import { describe, expect, it } from 'vitest';
import { genstore as makeGenstore } from './genstore.js';
import type { GenstoreOptions } from './options.js';
import type { GenstoreSchemas } from './topics.js';

/** The provider as Node runs it: verify answers at once, and a promise there would be a regression. */
function genstore<const S extends GenstoreSchemas = {}>(options: GenstoreOptions<S>) {
  const provider = makeGenstore(options);
  const verify = (d: RawDelivery) => {
    const verified = provider.verify(d);
    if (verified instanceof Promise) throw new Error('test: verify answered with a promise on Node');
    return verified;
  };
  return { ...provider, verify };
}

// Shopify's own data (packages/genstore/test-data/shopify, each file naming its source), sent through the Genstore
// provider: Genstore mirrors Shopify's signing and payloads, so what Shopify's libraries accept must pass here too.

const SECRET = 'client-secret';
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

function delivery(topic: string, body: string | Buffer, secret = SECRET, signature?: string): RawDelivery {
  const bytes = Buffer.from(body);
  return {
    method: 'POST',
    url: '/webhooks/genstore',
    headers: {
      'x-genstore-topic': topic,
      'x-genstore-hmac-sha256': signature ?? createHmac('sha256', secret).update(bytes).digest('base64'),
      'content-type': 'application/json',
    },
    body: bytes,
  };
}

/** Runs one delivery through a receiver and returns what its handler got (or what onInvalid got). */
async function handled(topic: string, body: string | Buffer) {
  const events: WebhookEvent<string, unknown, unknown>[] = [];
  const invalid: unknown[] = [];
  const receiver = createReceiver({
    provider: genstore({ secret: SECRET }),
    logger: quiet,
    ack: { mode: 'after-handlers', timeoutMs: 2000, timeoutStatus: 200 },
    hooks: { onInvalid: (info) => void invalid.push(info) },
  });
  receiver.on('*', (event) => void events.push(event as WebhookEvent<string, unknown, unknown>));
  const response = await receiver.handle(delivery(topic, body));
  await receiver.close();
  return { response, events, invalid };
}

describe("Shopify's webhook HMAC vectors through the Genstore provider", () => {
  it.each(shopifyHmacVectors.map((v) => [v.name, v] as const))('%s', (_name, vector) => {
    const provider = genstore({ secret: vector.secret });
    const run = () => provider.verify(delivery('orders/create', vector.body, vector.secret, vector.header));
    if (vector.valid) {
      expect(run().meta.secretIndex).toBe(0);
    } else {
      expect(run).toThrow(HookinboxError);
      try {
        run();
      } catch (error) {
        expect((error as HookinboxError).status).toBe(401);
      }
    }
  });

  it('each valid vector is also what node:crypto computes, and fails under another secret', () => {
    for (const vector of shopifyHmacVectors.filter((v) => v.valid)) {
      expect(createHmac('sha256', vector.secret).update(vector.body).digest('base64')).toBe(vector.header);
      const other = genstore({ secret: `${vector.secret}-other` });
      expect(() => other.verify(delivery('orders/create', vector.body, vector.secret, vector.header))).toThrow(
        /does not match/,
      );
    }
  });
});

describe("Shopify's sample payloads through a receiver", () => {
  it('orders/create (Shopify\'s example) reaches the handler with "820982911946154508" intact, every id exact', async () => {
    const { events } = await handled('orders/create', shopifySamples.ordersCreate.body);
    expect(events).toHaveLength(1);
    const payload = events[0]?.payload as Record<string, any>;
    expect(payload.id).toBe('820982911946154508');
    expect(payload.customer.id).toBe('115310627314723954');
    expect(payload.line_items.map((item: { id: string }) => item.id)).toEqual([
      '866550311766439020',
      '141249953214522974',
    ]);
    expect(payload.line_items[0].product_id).toBe('788032119674292922');
    // Small numbers stay numbers.
    expect(payload.number).toBe(234);
    expect(payload.line_items[0].quantity).toBe(1);
  });

  it.each([
    [
      "customers/data_request (Shopify's example)",
      shopifySamples.customersDataRequest,
      {
        shop: { id: '954889', domain: '{shop}.myshopify.com' },
        customer: { id: '191167', email: 'john@example.com', phone: '555-625-1199' },
        ordersRequested: ['299938', '280263', '220458'],
        dataRequest: { id: '9999' },
      },
    ],
    [
      "customers/redact (Shopify's example)",
      shopifySamples.customersRedact,
      {
        shop: { id: '954889', domain: '{shop}.myshopify.com' },
        customer: { id: '191167', email: 'john@example.com', phone: '555-625-1199' },
        ordersToRedact: ['299938', '280263', '220458'],
      },
    ],
    [
      "shop/redact (Shopify's example)",
      shopifySamples.shopRedact,
      { shop: { id: '954889', domain: '{shop}.myshopify.com' } },
    ],
    [
      'customers/data_request with 64-bit ids',
      shopifySamples.customersDataRequestLargeIds,
      {
        shop: { id: '548380009' },
        customer: { id: '115310627314723954' },
        ordersRequested: ['820982911946154508'],
        dataRequest: { id: '9223372036854775807' },
      },
    ],
    [
      'customers/redact with 64-bit ids',
      shopifySamples.customersRedactLargeIds,
      {
        customer: { id: '115310627314723954' },
        ordersToRedact: ['820982911946154508', '141249953214522974'],
      },
    ],
    [
      'customers/redact of a customer known only by email, orders_to_redact empty',
      shopifySamples.customersRedactEmailOnly,
      {
        customer: { id: null, email: 'john@example.com', phone: null },
        ordersToRedact: [],
      },
    ],
    [
      "app/uninstalled as Shopify's flat shop object",
      shopifySamples.appUninstalled,
      {
        shop: { id: '548380009', domain: 'example.myshopify.com' },
        clientId: null,
      },
    ],
  ])('%s reaches its handler, normalised, with every field kept in raw', async (_name, sample, expected) => {
    const { events, invalid } = await handled(sample.topic, sample.body);
    expect(invalid).toEqual([]);
    expect(events).toHaveLength(1);
    expect(events[0]?.name).toBe(sample.topic);
    expect(events[0]?.payload).toMatchObject(expected);
    const { raw } = (events[0] as WebhookEvent<string, { raw: Record<string, unknown> }, unknown>).payload;
    expect(Object.keys(raw)).toEqual(Object.keys(JSON.parse(sample.body)));
  });

  it('a customers/data_request body relabelled customers/redact never reaches the redact handler', async () => {
    const { events, invalid } = await handled('customers/redact', shopifySamples.customersDataRequest.body);
    expect(events).toEqual([]);
    expect(invalid).toHaveLength(1);
  });
});

describe('a leading UTF-8 byte order mark', () => {
  const bom = Buffer.from([0xef, 0xbb, 0xbf]);
  const body = Buffer.concat([bom, Buffer.from(shopifySamples.ordersCreate.body)]);

  it('is authenticated with the body (the HMAC covers it) and removed before parsing', async () => {
    const provider = genstore({ secret: SECRET });
    const verified = provider.verify(delivery('orders/create', body));
    expect((verified.payload as { id: string }).id).toBe('820982911946154508');
    const { response, events } = await handled('orders/create', body);
    expect(response.status).toBe(200);
    expect(events).toHaveLength(1);
  });

  it('a signature over the body without the BOM does not verify the body with it', () => {
    const provider = genstore({ secret: SECRET });
    const withoutBom = createHmac('sha256', SECRET).update(body.subarray(3)).digest('base64');
    expect(() => provider.verify(delivery('orders/create', body, SECRET, withoutBom))).toThrow(/does not match/);
  });
});
