import { createReceiver, type PayloadSchema, type WebhookEvent } from '@hookinbox/core';
import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import {
  type AppUninstalledPayload,
  type appUninstalledSchema,
  type CustomersDataRequestPayload,
  type CustomersRedactPayload,
  type customersDataRequestSchema,
  type customersRedactSchema,
  type GenstoreEvents,
  type GenstoreId,
  type GenstoreMeta,
  type GenstoreObjectPayload,
  genstore,
  genstoreId,
  type ShopRedactPayload,
  type shopRedactSchema,
} from './index.js';

describe('handler payload inference', () => {
  const r = createReceiver({ provider: genstore({ secret: 's' }) });

  it('types compliance payloads as the normalised events', () => {
    r.on('customers/redact', (e) => {
      expectTypeOf(e.payload).toEqualTypeOf<CustomersRedactPayload>();
      // Ids are strings, every digit kept; a customer known only by email has a null id.
      expectTypeOf(e.payload.customer.id).toEqualTypeOf<string | null>();
      expectTypeOf(e.payload.shop.id).toEqualTypeOf<string>();
      expectTypeOf(e.payload.customer.email).toEqualTypeOf<string | null>();
      expectTypeOf(e.payload.ordersToRedact).toEqualTypeOf<string[]>();
      expectTypeOf(e.name).toEqualTypeOf<'customers/redact'>();
      // @ts-expect-error customers/redact has ordersToRedact, not ordersRequested
      e.payload.ordersRequested;
      // @ts-expect-error the customer id is normalised to `id`, not kept as customer_id
      e.payload.customer.customer_id;
    });
    r.on('customers/data_request', (e) => {
      expectTypeOf(e.payload).toEqualTypeOf<CustomersDataRequestPayload>();
      expectTypeOf(e.payload.dataRequest.id).toEqualTypeOf<string | null>();
    });
    r.on('shop/redact', (e) => {
      expectTypeOf(e.payload).toEqualTypeOf<ShopRedactPayload>();
      expectTypeOf(e.payload.shop.domain).toEqualTypeOf<string | null>();
      // @ts-expect-error shop/redact concerns no customer
      e.payload.customer;
    });
  });

  it('types meta as GenstoreMeta', () => {
    r.on('orders/create', (e) => {
      expectTypeOf(e.meta).toEqualTypeOf<GenstoreMeta>();
      expectTypeOf(e.meta.shopDomain).toEqualTypeOf<string | undefined>();
      expectTypeOf(e.payload).toEqualTypeOf<GenstoreObjectPayload>();
      // @ts-expect-error meta has no such field
      e.meta.shop;
    });
  });

  it('types app/uninstalled as one normalised shape, whichever shape arrived', () => {
    r.on('app/uninstalled', (e) => {
      expectTypeOf(e.payload).toEqualTypeOf<AppUninstalledPayload>();
      expectTypeOf(e.payload.shop.id).toEqualTypeOf<string>();
      expectTypeOf(e.payload.clientId).toEqualTypeOf<string | null>();
      // @ts-expect-error the wrapper is read, not passed on (it stays in raw)
      e.payload.uninstalled;
    });
  });

  it('types ids in an object payload as unknown, and genstoreId as string in, string out', () => {
    r.on('orders/create', (e) => {
      expectTypeOf(e.payload.id).toEqualTypeOf<unknown>();
    });
    expectTypeOf<GenstoreId>().toEqualTypeOf<string | number>();
    expectTypeOf<z.output<typeof genstoreId>>().toEqualTypeOf<string>();
    const order = z.looseObject({ id: genstoreId });
    const r2 = createReceiver({ provider: genstore({ secret: 's', schemas: { 'orders/create': order } }) });
    r2.on('orders/create', (e) => {
      expectTypeOf(e.payload.id).toEqualTypeOf<string>();
    });
  });

  it('gives patterns the union of the topics they match, and unknown topics an unknown payload', () => {
    r.on('shop/*', (e) => {
      expectTypeOf(e.name).toEqualTypeOf<'shop/update' | 'shop/redact'>();
      if (e.name === 'shop/redact') expectTypeOf(e.payload).toEqualTypeOf<ShopRedactPayload>();
    });
    r.on('products/create', (e) => {
      expectTypeOf(e.payload).toEqualTypeOf<unknown>();
    });
    r.on('*', (e) => {
      expectTypeOf(e).toEqualTypeOf<WebhookEvent<string, unknown, GenstoreMeta>>();
    });
  });
});

describe('custom schemas extend the event map', () => {
  const product = z.object({ sku: z.string(), price: z.number() });
  const order = z.object({ id: z.number() }).transform((o) => ({ orderId: String(o.id) }));
  const r = createReceiver({
    provider: genstore({ secret: 's', schemas: { 'products/create': product, 'orders/create': order } }),
  });

  it('adds topics with their schema output', () => {
    r.on('products/create', (e) => {
      expectTypeOf(e.payload).toEqualTypeOf<{ sku: string; price: number }>();
      // @ts-expect-error not a field of the product schema
      e.payload.title;
    });
  });

  it('replaces a catalogued topic with the output of the new schema', () => {
    r.on('orders/create', (e) => {
      expectTypeOf(e.payload).toEqualTypeOf<{ orderId: string }>();
    });
  });

  it('keeps every other catalogued topic', () => {
    r.on('customers/redact', (e) => {
      expectTypeOf(e.payload).toEqualTypeOf<CustomersRedactPayload>();
    });
  });

  it('accepts any schema with safeParse, typed by its PayloadSchema parameter', () => {
    const custom: PayloadSchema<{ ok: true }> = { safeParse: () => ({ success: true, data: { ok: true } }) };
    const r2 = createReceiver({ provider: genstore({ secrets: ['a', 'b'], schemas: { 'custom/topic': custom } }) });
    r2.on('custom/topic', (e) => {
      expectTypeOf(e.payload).toEqualTypeOf<{ ok: true }>();
    });
  });
});

describe('exported schemas and options', () => {
  it('the schemas output the exported payload types', () => {
    expectTypeOf<z.output<typeof customersRedactSchema>>().toEqualTypeOf<CustomersRedactPayload>();
    expectTypeOf<z.output<typeof customersDataRequestSchema>>().toEqualTypeOf<CustomersDataRequestPayload>();
    expectTypeOf<z.output<typeof shopRedactSchema>>().toEqualTypeOf<ShopRedactPayload>();
    expectTypeOf<z.output<typeof appUninstalledSchema>>().toEqualTypeOf<AppUninstalledPayload>();
    expectTypeOf<GenstoreEvents['shop/redact']>().toEqualTypeOf<ShopRedactPayload>();
  });

  it('refuses options of the wrong type at compile time', () => {
    // @ts-expect-error a secret is a string
    genstore({ secret: 42 });
    // @ts-expect-error a schema needs safeParse
    genstore({ secret: 's', schemas: { 'orders/create': {} } });
    // @ts-expect-error dedupeKey returns a string
    genstore({ secret: 's', dedupeKey: () => 1 });
  });
});
