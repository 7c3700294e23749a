import { createReceiver, type RawDelivery, silentLogger, type WebhookEvent } from '@hookinbox/core';
import {
  applyGeinsSync,
  createGeinsAdminClient,
  defineGeinsWebhook,
  type GeinsAdminClient,
  type GeinsRenderedDelivery,
  planGeinsSync,
} from '@hookinbox/geins';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type PlatformServer, startPlatformServer } from './fixtures/platform-server.js';

const auth = { apiKey: 'k', username: 'u', password: 'p' };
let server: PlatformServer;
let client: GeinsAdminClient;
beforeEach(async () => {
  server = await startPlatformServer({ geins: auth });
  client = createGeinsAdminClient({ ...auth, baseUrl: server.url });
});
afterEach(() => server.close());

const products = defineGeinsWebhook({
  name: 'app: product changes',
  entity: 'Product',
  actions: ['update', 'delete'],
  url: 'https://app.example/webhooks/geins/{{entity}}?action={{action}}',
  body: '{"productId":"{{id}}","changeType":"{{subEntity}}"}',
  secret: { header: 'authorization', value: 'Bearer s3cret-token' },
});

/** What Geins does with a registered webhook: replace placeholders in its Url, Body and Headers as plain text. */
function renderFromRegistration(
  record: { Url: string; Body: string | null; Headers: string | null; Method: string },
  values: Record<string, string>,
): GeinsRenderedDelivery {
  const fill = (t: string) => t.replace(/\{\{(\w+)\}\}/g, (_, n: string) => values[n] ?? '');
  const headers: Record<string, string> = { 'x-idempotency-key': 'k-1', 'x-timestamp': '2024-01-15T10:30:00Z' };
  for (const line of (record.Headers ?? '').split('\n').filter(Boolean)) {
    const i = line.indexOf(':');
    headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return {
    method: record.Method,
    url: fill(record.Url),
    headers,
    body: record.Body === null ? undefined : fill(record.Body),
  };
}

function toRaw(delivery: GeinsRenderedDelivery): RawDelivery {
  const url = new URL(delivery.url);
  return {
    method: delivery.method,
    url: `${url.pathname}${url.search}`,
    headers: delivery.headers,
    body: Buffer.from(delivery.body ?? ''),
  };
}

function receiverFor(definition: typeof products, patterns = ['Product.update', 'Product.delete']) {
  const seen: { pattern: string; event: WebhookEvent<string, any, any> }[] = [];
  const receiver = createReceiver({
    provider: definition.provider(),
    ack: { mode: 'after-handlers' },
    logger: silentLogger,
  });
  for (const pattern of patterns) {
    receiver.on(pattern, (event) => {
      seen.push({ pattern, event });
    });
  }
  return { receiver, seen };
}

describe('defineGeinsWebhook: one definition, both sides', () => {
  it('registers through sync, and a delivery rendered from the registration reaches the right handler', async () => {
    await applyGeinsSync(client, await planGeinsSync(client, { definitions: [products] }));
    const [stored] = [...server.geins.values()];
    expect(stored).toMatchObject({
      Entity: 7,
      Name: 'app: product changes',
      Actions: 'update,delete',
      Method: 'POST',
      Url: 'https://app.example/webhooks/geins/{{entity}}?action={{action}}',
      Body: '{"productId":"{{id}}","changeType":"{{subEntity}}"}',
      Headers: 'Authorization: Bearer s3cret-token',
      Retry: true,
    });

    const { receiver, seen } = receiverFor(products);
    const delivery = renderFromRegistration(stored!, {
      entity: 'Product',
      action: 'delete',
      id: '12345,12346',
      subEntity: 'price',
    });
    const response = await receiver.handle(toRaw(delivery));

    expect(response.status).toBe(200);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.pattern).toBe('Product.delete');
    expect(seen[0]?.event.payload).toMatchObject({ entity: 'Product', action: 'delete', ids: ['12345', '12346'] });
    expect(seen[0]?.event.payload.subEntity).toBe('price');
    expect(seen[0]?.event.meta.idempotencyKey).toBe('k-1');
  });

  it('render() produces what the receiver accepts; a wrong secret is refused with 401', async () => {
    const { receiver, seen } = receiverFor(products);
    const ok = await receiver.handle(toRaw(products.render({ action: 'update', id: '7' })));
    expect(ok.status).toBe(200);
    expect(seen.map((s) => `${s.pattern} ${s.event.payload.id}`)).toEqual(['Product.update 7']);

    const forged = products.render({ action: 'update', id: '8' });
    forged.headers.authorization = 'Bearer guessed';
    const refused = await receiver.handle(toRaw(forged));
    expect(refused.status).toBe(401);
    expect(seen).toHaveLength(1);
  });

  it('a query secret goes into the registered Url and is what the receiver checks', async () => {
    const orders = defineGeinsWebhook({
      name: 'app: orders',
      entity: 'Order',
      actions: ['create'],
      url: 'https://app.example/webhooks/geins',
      body: '{"order_id":"{{id}}"}',
      secret: { query: 'token', value: 'q-secret_1' },
    });
    expect(orders.toManagementPayload()).toMatchObject({
      Url: 'https://app.example/webhooks/geins?token=q-secret_1',
      Actions: 'create',
      Entity: 'Order',
    });
    expect(orders.toManagementPayload()).not.toHaveProperty('Headers');
    // Neither {{entity}} nor {{action}} is in the templates: the definition fixes both for the provider.
    expect(orders.toProviderOptions()).toMatchObject({ entity: 'Order', action: 'create', secretQuery: 'token' });

    const { receiver, seen } = receiverFor(orders, ['Order.create']);
    expect((await receiver.handle(toRaw(orders.render({ id: '991' })))).status).toBe(200);
    expect(seen.map((s) => `${s.pattern} ${s.event.payload.id}`)).toEqual(['Order.create 991']);

    const noToken = orders.render({ id: '992' });
    noToken.url = noToken.url.replace('?token=q-secret_1', '');
    expect((await receiver.handle(toRaw(noToken))).status).toBe(401);
  });

  it('defaults: quick start body, POST, Retry on; a bare token becomes a Bearer header', () => {
    const d = defineGeinsWebhook({
      name: 'n',
      entity: 'order',
      actions: ['create', 'complete'],
      url: 'https://app.example/hooks',
      secret: { header: 'Authorization', value: 'plain-token' },
    });
    expect(d.toManagementPayload()).toEqual({
      Entity: 'Order',
      Name: 'n',
      Actions: 'create,complete',
      Method: 'POST',
      Url: 'https://app.example/hooks',
      Body: '{"entity":"{{entity}}","action":"{{action}}","id":"{{id}}"}',
      Headers: 'Authorization: Bearer plain-token',
      Retry: true,
    });
    expect(d.toProviderOptions()).toMatchObject({ secret: 'plain-token', secretHeader: 'authorization' });
    expect(d.toProviderOptions()).not.toHaveProperty('entity');
  });

  it('refuses definitions the receiver could not tell apart or that Geins does not offer', () => {
    const base = {
      name: 'n',
      entity: 'Order',
      url: 'https://app.example/hooks',
      secret: { header: 'x-webhook-secret', value: 's' },
    };
    expect(() => defineGeinsWebhook({ ...base, actions: ['create', 'cancel'], body: '{"id":"{{id}}"}' })).toThrow(
      /several actions.*\{\{action\}\}/,
    );
    expect(() => defineGeinsWebhook({ ...base, actions: ['notify'] })).toThrow(/Order has no action notify/);
    expect(() => defineGeinsWebhook({ ...base, entity: 'Basket', actions: ['create'] })).toThrow(/entity/);
    expect(() => defineGeinsWebhook({ ...base, actions: ['create'], url: '/relative' })).toThrow(/full public URL/);
    expect(() =>
      defineGeinsWebhook({ ...base, actions: ['create'], secret: { header: 'x-s', value: 'a\r\nInjected: 1' } }),
    ).toThrow(/line breaks/);
  });

  it('a synced definition stays unchanged on the next plan (no drift between payload and comparison)', async () => {
    await applyGeinsSync(client, await planGeinsSync(client, { definitions: [products] }));
    const writes = server.writes().length;
    const again = await planGeinsSync(client, { definitions: [products] });
    expect(again.unchanged.map((w) => w.Name)).toEqual(['app: product changes']);
    expect(again.create.length + again.update.length).toBe(0);
    expect(server.writes()).toHaveLength(writes);
  });
});
