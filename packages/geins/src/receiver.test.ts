import { createReceiver, type RawDelivery, silentLogger } from '@hookinbox/core';
import { describe, expect, it, vi } from 'vitest';
import { geins } from './geins.js';
import { subEntity } from './sub-entity.js';

const SECRET = 'receiver-test-secret';

function delivery(body: string, headers: Record<string, string> = {}): RawDelivery {
  return {
    method: 'POST',
    url: '/webhooks/geins',
    headers: { authorization: `Bearer ${SECRET}`, ...headers },
    body: Buffer.from(body),
  };
}

const order = (action: string, id = '1') => `{"entity":"Order","action":"${action}","id":"${id}"}`;

describe('geins through createReceiver().handle()', () => {
  it('a retry with the same x-Idempotency-Key after the first succeeded calls the handler once', async () => {
    const receiver = createReceiver({ provider: geins({ secret: SECRET }), logger: silentLogger });
    const handler = vi.fn();
    receiver.on('Order.create', handler);
    // Geins spells the header x-Idempotency-Key; the core lower-cases names before the provider sees them.
    const first = await receiver.handle(delivery(order('create'), { 'x-Idempotency-Key': 'evt-1' }));
    expect(first.status).toBe(200);
    // Immediate mode answers before the handler runs: wait until it has run and the event is marked done.
    await vi.waitFor(() => expect(receiver.stats()).toMatchObject({ handled: 1, inFlight: 0 }));
    const retry = await receiver.handle(delivery(order('create'), { 'X-IDEMPOTENCY-KEY': 'evt-1' }));
    expect(retry.status).toBe(200);
    expect(JSON.parse(retry.body)).toEqual({ ok: true, duplicate: true });
    await receiver.close();
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it('a retry of an event whose handler failed (after-handlers, 500, claim released) is processed', async () => {
    const receiver = createReceiver({
      provider: geins({ secret: SECRET }),
      ack: { mode: 'after-handlers' },
      retry: { attempts: 1 },
      logger: silentLogger,
    });
    let calls = 0;
    receiver.on('Order.create', () => {
      calls++;
      if (calls === 1) throw new Error('database down');
    });
    const first = await receiver.handle(delivery(order('create'), { 'x-idempotency-key': 'evt-2' }));
    expect(first.status).toBe(500);
    expect(JSON.parse(first.body)).toMatchObject({ error: { code: 'handler_failed' } });
    const retry = await receiver.handle(delivery(order('create'), { 'x-idempotency-key': 'evt-2' }));
    expect(retry.status).toBe(200);
    expect(calls).toBe(2);
    const again = await receiver.handle(delivery(order('create'), { 'x-idempotency-key': 'evt-2' }));
    expect(JSON.parse(again.body)).toEqual({ ok: true, duplicate: true });
    expect(calls).toBe(2);
  });

  it('security: a delivery without the secret is answered 401 and reaches no handler', async () => {
    const receiver = createReceiver({ provider: geins({ secret: SECRET }), logger: silentLogger });
    const handler = vi.fn();
    receiver.on('*', handler);
    const response = await receiver.handle({ ...delivery(order('create')), headers: {} });
    expect(response.status).toBe(401);
    expect(JSON.parse(response.body)).toMatchObject({ error: { code: 'unauthorized' } });
    await receiver.close();
    expect(handler).not.toHaveBeenCalled();
  });

  it('routes Entity.action to exact names and to Order.*, *.delete and * patterns', async () => {
    const receiver = createReceiver({ provider: geins({ secret: SECRET }), logger: silentLogger });
    const seen: string[] = [];
    receiver.on('Order.create', (e) => void seen.push(`exact ${e.name} ${e.payload.ids.join('+')}`));
    receiver.on('Order.*', (e) => void seen.push(`Order.* ${e.name}`));
    receiver.on('*.delete', (e) => void seen.push(`*.delete ${e.name}`));
    receiver.on('*', (e) => void seen.push(`* ${e.name}`));
    await receiver.handle(delivery(order('create', '7,8'), { 'x-idempotency-key': 'a' }));
    await receiver.handle(delivery('{"entity":"Brand","action":"delete","id":"3"}', { 'x-idempotency-key': 'b' }));
    await receiver.handle(delivery('{"entity":"Voucher","action":"expire","id":"4"}', { 'x-idempotency-key': 'c' }));
    await receiver.close();
    expect(seen.sort()).toEqual(
      [
        'exact Order.create 7+8',
        'Order.* Order.create',
        '* Order.create',
        '*.delete Brand.delete',
        '* Brand.delete',
        '* Voucher.expire',
      ].sort(),
    );
  });

  it('subEntity() lets only the named sub-entities reach the handler', async () => {
    const provider = geins({
      secret: SECRET,
      bodyTemplate: '{"productId":"{{id}}","changeType":"{{subEntity}}"}',
      entity: 'Product',
      action: 'update',
    });
    const receiver = createReceiver({ provider, logger: silentLogger });
    const prices: string[] = [];
    const all: string[] = [];
    receiver.on('Product.update', (e) => void prices.push(`${e.payload.id}:${e.payload.subEntity}`), {
      where: subEntity('price', 'purchasePrice'),
    });
    receiver.on('Product.update', (e) => void all.push(e.payload.subEntity ?? 'whole'));
    const send = (body: string, key: string) => receiver.handle(delivery(body, { 'x-idempotency-key': key }));
    await send('{"productId":"1","changeType":"price"}', 'p1');
    await send('{"productId":"2","changeType":"stockBalance"}', 'p2');
    await send('{"productId":"3","changeType":"PurchasePrice"}', 'p3');
    await send('{"productId":"4","changeType":""}', 'p4');
    await receiver.close();
    expect(prices).toEqual(['1:price', '3:PurchasePrice']);
    expect(all.sort()).toEqual(['PurchasePrice', 'price', 'stockBalance', 'whole'].sort());
  });

  it('subEntity() fails loudly when the templates have no {{subEntity}}, instead of never matching', async () => {
    const onDeadLetter = vi.fn();
    const receiver = createReceiver({
      provider: geins({ secret: SECRET }),
      logger: silentLogger,
      retry: { attempts: 1 },
      hooks: { onDeadLetter },
    });
    const handler = vi.fn();
    receiver.on('Product.update', handler, { where: subEntity('price') });
    await receiver.handle(delivery('{"entity":"Product","action":"update","id":"1"}', { 'x-idempotency-key': 'x' }));
    await receiver.close();
    expect(handler).not.toHaveBeenCalled();
    expect(onDeadLetter).toHaveBeenCalledTimes(1);
    const error = onDeadLetter.mock.calls[0]?.[0].failures[0].error as Error;
    expect(error.message).toContain('the webhook templates have no {{subEntity}} placeholder');
  });

  it('subEntity() needs at least one name', () => {
    expect(() => (subEntity as (...names: string[]) => unknown)()).toThrow('needs one or more sub-entity names');
  });
  it.each([
    ['the default Body template', {}, '{"entity":"Order","action":"create","id":"7"}'],
    [
      'a Body template with entity and action fixed',
      { bodyTemplate: '{"order_id":"{{id}}"}', entity: 'Order', action: 'create' },
      '{"order_id":"7"}',
    ],
  ])('a body with a leading UTF-8 byte order mark is read once authenticated (%s)', async (_name, options, text) => {
    const receiver = createReceiver({
      provider: geins({ secret: SECRET, ...options }),
      logger: silentLogger,
      ack: { mode: 'after-handlers' },
    });
    const seen: string[][] = [];
    receiver.on('Order.create', (event) => void seen.push(event.payload.ids));
    const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]);
    const res = await receiver.handle({ ...delivery(''), body });
    expect(res.status).toBe(200);
    expect(seen).toEqual([['7']]);
    await receiver.close();
  });
});
