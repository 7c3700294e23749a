import { describe, expect, it } from 'vitest';
import { genstoreDelivery, genstoreSamples, signGenstore } from './index.js';

// RFC 4231, test case 2.
const RFC_HEX = '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843';

describe('signGenstore', () => {
  it('is base64 HMAC-SHA256 (RFC 4231 vector), for strings and Buffers alike', () => {
    const expected = Buffer.from(RFC_HEX, 'hex').toString('base64');
    expect(signGenstore('what do ya want for nothing?', 'Jefe')).toBe(expected);
    expect(signGenstore(Buffer.from('what do ya want for nothing?'), 'Jefe')).toBe(expected);
  });
});

describe('genstoreDelivery', () => {
  it('builds a signed POST with the topic, JSON content type and the exact body', () => {
    const d = genstoreDelivery({ topic: 'orders/create', payload: { id: 1, title: 'Tröja ✓' }, secret: 's' });
    expect(d.method).toBe('POST');
    expect(d.url).toBe('/webhooks/genstore');
    expect(d.body.equals(Buffer.from('{"id":1,"title":"Tröja ✓"}'))).toBe(true);
    expect(d.headers).toEqual({
      'content-type': 'application/json',
      'x-genstore-topic': 'orders/create',
      'x-genstore-hmac-sha256': signGenstore(d.body, 's'),
    });
  });

  it('sends the optional headers only when given', () => {
    const d = genstoreDelivery({
      topic: 'orders/paid',
      payload: {},
      secret: 's',
      shopDomain: 'demo.genmystore.com',
      webhookId: 'wh-1',
      eventId: 'ev-1',
      apiVersion: '202412',
      triggeredAt: '2024-10-30T16:19:13-04:00',
      url: '/hooks?x=1',
    });
    expect(d.url).toBe('/hooks?x=1');
    expect(d.headers).toMatchObject({
      'x-genstore-shop-domain': 'demo.genmystore.com',
      'x-genstore-webhook-id': 'wh-1',
      'x-genstore-event-id': 'ev-1',
      'x-genstore-api-version': '202412',
      'x-genstore-triggered-at': '2024-10-30T16:19:13-04:00',
    });
  });

  it('signs a verbatim body as given, string or Buffer', () => {
    const bytes = Buffer.from([0x7b, 0x7d, 0xff]);
    const d = genstoreDelivery({ topic: 't', body: bytes, secret: 's' });
    expect(d.body.equals(bytes)).toBe(true);
    expect(d.headers['x-genstore-hmac-sha256']).toBe(signGenstore(bytes, 's'));
    const pretty = '{\n  "a": 1\n}';
    expect(genstoreDelivery({ topic: 't', body: pretty, secret: 's' }).body.toString()).toBe(pretty);
  });

  it('does not share memory with a Buffer body it was given', () => {
    const bytes = Buffer.from('{}');
    const d = genstoreDelivery({ topic: 't', body: bytes, secret: 's' });
    bytes[0] = 0x5b;
    expect(d.body.toString()).toBe('{}');
  });

  it('extra headers replace built ones, in any case, and null removes one', () => {
    const d = genstoreDelivery({
      topic: 'orders/create',
      payload: {},
      secret: 's',
      headers: { 'X-Genstore-Topic': 'orders/paid', 'x-genstore-hmac-sha256': null, 'x-extra': '1' },
    });
    expect(d.headers).toEqual({
      'content-type': 'application/json',
      'X-Genstore-Topic': 'orders/paid',
      'x-extra': '1',
    });
  });

  it('keeps the signed bytes when a JSON encoder serialises the body (supertest), for canonical JSON only', () => {
    const d = genstoreDelivery({ topic: 't', payload: genstoreSamples.ordersCreate, secret: 's' });
    expect(JSON.stringify(d.body)).toBe(d.body.toString('utf8'));
    const pretty = genstoreDelivery({ topic: 't', body: '{ "a": 1 }', secret: 's' });
    expect(JSON.stringify(pretty.body)).toMatch(/^\{"type":"Buffer"/);
    const notJson = genstoreDelivery({ topic: 't', body: 'nope', secret: 's' });
    expect(JSON.stringify(notJson.body)).toMatch(/^\{"type":"Buffer"/);
  });

  it.each([
    ['neither payload nor body', { topic: 't', secret: 's' }, /exactly one of payload or body/],
    ['both payload and body', { topic: 't', secret: 's', payload: {}, body: '{}' }, /exactly one of payload or body/],
    ['a payload JSON cannot encode', { topic: 't', secret: 's', payload: () => 1 }, /no JSON encoding/],
    ['no topic', { secret: 's', payload: {} }, /needs a topic/],
    ['no secret', { topic: 't', payload: {} }, /needs a secret/],
  ])('refuses %s', (_label, options, message) => {
    expect(() => genstoreDelivery(options as never)).toThrow(message);
  });
});

describe('genstoreSamples', () => {
  it('has orders/create, app/uninstalled and both shapes of each compliance topic', () => {
    const g = genstoreSamples;
    expect(g.ordersCreate.id).toBeTypeOf('string');
    expect(g.appUninstalled.uninstalled.shopId).toBe('4022054969604');
    for (const topic of [g.customersDataRequest, g.customersRedact, g.shopRedact]) {
      expect(Object.keys(topic.snake)).toContain('shop_id');
      expect(Object.keys(topic.camel)).toHaveLength(1);
      expect(Object.values(topic.camel)[0]).toHaveProperty('shopId');
    }
  });

  it('are frozen, so one test cannot change another test’s sample', () => {
    expect(Object.isFrozen(genstoreSamples.customersRedact.snake.customer)).toBe(true);
    expect(() => {
      (genstoreSamples.ordersCreate.lineItems as unknown as unknown[]).push({});
    }).toThrow(TypeError);
  });
});
