import { createHmac } from 'node:crypto';
import { HookinboxError, type RawDelivery } from '@hookinbox/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { genstore as makeGenstore } from './genstore.js';
import type { GenstoreOptions } from './options.js';
import type { GenstoreSchemas } from './topics.js';
import { GENSTORE_TOPICS } from './topics.js';

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

const SECRET = 'client-secret-1';
const BODY = '{"id":4022054969604,"note":"Grüße ✓"}';

const sign = (body: string | Buffer, secret = SECRET) => createHmac('sha256', secret).update(body).digest('base64');

function delivery(
  overrides: { body?: string | Buffer; headers?: Record<string, string | undefined>; method?: string } = {},
) {
  const body = Buffer.from(overrides.body ?? BODY);
  const headers: Record<string, string | undefined> = {
    'content-type': 'application/json',
    'x-genstore-topic': 'orders/create',
    'x-genstore-hmac-sha256': sign(body),
    ...overrides.headers,
  };
  for (const key of Object.keys(headers)) if (headers[key] === undefined) delete headers[key];
  return { method: overrides.method ?? 'POST', url: '/webhooks/genstore', headers, body } satisfies RawDelivery;
}

function refusal(run: () => unknown): HookinboxError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(HookinboxError);
    return error as HookinboxError;
  }
  throw new Error('expected the delivery to be refused');
}

describe('genstore() verification', () => {
  const provider = genstore({ secret: SECRET });

  it('accepts a correctly signed delivery and parses the body', () => {
    const verified = provider.verify(delivery());
    expect(verified.name).toBe('orders/create');
    expect(verified.payload).toEqual({ id: 4022054969604, note: 'Grüße ✓' });
    expect(verified.meta).toEqual({ secretIndex: 0 });
  });

  it('missing signature header → 401 missing_signature', () => {
    const error = refusal(() => provider.verify(delivery({ headers: { 'x-genstore-hmac-sha256': undefined } })));
    expect(error.code).toBe('missing_signature');
    expect(error.status).toBe(401);
    expect(error.message).toMatch(/^@hookinbox\/genstore: /);
  });

  it('empty signature header → 401 missing_signature', () => {
    expect(refusal(() => provider.verify(delivery({ headers: { 'x-genstore-hmac-sha256': '' } }))).code).toBe(
      'missing_signature',
    );
  });

  it('wrong signature → 401 invalid_signature, and the message leaks neither signature nor secret', () => {
    const expected = sign(BODY);
    const wrong = sign(BODY, 'another-secret');
    const error = refusal(() => provider.verify(delivery({ headers: { 'x-genstore-hmac-sha256': wrong } })));
    expect(error.code).toBe('invalid_signature');
    expect(error.status).toBe(401);
    expect(error.message).not.toContain(expected);
    expect(error.message).not.toContain(wrong);
    expect(error.message).not.toContain(SECRET);
  });

  it('truncated signature → 401 invalid_signature', () => {
    const sig = sign(BODY);
    for (const truncated of [sig.slice(0, 43 - 4), sig.slice(0, 10), sig.slice(0, 1)]) {
      expect(refusal(() => provider.verify(delivery({ headers: { 'x-genstore-hmac-sha256': truncated } }))).code).toBe(
        'invalid_signature',
      );
    }
  });

  it('signature that is not base64 → 401 invalid_signature', () => {
    const hex = createHmac('sha256', SECRET).update(BODY).digest('hex');
    for (const value of [hex, 'not base64 at all!', '====']) {
      expect(refusal(() => provider.verify(delivery({ headers: { 'x-genstore-hmac-sha256': value } }))).code).toBe(
        'invalid_signature',
      );
    }
  });

  it('tampered body → 401 invalid_signature', () => {
    const tampered = delivery({ headers: { 'x-genstore-hmac-sha256': sign(BODY) }, body: BODY.replace('✓', '✗') });
    expect(refusal(() => provider.verify(tampered)).code).toBe('invalid_signature');
  });

  it('body re-encoded after signing (whitespace added) → 401 invalid_signature', () => {
    const reencoded = JSON.stringify(JSON.parse(BODY), null, 2);
    const d = delivery({ headers: { 'x-genstore-hmac-sha256': sign(BODY) }, body: reencoded });
    expect(refusal(() => provider.verify(d)).code).toBe('invalid_signature');
  });

  it('wrong secret among several → 401; the right secret among several is accepted with its index', () => {
    const rotating = genstore({ secrets: ['new-secret', 'old-secret'] });
    const bySecret = (secret: string) => delivery({ headers: { 'x-genstore-hmac-sha256': sign(BODY, secret) } });
    expect(refusal(() => rotating.verify(bySecret('unrelated-secret'))).code).toBe('invalid_signature');
    expect(rotating.verify(bySecret('new-secret')).meta.secretIndex).toBe(0);
    expect(rotating.verify(bySecret('old-secret')).meta.secretIndex).toBe(1);
  });

  it('checks the signature before the topic and the body', () => {
    const unsigned = delivery({
      headers: { 'x-genstore-hmac-sha256': undefined, 'x-genstore-topic': undefined },
      body: 'nope',
    });
    expect(refusal(() => provider.verify(unsigned)).code).toBe('missing_signature');
    const badlySigned = delivery({
      headers: { 'x-genstore-hmac-sha256': sign('other'), 'x-genstore-topic': undefined },
      body: 'nope',
    });
    expect(refusal(() => provider.verify(badlySigned)).code).toBe('invalid_signature');
  });

  it('missing topic → 400 missing_header (after a valid signature)', () => {
    for (const topic of [undefined, '', '   ']) {
      const error = refusal(() => provider.verify(delivery({ headers: { 'x-genstore-topic': topic } })));
      expect(error.code).toBe('missing_header');
      expect(error.status).toBe(400);
      expect(error.message).toContain('x-genstore-topic');
    }
  });

  // Authentic but unreadable: the receiver parks it (keeps it, answers 200), since Genstore would resend the same bytes.
  it('non-JSON body after a valid signature and topic: unprocessable, with the reason, keyed like any delivery', () => {
    for (const body of ['not json', '{"open":', '']) {
      const verified = provider.verify(delivery({ body, headers: { 'x-genstore-hmac-sha256': sign(body) } }));
      expect(verified.unprocessable).toBe('the body is not valid JSON');
      expect(verified.payload).toBeUndefined();
      expect(verified.name).toBe('orders/create');
      expect(verified.dedupeKey).toMatch(/^genstore:hmac:orders\/create:/);
    }
  });

  it('a body nested absurdly deep: unprocessable, never parsed', () => {
    const body = `${'['.repeat(100)}${']'.repeat(100)}`;
    const verified = provider.verify(delivery({ body, headers: { 'x-genstore-hmac-sha256': sign(body) } }));
    expect(verified.unprocessable).toBe('the body is nested deeper than 64 levels');
  });

  it('a body that is not JSON and not signed is refused (401), never parked', () => {
    const forged = delivery({ body: 'not json', headers: { 'x-genstore-hmac-sha256': sign('something else') } });
    expect(refusal(() => provider.verify(forged)).code).toBe('invalid_signature');
  });

  it('drops __proto__ keys from the parsed body', () => {
    const body = '{"__proto__":{"polluted":true},"id":1}';
    const verified = provider.verify(delivery({ body, headers: { 'x-genstore-hmac-sha256': sign(body) } }));
    expect(verified.payload).toEqual({ id: 1 });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('methods other than POST → 405 method_not_allowed with an Allow header', () => {
    for (const method of ['GET', 'PUT', 'DELETE', 'HEAD']) {
      const error = refusal(() => provider.verify(delivery({ method })));
      expect(error.code).toBe('method_not_allowed');
      expect(error.status).toBe(405);
      expect(error.headers).toEqual({ allow: 'POST' });
    }
    expect(provider.verify(delivery({ method: 'post' })).name).toBe('orders/create');
  });

  it('routes a topic that is not in the catalogue', () => {
    const verified = provider.verify(delivery({ headers: { 'x-genstore-topic': 'products/create' } }));
    expect(verified.name).toBe('products/create');
    expect(provider.schemaFor('products/create')).toBeUndefined();
  });

  it('uses the first value of a header sent twice', () => {
    const d = delivery();
    const headers = { ...d.headers, 'x-genstore-topic': ['orders/paid', 'orders/create'] };
    expect(provider.verify({ ...d, headers }).name).toBe('orders/paid');
  });
});

describe('genstore() meta', () => {
  const provider = genstore({ secret: SECRET });

  it('carries every documented header on meta', () => {
    const verified = provider.verify(
      delivery({
        headers: {
          'x-genstore-shop-domain': 'demo.genmystore.com',
          'x-genstore-webhook-id': 'wh-1',
          'x-genstore-event-id': 'ev-1',
          'x-genstore-api-version': '202412',
          'x-genstore-triggered-at': '2024-10-30T16:19:13-04:00',
        },
      }),
    );
    expect(verified.meta).toEqual({
      shopDomain: 'demo.genmystore.com',
      webhookId: 'wh-1',
      eventId: 'ev-1',
      apiVersion: '202412',
      triggeredAt: '2024-10-30T16:19:13-04:00',
      secretIndex: 0,
    });
  });

  it('requires none of them', () => {
    const meta = provider.verify(delivery()).meta;
    expect(Object.keys(meta)).toEqual(['secretIndex']);
  });
});

describe('genstore() dedupe key', () => {
  const provider = genstore({ secret: SECRET });
  const ids = { 'x-genstore-webhook-id': 'wh-1', 'x-genstore-event-id': 'ev-1' };

  it("is the topic and the body's HMAC (its first half), whatever the unsigned id headers say", () => {
    const key = provider.verify(delivery()).dedupeKey;
    expect(key).toBe(`genstore:hmac:orders/create:${sign(BODY).slice(0, 22)}`);
    expect(provider.verify(delivery({ headers: ids })).dedupeKey).toBe(key);
  });

  it('a captured delivery resent with a fresh webhook id or event id gets the same key (a duplicate)', () => {
    const first = provider.verify(delivery({ headers: ids })).dedupeKey;
    const resent = provider.verify(
      delivery({ headers: { 'x-genstore-webhook-id': 'wh-fresh', 'x-genstore-event-id': 'ev-fresh' } }),
    ).dedupeKey;
    expect(resent).toBe(first);
  });

  it('a retry signed with any configured secret: the key follows the signing secret', () => {
    const rotating = genstore({ secrets: ['new-secret', SECRET] });
    const byOld = rotating.verify(delivery()).dedupeKey;
    expect(byOld).toBe(provider.verify(delivery()).dedupeKey);
    const byNew = rotating.verify(delivery({ headers: { 'x-genstore-hmac-sha256': sign(BODY, 'new-secret') } }));
    expect(byNew.dedupeKey).not.toBe(byOld);
  });

  it('other bytes are another event; the same bytes under another topic too (one order, created and paid)', () => {
    const key = provider.verify(delivery()).dedupeKey;
    const otherTopic = provider.verify(delivery({ headers: { 'x-genstore-topic': 'orders/paid' } })).dedupeKey;
    const otherBody = '{"id":2}';
    const otherBytes = provider.verify(
      delivery({ body: otherBody, headers: { 'x-genstore-hmac-sha256': sign(otherBody) } }),
    ).dedupeKey;
    expect(new Set([key, otherTopic, otherBytes]).size).toBe(3);
  });

  it('option dedupeKey overrides all of them and receives the delivery and topic', () => {
    const seen: [RawDelivery, string][] = [];
    const custom = genstore({
      secret: SECRET,
      dedupeKey: (d, topic) => {
        seen.push([d, topic]);
        return `mine:${topic}:${d.body.length}`;
      },
    });
    const d = delivery({ headers: ids });
    expect(custom.verify(d).dedupeKey).toBe(`mine:orders/create:${Buffer.byteLength(BODY)}`);
    expect(seen).toEqual([[d, 'orders/create']]);
  });

  it('option dedupeKey returning no key → internal_error', () => {
    const broken = genstore({ secret: SECRET, dedupeKey: () => '' });
    expect(refusal(() => broken.verify(delivery())).code).toBe('internal_error');
  });
});

describe('genstore() schemas', () => {
  it('has a schema for every catalogued topic and none for unknown or inherited names', () => {
    const provider = genstore({ secret: SECRET });
    for (const topic of GENSTORE_TOPICS) expect(provider.schemaFor(topic)?.safeParse).toBeTypeOf('function');
    for (const name of ['products/create', 'constructor', '__proto__', 'toString']) {
      expect(provider.schemaFor(name)).toBeUndefined();
    }
  });

  it('catalogued object topics keep every field and refuse non-objects', () => {
    const schema = genstore({ secret: SECRET }).schemaFor('orders/create')!;
    expect(schema.safeParse({ id: 1, line_items: [{ sku: 'A' }] })).toEqual({
      success: true,
      data: { id: 1, line_items: [{ sku: 'A' }] },
    });
    expect(schema.safeParse([1]).success).toBe(false);
    expect(schema.safeParse('order').success).toBe(false);
  });

  it('option schemas replaces a catalogued schema and adds new topics', () => {
    const order = z.object({ id: z.number() });
    const product = z.object({ sku: z.string() });
    const provider = genstore({ secret: SECRET, schemas: { 'orders/create': order, 'products/create': product } });
    expect(provider.schemaFor('orders/create')).toBe(order);
    expect(provider.schemaFor('products/create')).toBe(product);
    expect(provider.schemaFor('orders/update')).toBeDefined();
  });
});

describe('genstore() options', () => {
  it('is named genstore', () => {
    expect(genstore({ secret: SECRET }).name).toBe('genstore');
  });

  it.each([
    ['no secret', {}, /exactly one of secret or secrets/],
    ['both secret and secrets', { secret: 'a', secrets: ['b'] }, /exactly one of secret or secrets/],
    ['an undefined secret (unset env variable)', { secret: undefined as unknown as string }, /exactly one/],
    ['a non-string secret', { secret: 42 as unknown as string }, /secret: must be a string/],
    ['an empty secret', { secret: '' }, /secret: must not be empty/],
    ['an empty secrets list', { secrets: [] }, /secrets: must hold at least one secret/],
    ['an empty string among secrets', { secrets: ['a', ''] }, /secrets\.1: must not be empty/],
    ['a secret with a trailing newline (.env)', { secret: 'abc\n' }, /secret: has whitespace or a line break/],
    ['a secret with leading spaces', { secret: '  abc' }, /secret: has whitespace or a line break/],
    ['a secret with a CRLF among secrets', { secrets: ['abc', 'def\r\n'] }, /secrets\.1: has whitespace/],
    ['a schema without safeParse', { secret: 'a', schemas: { 'orders/create': {} } }, /schemas\.orders\/create/],
    ['a dedupeKey that is not a function', { secret: 'a', dedupeKey: 'webhook-id' }, /dedupeKey: must be a function/],
    ['a misspelt option', { secret: 'a', requireComplianceHandler: true }, /requireComplianceHandler/],
  ])('refuses %s with a TypeError naming the option', (_label, options, message) => {
    expect(() => genstore(options as never)).toThrow(TypeError);
    expect(() => genstore(options as never)).toThrow(message);
    expect(() => genstore(options as never)).toThrow(/^@hookinbox\/genstore: invalid options: /);
  });

  it('names a badly padded secret without ever showing it', () => {
    const secret = 'sup3r-s3cret-value';
    let message = '';
    try {
      genstore({ secrets: ['other-secret', `${secret}\n`] });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/secrets\.1: has whitespace or a line break at its start or end/);
    expect(message).not.toContain(secret);
    expect(message).not.toContain('other-secret');
  });
});
