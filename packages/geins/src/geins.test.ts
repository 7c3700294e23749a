import { HookinboxError, type RawDelivery, sha256Hex } from '@hookinbox/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { geins } from './geins.js';
import type { GeinsOptions } from './options.js';

const SECRET = 'geins-shared-secret-1';
const quiet = { warn: () => {} };

function delivery(overrides: Partial<Omit<RawDelivery, 'body'>> & { body?: Buffer | string } = {}): RawDelivery {
  const { body = '{"entity":"Order","action":"create","id":"12345"}', ...rest } = overrides;
  return {
    method: 'POST',
    url: '/webhooks/geins',
    headers: { authorization: `Bearer ${SECRET}`, 'x-idempotency-key': 'key-1' },
    ...rest,
    body: Buffer.isBuffer(body) ? body : Buffer.from(body),
  };
}

function provider(options: Partial<GeinsOptions> = {}) {
  return geins({ secret: SECRET, logger: quiet, ...options } as GeinsOptions);
}

function refused(run: () => unknown): HookinboxError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(HookinboxError);
    return error as HookinboxError;
  }
  throw new Error('the delivery was accepted');
}

function buildError(options: Partial<GeinsOptions>): string {
  try {
    geins({ logger: quiet, ...options } as GeinsOptions);
  } catch (error) {
    expect(error).toBeInstanceOf(TypeError);
    return (error as Error).message;
  }
  throw new Error('the provider was built');
}

afterEach(() => {
  vi.useRealTimers();
});

describe('geins: documented templates', () => {
  it('reads the quick start default body into Entity.action, id and ids', () => {
    const verified = provider().verify(delivery());
    expect(verified.name).toBe('Order.create');
    expect(verified.payload).toEqual({
      entity: 'Order',
      action: 'create',
      id: '12345',
      ids: ['12345'],
      values: { entity: 'Order', action: 'create', id: '12345' },
      raw: { entity: 'Order', action: 'create', id: '12345' },
    });
  });

  it('reads {"event":"{{entity}}.{{action}}","id":"{{id}}","environment":"{{environment}}"}', () => {
    const p = provider({
      bodyTemplate: '{"event":"{{entity}}.{{action}}","id":"{{id}}","environment":"{{environment}}"}',
    });
    const verified = p.verify(delivery({ body: '{"event":"Customer.obfuscate","id":"77","environment":"prod"}' }));
    expect(verified.name).toBe('Customer.obfuscate');
    expect(verified.payload).toMatchObject({
      entity: 'Customer',
      action: 'obfuscate',
      ids: ['77'],
      environment: 'prod',
    });
    expect(verified.meta.environment).toBe('prod');
  });

  it('reads {"productId":"{{id}}","changeType":"{{subEntity}}"} with entity and action fixed in the options', () => {
    const p = provider({
      bodyTemplate: '{"productId":"{{id}}","changeType":"{{subEntity}}"}',
      entity: 'Product',
      action: 'update',
    });
    const price = p.verify(delivery({ body: '{"productId":"12345","changeType":"price"}' }));
    expect(price.name).toBe('Product.update');
    expect(price.payload).toMatchObject({ id: '12345', ids: ['12345'], subEntity: 'price' });
    // Empty when the whole product changed: absent, so `if (payload.subEntity)` reads naturally.
    const whole = p.verify(delivery({ body: '{"productId":"12345","changeType":""}' }));
    expect(whole.payload).not.toHaveProperty('subEntity');
    expect((whole.payload as { values: Record<string, string> }).values.subEntity).toBe('');
  });

  it('reads {"order_id":"{{id}}"} with Url https://…/notifications/{{entity}}?action={{action}}', () => {
    const p = provider({
      bodyTemplate: '{"order_id":"{{id}}"}',
      urlTemplate: 'https://…/notifications/{{entity}}?action={{action}}',
    });
    const verified = p.verify(delivery({ url: '/notifications/Order?action=cancelrow', body: '{"order_id":"900"}' }));
    expect(verified.name).toBe('Order.cancelrow');
    expect(verified.payload).toMatchObject({ id: '900', ids: ['900'], raw: { order_id: '900' } });
  });

  it('reads Url https://api.example.com/{{entity}}/{{action}} with body {"id":"{{id}}","env":"{{environment}}"}', () => {
    const p = provider({
      urlTemplate: 'https://api.example.com/{{entity}}/{{action}}',
      bodyTemplate: '{"id":"{{id}}","env":"{{environment}}"}',
    });
    const verified = p.verify(delivery({ url: '/Brand/delete', body: '{"id":"3","env":"test"}' }));
    expect(verified.name).toBe('Brand.delete');
    expect(verified.payload).toMatchObject({ id: '3', environment: 'test' });
  });

  it('reads a GET webhook with everything in the Url and no body', () => {
    const p = provider({
      method: 'GET',
      urlTemplate: 'https://app.example/hooks/{{entity}}?action={{action}}&id={{id}}&account={{account}}',
    });
    const verified = p.verify(
      delivery({ method: 'GET', url: '/hooks/Capture?action=create&id=5&account=acme', body: Buffer.alloc(0) }),
    );
    expect(verified.name).toBe('Capture.create');
    expect(verified.payload).toMatchObject({ id: '5', account: 'acme', raw: undefined });
    expect(verified.meta.account).toBe('acme');
  });

  it('turns a {{id}} comma list into ids and keeps the raw text in id', () => {
    const verified = provider().verify(
      delivery({ body: '{"entity":"Product","action":"delete","id":"12345, 12346,"}' }),
    );
    expect(verified.payload).toMatchObject({ id: '12345, 12346,', ids: ['12345', '12346'] });
  });

  it('gives an empty id list when the templates have no {{id}}', () => {
    const p = provider({ bodyTemplate: '{"e":"{{entity}}","a":"{{action}}"}' });
    expect(p.verify(delivery({ body: '{"e":"Brand","a":"create"}' })).payload).toMatchObject({ id: '', ids: [] });
  });
});

describe('geins: routing names', () => {
  it('spells documented entities and actions the documented way', () => {
    const verified = provider().verify(delivery({ body: '{"entity":"order","action":"CANCELROW","id":"1"}' }));
    expect(verified.name).toBe('Order.cancelrow');
  });

  it('routes unknown entities and actions as sent (forward-compatible)', () => {
    const verified = provider().verify(delivery({ body: '{"entity":"GiftCard","action":"redeem","id":"1"}' }));
    expect(verified.name).toBe('GiftCard.redeem');
  });

  it('exposes every placeholder by name, undocumented ones included', () => {
    const p = provider({
      bodyTemplate: '{"e":"{{entity}}","a":"{{action}}","p":"{{paymentName}}","x":"{{newThing}}"}',
    });
    const verified = p.verify(delivery({ body: '{"e":"Refund","a":"create","p":"Klarna","x":"42"}' }));
    expect(verified.payload).toMatchObject({
      paymentName: 'Klarna',
      values: { entity: 'Refund', action: 'create', paymentName: 'Klarna', newThing: '42' },
    });
  });

  // Authentic deliveries the templates cannot read are parked (the receiver keeps them and answers 200), not refused:
  // Geins would resend the same rendering until it gives up. `unprocessable` says why; the dedupe key still holds.
  const unprocessable = (d: ReturnType<typeof delivery>, p = provider()) => {
    const verified = p.verify(d);
    expect(verified.payload).toBeUndefined();
    expect(verified.dedupeKey).toMatch(/^geins:/);
    return verified.unprocessable;
  };

  it('parks an empty entity, or one that is not a name', () => {
    expect(unprocessable(delivery({ body: '{"entity":"","action":"create","id":"1"}' }))).toBe(
      '{{entity}} is empty in this delivery',
    );
    expect(unprocessable(delivery({ body: '{"entity":"Order.x","action":"create","id":"1"}' }))).toBe(
      '{{entity}} is not a name (letters, digits, _ or -)',
    );
  });

  it('parks a body that does not match the Body template (the merchant edited it in Geins)', () => {
    expect(unprocessable(delivery({ body: '{"order_id":"1"}' }))).toBe(
      'the body does not match the Body template: $.entity is missing',
    );
  });

  it('parks a body that is not JSON, and an empty one', () => {
    expect(unprocessable(delivery({ body: '{"entity":' }))).toBe('the body is not valid JSON');
    expect(unprocessable(delivery({ body: '' }))).toContain('the body is empty');
  });

  it('parks a delivery with a placeholder that has two different values', () => {
    const p = provider({
      urlTemplate: '/hooks/{{entity}}',
      bodyTemplate: '{"entity":"{{entity}}","action":"{{action}}"}',
    });
    expect(unprocessable(delivery({ url: '/hooks/Order', body: '{"entity":"Brand","action":"create"}' }), p)).toBe(
      '{{entity}} has different values in one delivery',
    );
  });

  it('parks a delivery whose URL does not match the Url template', () => {
    const p = provider({ urlTemplate: '/n/{{entity}}?action={{action}}' });
    expect(unprocessable(delivery({ url: '/n/Order', body: '' }), p)).toBe(
      'the request URL does not match the Url template: the query parameter "action" is missing',
    );
  });

  it('an unauthenticated delivery is refused before the templates are read, even one they cannot read', () => {
    const forged = delivery({ body: '{"order_id":"1"}' });
    delete forged.headers.authorization;
    expect(() => provider().verify(forged)).toThrow(HookinboxError);
  });
});

describe('geins: method', () => {
  it('refuses a method the webhook is not configured with (405, allow header)', () => {
    const error = refused(() => provider().verify(delivery({ method: 'GET' })));
    expect(error.code).toBe('method_not_allowed');
    expect(error.status).toBe(405);
    expect(error.headers).toEqual({ allow: 'POST' });
  });

  it('accepts the configured methods in any case', () => {
    const p = provider({ method: ['put', 'POST'] });
    expect(p.verify(delivery({ method: 'PUT' })).name).toBe('Order.create');
    expect(refused(() => p.verify(delivery({ method: 'DELETE' }))).headers).toEqual({ allow: 'PUT, POST' });
  });
});

describe('geins: authentication (security)', () => {
  it('security: refuses a missing authorization header with 401 unauthorized', () => {
    const error = refused(() => provider().verify(delivery({ headers: {} })));
    expect(error.code).toBe('unauthorized');
    expect(error.status).toBe(401);
  });

  it('security: refuses a wrong secret with 401 and does not echo it', () => {
    const error = refused(() => provider().verify(delivery({ headers: { authorization: 'Bearer guessed-secret' } })));
    expect(error.code).toBe('unauthorized');
    expect(error.message).not.toContain('guessed-secret');
  });

  it('security: refuses the right secret without the Bearer scheme in authorization', () => {
    expect(refused(() => provider().verify(delivery({ headers: { authorization: SECRET } }))).code).toBe(
      'unauthorized',
    );
  });

  it('security: refuses a secret that is only a prefix or an extension of the real one', () => {
    for (const sent of [SECRET.slice(0, -1), `${SECRET}x`, `Bearer ${SECRET}`]) {
      const error = refused(() => provider().verify(delivery({ headers: { authorization: `Bearer ${sent}` } })));
      expect(error.code).toBe('unauthorized');
    }
  });

  it('accepts the Bearer scheme in any case', () => {
    expect(provider().verify(delivery({ headers: { authorization: `bearer ${SECRET}` } })).name).toBe('Order.create');
  });

  it('security: rotation accepts any configured secret, says which, and refuses a wrong one among several', () => {
    const p = geins({ secrets: ['new-secret', SECRET], logger: quiet });
    expect(p.verify(delivery()).meta.secretIndex).toBe(1);
    expect(p.verify(delivery({ headers: { authorization: 'Bearer new-secret' } })).meta.secretIndex).toBe(0);
    expect(refused(() => p.verify(delivery({ headers: { authorization: 'Bearer old-secret' } }))).code).toBe(
      'unauthorized',
    );
  });

  it('security: a custom header carries the raw secret; the authorization header is then not enough', () => {
    const p = provider({ secretHeader: 'X-Webhook-Secret' });
    expect(p.verify(delivery({ headers: { 'x-webhook-secret': SECRET } })).name).toBe('Order.create');
    expect(refused(() => p.verify(delivery())).message).toBe(
      '@hookinbox/geins: the x-webhook-secret header is missing',
    );
    expect(refused(() => p.verify(delivery({ headers: { 'x-webhook-secret': 'nope' } }))).code).toBe('unauthorized');
  });

  it('security: a secret in the Url query is checked, missing or wrong gives 401', () => {
    const p = provider({ secretQuery: 'token' });
    expect(p.verify(delivery({ url: `/webhooks/geins?token=${SECRET}`, headers: {} })).name).toBe('Order.create');
    expect(refused(() => p.verify(delivery({ url: '/webhooks/geins' }))).message).toBe(
      '@hookinbox/geins: the "token" query parameter is missing',
    );
    expect(refused(() => p.verify(delivery({ url: '/webhooks/geins?token=wrong' }))).code).toBe('unauthorized');
  });

  it('security: authentication comes before the body is parsed (garbage body, no secret → 401, not 400)', () => {
    const error = refused(() => provider().verify(delivery({ headers: {}, body: 'not json at all' })));
    expect(error.code).toBe('unauthorized');
  });

  it('security: authentication comes before the Url is read back', () => {
    const p = provider({ urlTemplate: '/n/{{entity}}?action={{action}}' });
    expect(refused(() => p.verify(delivery({ url: '/elsewhere', headers: {} }))).code).toBe('unauthorized');
  });

  it('security: auth: false must be explicit and logs a warning when built', () => {
    expect(buildError({})).toContain('or auth: false to accept unauthenticated deliveries');
    const warn = vi.fn();
    const p = geins({ auth: false, logger: { warn } });
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]?.[1]).toContain('authentication is off');
    expect(p.verify(delivery({ headers: {} })).meta).not.toHaveProperty('secretIndex');
  });

  it('security: warns on the console by default when auth is off', () => {
    const spy = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      geins({ auth: false });
      expect(spy).toHaveBeenCalledWith(expect.stringContaining('@hookinbox/geins: authentication is off'));
    } finally {
      spy.mockRestore();
    }
  });
});

describe('geins: dedupe key and timestamp', () => {
  it('uses x-Idempotency-Key sent in mixed case (the core lower-cases header names)', () => {
    // verify() receives lower-case names from the core; here the casing Geins documents is lower-cased as Node does.
    const headers = Object.fromEntries(
      Object.entries({ Authorization: `Bearer ${SECRET}`, 'x-Idempotency-Key': '550e8400-e29b' }).map(([k, v]) => [
        k.toLowerCase(),
        v,
      ]),
    );
    const verified = provider().verify(delivery({ headers }));
    expect(verified.dedupeKey).toBe('geins:key:550e8400-e29b');
    expect(verified.meta.idempotencyKey).toBe('550e8400-e29b');
  });

  it('gives the same key to every retry of one event, whatever the body', () => {
    const p = provider();
    const a = p.verify(delivery());
    const b = p.verify(delivery({ body: '{"entity":"Order","action":"create","id":"12345" }' }));
    expect(a.dedupeKey).toBe(b.dedupeKey);
  });

  it('hashes a key too long to store as is', () => {
    const long = 'k'.repeat(500);
    const verified = provider().verify(
      delivery({ headers: { authorization: `Bearer ${SECRET}`, 'x-idempotency-key': long } }),
    );
    expect(verified.dedupeKey).toBe(`geins:key-sha256:${sha256Hex(long)}`);
    expect(verified.meta.idempotencyKey).toBe(long);
  });

  it('without a key, hashes method, path, query, timestamp and body', () => {
    const p = provider();
    const headers = { authorization: `Bearer ${SECRET}`, 'x-timestamp': '2024-01-15T10:30:00Z' };
    const body = '{"entity":"Order","action":"create","id":"1"}';
    const verified = p.verify(delivery({ url: '/webhooks/geins?a=1', headers, body }));
    expect(verified.dedupeKey).toBe(
      `geins:sha256:${sha256Hex('POST', '/webhooks/geins', 'a=1', '2024-01-15T10:30:00Z', Buffer.from(body))}`,
    );
    // The same request again is the same event; another body, query or time is another.
    expect(p.verify(delivery({ url: '/webhooks/geins?a=1', headers, body })).dedupeKey).toBe(verified.dedupeKey);
    const keys = [
      p.verify(delivery({ url: '/webhooks/geins?a=2', headers, body })).dedupeKey,
      p.verify(delivery({ url: '/webhooks/geins?a=1', headers, body: body.replace('"1"', '"2"') })).dedupeKey,
      p.verify(
        delivery({ url: '/webhooks/geins?a=1', headers: { ...headers, 'x-timestamp': '2024-01-15T10:40:00Z' }, body }),
      ).dedupeKey,
    ];
    expect(new Set([verified.dedupeKey, ...keys]).size).toBe(4);
  });

  it('warns once when deliveries carry neither key nor timestamp', () => {
    const warn = vi.fn();
    const p = geins({ secret: SECRET, logger: { warn } });
    p.verify(delivery({ headers: { authorization: `Bearer ${SECRET}` } }));
    p.verify(delivery({ headers: { authorization: `Bearer ${SECRET}` } }));
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]?.[1]).toContain('without x-idempotency-key and x-timestamp');
  });

  it('exposes x-timestamp raw and as a date', () => {
    const headers = { authorization: `Bearer ${SECRET}`, 'x-timestamp': '2024-01-15T10:30:00Z' };
    const { meta } = provider().verify(delivery({ headers }));
    expect(meta.timestamp).toBe('2024-01-15T10:30:00Z');
    expect(meta.timestampDate?.toISOString()).toBe('2024-01-15T10:30:00.000Z');
    const odd = provider().verify(delivery({ headers: { ...headers, 'x-timestamp': 'yesterday' } })).meta;
    expect(odd.timestamp).toBe('yesterday');
    expect(odd).not.toHaveProperty('timestampDate');
  });

  it('accepts old deliveries by default: a Geins retry may come 30 minutes late', () => {
    vi.useFakeTimers({ now: new Date('2024-01-15T12:00:00Z') });
    const headers = { authorization: `Bearer ${SECRET}`, 'x-timestamp': '2024-01-15T10:30:00Z' };
    expect(provider().verify(delivery({ headers })).name).toBe('Order.create');
  });

  it('security: refuses a stale delivery (400 stale_delivery) when maxAgeMs is set', () => {
    vi.useFakeTimers({ now: new Date('2024-01-15T11:00:00Z') });
    const p = provider({ maxAgeMs: 45 * 60_000 });
    const at = (t: string) => ({ authorization: `Bearer ${SECRET}`, 'x-timestamp': t });
    expect(p.verify(delivery({ headers: at('2024-01-15T10:20:00Z') })).name).toBe('Order.create');
    const stale = refused(() => p.verify(delivery({ headers: at('2024-01-15T10:10:00Z') })));
    expect(stale.code).toBe('stale_delivery');
    expect(stale.status).toBe(400);
    expect(refused(() => p.verify(delivery({ headers: at('soon') }))).code).toBe('stale_delivery');
    expect(refused(() => p.verify(delivery({ headers: { authorization: `Bearer ${SECRET}` } }))).code).toBe(
      'missing_header',
    );
  });

  it('security: a stale-looking delivery without the secret is refused as unauthorized first', () => {
    vi.useFakeTimers({ now: new Date('2024-01-15T11:00:00Z') });
    const p = provider({ maxAgeMs: 60_000 });
    expect(refused(() => p.verify(delivery({ headers: { 'x-timestamp': '2000-01-01T00:00:00Z' } }))).code).toBe(
      'unauthorized',
    );
  });
});

describe('geins: building', () => {
  it('refuses templates from which the entity or action cannot be learnt', () => {
    expect(buildError({ secret: SECRET, bodyTemplate: '{"id":"{{id}}"}' })).toContain(
      "nothing in them says the entity. Add {{entity}} to the Body or Url template, or fix it in the options (entity: 'Product')",
    );
    expect(buildError({ secret: SECRET, bodyTemplate: '{"id":"{{id}}"}', entity: 'Product' })).toContain(
      'nothing in them says the action',
    );
    expect(
      buildError({ secret: SECRET, urlTemplate: 'https://{{entity}}.example.com/x?a={{action}}', bodyTemplate: '{}' }),
    ).toContain('has {{entity}} in its host, which the request does not show');
  });

  it('refuses an entity option the templates already read', () => {
    expect(buildError({ secret: SECRET, entity: 'Order' })).toContain(
      'the templates already hold {{entity}}, so the entity option would be ignored',
    );
  });

  it('refuses a template that cannot be read back, showing where', () => {
    const message = buildError({ secret: SECRET, bodyTemplate: '{"event":"{{entity}}{{action}}"}' });
    expect(message).toContain('the Body template cannot be read back');
    expect(message).toContain('at position 20');
  });

  it('refuses invalid options with their path', () => {
    expect(buildError({ secret: '' })).toBe('@hookinbox/geins: invalid options: secret: must not be empty');
    expect(buildError({ secret: SECRET, secrets: [SECRET] })).toContain('pass either secret or secrets');
    expect(buildError({ auth: false, secret: SECRET })).toContain('auth: false accepts deliveries without a secret');
    expect(buildError({ secret: SECRET, secretHeader: 'x-a', secretQuery: 'token' })).toContain(
      'pass one of secretHeader and secretQuery',
    );
    expect(buildError({ secret: 'a b/c', secretQuery: 'token' })).toContain('a secret sent in the Url must use only');
    expect(buildError({ secret: ' padded' })).toContain('must not start or end with whitespace');
    expect(buildError({ secret: SECRET, method: 'PO ST' })).toContain('method.0: must be an HTTP method');
    expect(buildError({ secret: SECRET, typo: true } as Partial<GeinsOptions>)).toContain('typo');
  });

  it('lists the placeholders it reads back', () => {
    expect([...provider().placeholders].sort()).toEqual(['action', 'entity', 'id']);
  });

  it('warns about a handler that can never run when the entity is fixed', () => {
    const warn = vi.fn();
    const p = geins({
      secret: SECRET,
      logger: { warn },
      bodyTemplate: '{"a":"{{action}}","id":"{{id}}"}',
      entity: 'Product',
    });
    p.checkHandlers(['Product.update', 'Product.*', '*', '*.delete', 'Product.someday', 'Order.create']);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]?.[1]).toContain('the handler for "Order.create" never runs');
  });
});

describe('geins: redact (what a dead letter keeps)', () => {
  it('drops the authorization header, keeps the rest, and an authenticated replay of it verifies', () => {
    const p = provider();
    const d = delivery();
    const kept = p.redact(d);
    expect(kept.headers.authorization).toBeUndefined();
    expect(kept.headers['x-idempotency-key']).toBe('key-1');
    expect(Buffer.from(kept.body).equals(d.body)).toBe(true);
    expect(() => p.verify(kept)).toThrow(HookinboxError);
    expect(p.verify(kept, { authenticated: true })).toMatchObject({
      name: 'Order.create',
      dedupeKey: 'geins:key:key-1',
    });
  });

  it('drops the secret query parameter (and any other place that holds a secret), keeping other parameters in order', () => {
    const p = provider({ secretQuery: 'token' });
    const d = delivery({
      url: `/hooks?a=1&token=${SECRET}&b=2&copy=${encodeURIComponent(SECRET)}`,
      headers: { 'x-copy': `x ${SECRET}`, 'x-idempotency-key': 'key-2' },
    });
    const kept = p.redact(d);
    expect(kept.url).toBe('/hooks?a=1&b=2');
    expect(kept.headers['x-copy']).toBeUndefined();
    expect(JSON.stringify(kept)).not.toContain(SECRET);
  });

  it('with auth off there is nothing to redact', () => {
    const p = provider({ auth: false, secret: undefined } as unknown as GeinsOptions);
    const d = delivery();
    expect(p.redact(d)).toBe(d);
  });
});
