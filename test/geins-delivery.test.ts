import { createReceiver, silentLogger } from '@hookinbox/core';
import { type GeinsOptions, geins } from '@hookinbox/geins';
import { geinsDelivery, renderGeinsTemplate } from '@hookinbox/testing';
import { describe, expect, it } from 'vitest';

const SECRET = 'delivery-test-secret';

describe('renderGeinsTemplate', () => {
  it('substitutes text as Geins does: lists comma separated, missing values empty, nothing escaped', () => {
    const template = '{"e":"{{entity}}","id":"{{id}}","s":"{{subEntity}}","n":"{{productName}}"}';
    expect(renderGeinsTemplate(template, { entity: 'Product', id: [12345, 12346], productName: 'A "B"' })).toBe(
      '{"e":"Product","id":"12345,12346","s":"","n":"A "B""}',
    );
  });

  it('renders Url templates the same way', () => {
    expect(renderGeinsTemplate('https://x/n/{{entity}}?action={{action}}', { entity: 'Order', action: 'lock' })).toBe(
      'https://x/n/Order?action=lock',
    );
  });

  it('ignores inherited names', () => {
    expect(renderGeinsTemplate('{{constructor}}|{{toString}}', {})).toBe('|');
  });
});

describe('geinsDelivery', () => {
  it('builds a POST of the quick start body with the secret, idempotency key and timestamp', () => {
    const d = geinsDelivery({ values: { entity: 'Order', action: 'create', id: 1 }, secret: SECRET });
    expect(d.method).toBe('POST');
    expect(d.url).toBe('/webhooks/geins');
    expect(d.body.toString()).toBe('{"entity":"Order","action":"create","id":"1"}');
    expect(d.headers.authorization).toBe(`Bearer ${SECRET}`);
    expect(d.headers['content-type']).toBe('application/json');
    expect(d.headers['x-idempotency-key']).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number.isNaN(Date.parse(d.headers['x-timestamp'] as string))).toBe(false);
    expect(geinsDelivery({ values: {} }).headers['x-idempotency-key']).not.toBe(d.headers['x-idempotency-key']);
  });

  it('keeps only the path and query of the Url, and sends no body for a Url-only webhook', () => {
    const d = geinsDelivery({
      method: 'get',
      urlTemplate: 'https://api.example.com/{{entity}}/{{action}}?id={{id}}',
      values: { entity: 'Brand', action: 'update', id: 9 },
    });
    expect(d).toMatchObject({ method: 'GET', url: '/Brand/update?id=9' });
    expect(d.body.length).toBe(0);
    expect(d.headers).not.toHaveProperty('content-type');
  });

  it('puts the secret in a custom header, or in the query', () => {
    expect(geinsDelivery({ values: {}, secret: SECRET, authHeader: 'X-Secret' }).headers['x-secret']).toBe(SECRET);
    const inQuery = geinsDelivery({ values: {}, secret: SECRET, secretQuery: 'token', urlTemplate: '/h?a=1' });
    expect(inQuery.url).toBe(`/h?a=1&token=${SECRET}`);
    expect(inQuery.headers).not.toHaveProperty('authorization');
  });

  it('leaves out the key and the timestamp on request (a webhook with Retry off)', () => {
    const d = geinsDelivery({ values: {}, idempotencyKey: null, timestamp: null });
    expect(d.headers).not.toHaveProperty('x-idempotency-key');
    expect(d.headers).not.toHaveProperty('x-timestamp');
    const at = geinsDelivery({ values: {}, idempotencyKey: 'k', timestamp: new Date('2024-01-15T10:30:00Z') });
    expect(at.headers).toMatchObject({ 'x-idempotency-key': 'k', 'x-timestamp': '2024-01-15T10:30:00.000Z' });
  });
});

/** Every webhook shape the Geins docs show, rendered by Geins' rules and read back by the provider. */
const documented: {
  title: string;
  options: Partial<GeinsOptions>;
  delivery: Omit<Parameters<typeof geinsDelivery>[0], 'secret'>;
  name: string;
  payload: Record<string, unknown>;
}[] = [
  {
    title: 'quick start body',
    options: {},
    delivery: { values: { entity: 'Order', action: 'complete', id: '12345' } },
    name: 'Order.complete',
    payload: { id: '12345', ids: ['12345'] },
  },
  {
    title: '{"event":"{{entity}}.{{action}}",…}',
    options: { bodyTemplate: '{"event":"{{entity}}.{{action}}","id":"{{id}}","environment":"{{environment}}"}' },
    delivery: {
      bodyTemplate: '{"event":"{{entity}}.{{action}}","id":"{{id}}","environment":"{{environment}}"}',
      values: { entity: 'Customer', action: 'create', id: [5, 6], environment: 'prod' },
    },
    name: 'Customer.create',
    payload: { id: '5,6', ids: ['5', '6'], environment: 'prod' },
  },
  {
    title: '{"productId":"{{id}}","changeType":"{{subEntity}}"} with entity and action in the options',
    options: {
      bodyTemplate: '{"productId":"{{id}}","changeType":"{{subEntity}}"}',
      entity: 'Product',
      action: 'update',
    },
    delivery: {
      bodyTemplate: '{"productId":"{{id}}","changeType":"{{subEntity}}"}',
      values: { entity: 'Product', action: 'update', id: 12345, subEntity: 'stockBalance' },
    },
    name: 'Product.update',
    payload: { id: '12345', subEntity: 'stockBalance' },
  },
  {
    title: '{"order_id":"{{id}}"} with Url …/notifications/{{entity}}?action={{action}}',
    options: {
      bodyTemplate: '{"order_id":"{{id}}"}',
      urlTemplate: 'https://…/notifications/{{entity}}?action={{action}}',
    },
    delivery: {
      bodyTemplate: '{"order_id":"{{id}}"}',
      urlTemplate: 'https://…/notifications/{{entity}}?action={{action}}',
      values: { entity: 'Order', action: 'return', id: 77, returnId: 3 },
    },
    name: 'Order.return',
    payload: { id: '77', raw: { order_id: '77' } },
  },
  {
    title: 'Url https://api.example.com/{{entity}}/{{action}} with {"id":"{{id}}","env":"{{environment}}"}',
    options: {
      urlTemplate: 'https://api.example.com/{{entity}}/{{action}}',
      bodyTemplate: '{"id":"{{id}}","env":"{{environment}}"}',
    },
    delivery: {
      urlTemplate: 'https://api.example.com/{{entity}}/{{action}}',
      bodyTemplate: '{"id":"{{id}}","env":"{{environment}}"}',
      values: { entity: 'Refund', action: 'create', id: 1, environment: 'qa' },
    },
    name: 'Refund.create',
    payload: { id: '1', environment: 'qa' },
  },
  {
    title: 'GET with everything in the Url',
    options: { method: 'GET', urlTemplate: 'https://app.example/geins?entity={{entity}}&action={{action}}&id={{id}}' },
    delivery: {
      method: 'GET',
      urlTemplate: 'https://app.example/geins?entity={{entity}}&action={{action}}&id={{id}}',
      values: { entity: 'Supplier', action: 'delete', id: [1, 2, 3] },
    },
    name: 'Supplier.delete',
    payload: { ids: ['1', '2', '3'], raw: undefined },
  },
];

describe('documented webhooks, end to end through createReceiver().handle()', () => {
  for (const shape of documented) {
    it(`${shape.title} → ${shape.name}`, async () => {
      const receiver = createReceiver({
        provider: geins({ secret: SECRET, logger: silentLogger, ...shape.options } as GeinsOptions),
        ack: { mode: 'after-handlers' },
        logger: silentLogger,
      });
      const received: unknown[] = [];
      receiver.on('*', (event) => void received.push({ name: event.name, payload: event.payload }));
      const response = await receiver.handle(geinsDelivery({ ...shape.delivery, secret: SECRET }));
      expect(response.status).toBe(200);
      expect(received).toEqual([{ name: shape.name, payload: expect.objectContaining(shape.payload) }]);
    });
  }
});
