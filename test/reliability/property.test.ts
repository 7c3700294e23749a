import { randomBytes } from 'node:crypto';
import { Agent } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createReceiver,
  ERROR_CODES,
  type Provider,
  parseJsonSafe,
  type Receiver,
  type ReceiverOptions,
  silentLogger,
} from '@hookinbox/core';
import { webhooks } from '@hookinbox/express';
import { hookinbox } from '@hookinbox/fastify';
import { geins } from '@hookinbox/geins';
import { computeGenstoreSignature, GENSTORE_TOPICS, genstore } from '@hookinbox/genstore';
import express from 'express';
import fc from 'fast-check';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { send, type TestRequest, type TestResponse, trackingStore, watchUnexpectedErrors } from './support.js';

/**
 * Generated requests against both adapters with both providers. Each case is checked against an oracle that knows
 * only the platforms' rules (an HMAC over the raw bytes; a shared secret after `Bearer`), not the code under test.
 *
 * 4 × RUNS cases per CI run; raise HOOKINBOX_PROPERTY_RUNS to search longer.
 */
const RUNS = Number(process.env.HOOKINBOX_PROPERTY_RUNS ?? 2_500);

const GENSTORE_SECRET = 'gs-client-secret-7d1f0c';
const GEINS_SECRET = 'geins-shared-secret-5b2e9a';
const ATTEMPTS = 2;

// Node's client refuses CR, LF and NUL in a header value; everything else a sender can put on the wire is fair game.
const headerChar = fc
  .oneof(
    { weight: 6, arbitrary: fc.integer({ min: 0x20, max: 0x7e }) },
    { weight: 2, arbitrary: fc.integer({ min: 0x80, max: 0xff }) },
    { weight: 1, arbitrary: fc.constant(0x09) },
  )
  .map((c) => String.fromCharCode(c));
const headerValue = fc.oneof(
  { weight: 8, arbitrary: fc.string({ unit: headerChar, maxLength: 80 }) },
  { weight: 1, arbitrary: fc.constant('') },
  { weight: 1, arbitrary: fc.string({ unit: headerChar, minLength: 500, maxLength: 3_000 }) },
);
const interestingNames = [
  'content-type',
  'x-genstore-topic',
  'x-genstore-hmac-sha256',
  'x-genstore-webhook-id',
  'x-genstore-event-id',
  'x-genstore-shop-domain',
  'authorization',
  'x-idempotency-key',
  'x-timestamp',
  'x-forwarded-for',
  'accept-encoding',
];
const headerName = fc.oneof(fc.constantFrom(...interestingNames), fc.stringMatching(/^x-[a-z0-9-]{1,12}$/));
const headers = fc.dictionary(
  headerName,
  fc.oneof(headerValue, fc.array(headerValue, { minLength: 2, maxLength: 3 })),
  {
    maxKeys: 6,
  },
);
const safeText = fc.string({ unit: 'grapheme', maxLength: 12 });
const query = fc.oneof(
  { weight: 3, arbitrary: fc.constant('') },
  {
    weight: 3,
    arbitrary: fc
      .array(fc.tuple(safeText, safeText), { maxLength: 4 })
      .map((pairs) => `?${pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&')}`),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom('?%zz', '?&&==&', '?a=%E0%A4%A', `?token=${GEINS_SECRET}`, '?__proto__[x]=1', '?'),
  },
);
const body = fc.oneof(
  fc.uint8Array({ maxLength: 600 }).map((b) => Buffer.from(b)),
  fc.json().map((s) => Buffer.from(s)),
  fc.string({ unit: 'grapheme', maxLength: 200 }).map((s) => Buffer.from(s)),
);
const routingPart = fc.oneof(
  fc.constantFrom('Order', 'Product', 'customer', 'ORDER', 'Capture', 'PageWidget'),
  fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/),
);
const action = fc.oneof(
  fc.constantFrom('create', 'update', 'delete', 'cancelrow', 'Passwordreset'),
  fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/),
);
const topic = fc.oneof(
  fc.constantFrom(...GENSTORE_TOPICS),
  fc.stringMatching(/^[a-z]{1,10}\/[a-z_]{1,14}$/),
  fc.constantFrom('constructor', '__proto__', 'toString', 'orders/créate'),
);

const caseArb = fc.record({
  kind: fc.oneof(
    { weight: 3, arbitrary: fc.constant('arbitrary' as const) },
    { weight: 2, arbitrary: fc.constant('tampered' as const) },
    { weight: 4, arbitrary: fc.constant('authentic' as const) },
    { weight: 1, arbitrary: fc.constant('signed-odd-body' as const) },
  ),
  route: fc.constantFrom('now' as const, 'wait' as const),
  method: fc.oneof(
    { weight: 5, arbitrary: fc.constant('POST') },
    { weight: 3, arbitrary: fc.constantFrom('GET', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD', 'PROPFIND') },
  ),
  query,
  headers,
  body,
  json: fc.jsonValue({ maxDepth: 4 }),
  topic,
  entity: routingPart,
  action,
  id: fc.stringMatching(/^[0-9A-Za-z]{0,8}(,[0-9A-Za-z]{1,8}){0,2}$/),
  withKey: fc.boolean(),
  nameCase: fc.constantFrom('lower' as const, 'upper' as const, 'title' as const),
  authVariant: fc.nat(5),
  tamper: fc.nat(7),
  authGuess: fc.nat(3),
  fail: fc.oneof({ weight: 19, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  resend: fc.boolean(),
});
type Case = typeof caseArb extends fc.Arbitrary<infer T> ? T : never;

interface Built {
  req: TestRequest;
  /** The generator guarantees this one is authentic and well-formed: it must be handled. */
  valid: boolean;
  /** The topic or Entity.action the handler should see, when valid. */
  expectName?: string;
  /** The payload the handler should see, when valid and the provider applies no schema. */
  expectPayload?: unknown;
}

interface ProviderKit {
  name: 'genstore' | 'geins';
  provider: () => Provider<any, any>;
  build(c: Case, nonce: string): Built;
  /** The oracle: would the platform's own rules call this request authentic? */
  authentic(req: TestRequest): boolean;
  /** Whether the handler should throw for this event (a marker the builder put in the payload). */
  failing(payload: unknown): boolean;
}

const recase = (name: string, style: Case['nameCase']) =>
  style === 'lower'
    ? name
    : style === 'upper'
      ? name.toUpperCase()
      : name.replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => dash + c.toUpperCase());

const single = (value: string | string[] | undefined) => (typeof value === 'string' ? value : undefined);
const header = (req: TestRequest, name: string) => {
  const key = Object.keys(req.headers).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : req.headers[key];
};
/** Arbitrary extra headers, minus the ones this provider authenticates with (those the case sets on purpose). */
const extras = (c: Case, skip: readonly string[]) =>
  Object.fromEntries(Object.entries(c.headers).filter(([name]) => !skip.includes(name)));

const genstoreProvider = genstore({ secret: GENSTORE_SECRET });
const genstoreKit: ProviderKit = {
  name: 'genstore',
  provider: () => genstore({ secret: GENSTORE_SECRET }),
  authentic(req) {
    const sig = single(header(req, 'x-genstore-hmac-sha256'));
    return (
      req.method.toUpperCase() === 'POST' &&
      sig !== undefined &&
      sig.trim() === computeGenstoreSignature(req.body, GENSTORE_SECRET)
    );
  },
  failing: (payload) => (payload as { fail?: unknown } | null)?.fail === true,
  build(c, nonce) {
    const sign = (b: Buffer, secret = GENSTORE_SECRET) => computeGenstoreSignature(b, secret);
    if (c.kind === 'arbitrary') {
      const guess = [randomBytes(32).toString('base64'), sign(c.body).slice(0, -4), undefined, 'not base64 !'][
        c.authGuess
      ];
      const h: TestRequest['headers'] = { 'x-genstore-topic': c.topic, ...c.headers };
      if (guess !== undefined && !('x-genstore-hmac-sha256' in c.headers)) h['x-genstore-hmac-sha256'] = guess;
      return { req: { method: c.method, url: `/hooks/${c.route}${c.query}`, headers: h, body: c.body }, valid: false };
    }
    const payload = c.fail ? { nonce, fail: true } : { nonce, data: c.json };
    const bytes = c.kind === 'signed-odd-body' ? c.body : Buffer.from(JSON.stringify(payload));
    const h: Record<string, string | string[]> = {
      ...extras(c, ['x-genstore-hmac-sha256', 'x-genstore-topic', 'x-genstore-webhook-id', 'x-genstore-event-id']),
      [recase('x-genstore-topic', c.nameCase)]: c.topic,
      [recase('x-genstore-hmac-sha256', c.nameCase)]: sign(bytes),
    };
    if (c.withKey) h['x-genstore-webhook-id'] = `wh-${nonce}`;
    const req: TestRequest = { method: 'POST', url: `/hooks/${c.route}${c.query}`, headers: h, body: bytes };
    if (c.kind === 'tampered') {
      const sigName = recase('x-genstore-hmac-sha256', c.nameCase);
      const flipped = Buffer.from(bytes);
      flipped[c.tamper % flipped.length] = (flipped[c.tamper % flipped.length] as number) ^ 0x01;
      switch (c.tamper) {
        case 0:
          req.body = flipped;
          break;
        case 1:
          h[sigName] = sign(bytes, `${GENSTORE_SECRET}x`);
          break;
        case 2:
          h[sigName] = sign(bytes).slice(0, -6);
          break;
        case 3:
          h[sigName] = computeHex(bytes);
          break;
        case 4:
          delete h[sigName];
          break;
        case 5:
          req.method = c.method === 'POST' ? 'PUT' : c.method;
          break;
        case 6:
          req.body = Buffer.concat([bytes, Buffer.from(' ')]);
          break;
        default:
          h[sigName] = sign(Buffer.concat([Buffer.from(c.topic), bytes]));
      }
      return { req, valid: false };
    }
    if (c.kind === 'signed-odd-body') return { req, valid: false };
    // Content-type and other extras may be anything; only the topic's schema decides whether the handler runs.
    const schema = genstoreProvider.schemaFor(c.topic);
    return {
      req,
      valid: true,
      expectName: c.topic,
      // What the body means to the documented parse: polluting keys dropped, -0 written as 0, integers beyond 2^53 kept
      // as strings.
      ...(schema === undefined ? { expectPayload: documented(JSON.stringify(payload)) } : {}),
    };
  },
};

function documented(text: string): unknown {
  const parsed = parseJsonSafe(text);
  if (!parsed.ok) throw new Error(`the generated body is not JSON: ${parsed.reason}`);
  return parsed.value;
}

function computeHex(b: Buffer) {
  return Buffer.from(computeGenstoreSignature(b, GENSTORE_SECRET), 'base64').toString('hex');
}

const BEARER_VARIANTS = [
  `Bearer ${GEINS_SECRET}`,
  `bearer ${GEINS_SECRET}`,
  `BEARER\t${GEINS_SECRET}`,
  `Bearer   ${GEINS_SECRET}`,
  ` Bearer ${GEINS_SECRET} `,
  `Bearer ${GEINS_SECRET}`,
];
const geinsKit: ProviderKit = {
  name: 'geins',
  provider: () => geins({ secret: GEINS_SECRET, logger: silentLogger }),
  authentic(req) {
    const auth = single(header(req, 'authorization'))?.trim();
    const match = auth === undefined ? null : /^Bearer[ \t]+(.*)$/is.exec(auth);
    return req.method.toUpperCase() === 'POST' && match?.[1] === GEINS_SECRET;
  },
  failing: (payload) => (payload as { id?: string }).id?.startsWith('fail') === true,
  build(c, nonce) {
    const url = `/hooks/${c.route}${c.query}`;
    if (c.kind === 'arbitrary') {
      const guess = [`Bearer ${randomBytes(12).toString('hex')}`, GEINS_SECRET, undefined, `Basic ${GEINS_SECRET}`][
        c.authGuess
      ];
      const h: TestRequest['headers'] = { ...c.headers };
      if (guess !== undefined && !('authorization' in c.headers)) h.authorization = guess;
      return { req: { method: c.method, url, headers: h, body: c.body }, valid: false };
    }
    const id = `${c.fail ? 'fail' : 'n'}${nonce}${c.id ? `,${c.id}` : ''}`;
    const bytes =
      c.kind === 'signed-odd-body' ? c.body : Buffer.from(JSON.stringify({ entity: c.entity, action: c.action, id }));
    const authName = recase('authorization', c.nameCase);
    const h: Record<string, string | string[]> = {
      ...extras(c, ['authorization', 'x-idempotency-key', 'x-timestamp']),
      [authName]: BEARER_VARIANTS[c.authVariant] as string,
      'x-timestamp': new Date().toISOString(),
    };
    if (c.withKey) h[recase('x-idempotency-key', c.nameCase)] = `key-${nonce}`;
    const req: TestRequest = { method: 'POST', url, headers: h, body: bytes };
    if (c.kind === 'tampered') {
      switch (c.tamper) {
        case 0:
          h[authName] = `Bearer ${GEINS_SECRET}x`;
          break;
        case 1:
          h[authName] = `Bearer ${GEINS_SECRET.slice(0, -1)}`;
          break;
        case 2:
          h[authName] = GEINS_SECRET;
          break;
        case 3:
          h[authName] = `Basic ${GEINS_SECRET}`;
          break;
        case 4:
          delete h[authName];
          h['x-webhook-secret'] = GEINS_SECRET;
          break;
        case 5:
          req.method = c.method === 'POST' ? 'PUT' : c.method;
          break;
        case 6:
          delete h[authName];
          req.url = `${url}${url.includes('?') ? '&' : '?'}token=${GEINS_SECRET}`;
          break;
        default:
          h[authName] = 'Bearer';
      }
      return { req, valid: false };
    }
    if (c.kind === 'signed-odd-body') return { req, valid: false };
    // No Geins rule limits the other headers, so a valid delivery keeps only the ones that cannot change routing.
    return { req, valid: true, expectName: `${c.entity}.${c.action}` };
  },
};

interface AdapterKit {
  name: 'express' | 'fastify';
  /** Methods that reach hookinbox at all (others are the framework's 404). */
  reaches(method: string): boolean;
  start(routes: Record<string, Receiver<any, any>>): Promise<{
    request(req: TestRequest): Promise<TestResponse>;
    close(): Promise<void>;
  }>;
}

const expressKit: AdapterKit = {
  name: 'express',
  reaches: () => true,
  async start(routes) {
    const app = express();
    for (const [path, receiver] of Object.entries(routes)) app.use(path, webhooks(receiver));
    const server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    const port = (server.address() as AddressInfo).port;
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    return {
      request: (req) => send(port, req, { agent }),
      async close() {
        agent.destroy();
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      },
    };
  },
};

const fastifyKit: AdapterKit = {
  name: 'fastify',
  reaches: (method) => method === 'POST',
  async start(routes) {
    const app = Fastify();
    for (const [path, receiver] of Object.entries(routes)) await app.register(hookinbox, { path, receiver });
    await app.ready();
    return {
      async request(req) {
        const res = await app.inject({
          method: req.method as 'POST',
          url: req.url,
          headers: req.headers,
          payload: req.body,
        });
        return { status: res.statusCode, headers: res.headers as TestResponse['headers'], text: res.body };
      },
      close: () => app.close(),
    };
  },
};

const hookinboxCodes = new Set(Object.keys(ERROR_CODES));
/** Statuses a framework may answer with itself, before hookinbox sees the request (never 5xx). */
const frameworkStatuses = new Set([400, 404, 405, 413, 415, 431]);

const unexpected = watchUnexpectedErrors();

const waitForIdle = async (receivers: Receiver<any, any>[]) => {
  const deadline = performance.now() + 5_000;
  while (receivers.some((r) => r.stats().inFlight > 0)) {
    if (performance.now() > deadline) throw new Error('handlers still running 5 s after the answer');
    await new Promise((resolve) => setImmediate(resolve));
  }
};

describe.each([
  ['express', 'genstore', expressKit, genstoreKit],
  ['express', 'geins', expressKit, geinsKit],
  ['fastify', 'genstore', fastifyKit, genstoreKit],
  ['fastify', 'geins', fastifyKit, geinsKit],
] as const)('generated requests: %s × %s', (_a, _p, adapter, kit) => {
  it('generated cases: no handler call without authentication, no 5xx, no crash, no leaked claim; authentic deliveries handled exactly once', async () => {
    const calls: { id: string; name: string; payload: unknown }[] = [];
    const invalid: string[] = [];
    const stores = { now: trackingStore(), wait: trackingStore() };
    const make = (route: 'now' | 'wait', ack: ReceiverOptions['ack']) => {
      const receiver = createReceiver({
        provider: kit.provider(),
        store: stores[route].store,
        ...(ack ? { ack } : {}),
        retry: { attempts: ATTEMPTS, minDelayMs: 0, maxDelayMs: 0 },
        logger: silentLogger,
        hooks: { onInvalid: (info) => invalid.push(info.event.id) },
      });
      receiver.on('*', (event) => {
        calls.push({ id: event.id, name: event.name, payload: event.payload });
        if (kit.failing(event.payload)) throw new Error('handler refuses this one (test marker)');
      });
      return receiver;
    };
    const receivers = {
      now: make('now', undefined),
      wait: make('wait', { mode: 'after-handlers', timeoutMs: 4_000 }),
    };
    const server = await adapter.start({ '/hooks/now': receivers.now, '/hooks/wait': receivers.wait });
    let n = 0;
    let handledValid = 0;
    try {
      await fc.assert(
        fc.asyncProperty(caseArb, async (c) => {
          const nonce = `${process.pid}-${++n}`;
          const { req, valid, expectName, expectPayload } = kit.build(c, nonce);
          const authentic = kit.authentic(req);
          const store = stores[c.route];
          const before = calls.length;
          const claimsBefore = store.claims();
          const invalidBefore = invalid.length;

          const res = await server.request(req);
          await waitForIdle([receivers.now, receivers.wait]);
          const made = calls.slice(before);
          const madeInvalid = invalid.length - invalidBefore;

          // Never a 5xx, except a deliberately failing handler's documented 500 in after-handlers mode.
          const threw = made.length > 0 && kit.failing(made[0]?.payload);
          const failedOnPurpose = authentic && threw && c.route === 'wait' && res.status === 500;
          if (res.status >= 500 && !failedOnPurpose) {
            expect(res.status).toBe(503);
            expect(JSON.parse(res.text).error.code).toMatch(/^(store_unavailable|closing)$/);
          }
          // Every answer from hookinbox is JSON with a stable code; frameworks may refuse first with a 4xx.
          if (req.method !== 'HEAD' && adapter.reaches(req.method.toUpperCase())) {
            const parsed = JSON.parse(res.text);
            if (res.status < 300) expect(parsed.ok).toBe(true);
            else if (parsed.error?.code !== undefined) {
              expect(hookinboxCodes.has(parsed.error.code)).toBe(true);
              expect(ERROR_CODES[parsed.error.code as keyof typeof ERROR_CODES]).toBe(res.status);
              if (failedOnPurpose) expect(parsed.error.code).toBe('handler_failed');
            } else expect(frameworkStatuses.has(res.status)).toBe(true);
          }

          if (!authentic) {
            expect(res.status).toBeGreaterThanOrEqual(400);
            expect(res.status).toBeLessThan(500);
            expect(made).toEqual([]);
            expect(madeInvalid).toBe(0);
            // Refused before the dedupe store: a flood of forgeries costs no store round trip.
            expect(store.claims()).toBe(claimsBefore);
          } else if (res.status >= 300 && !failedOnPurpose) {
            expect(made).toEqual([]);
          } else if (res.status < 300 && res.text.includes('"parked"')) {
            // Authentic but not processable (it failed its schema, or the provider cannot read the body): parked in
            // the dead-letter sink, no handler call.
            expect(made).toEqual([]);
          } else if (res.status < 300 && !res.text.includes('"duplicate"')) {
            // An authentic, new delivery: its handler ran (ATTEMPTS times when it kept failing), or its payload
            // failed the topic's schema and went to onInvalid instead.
            const expected = threw && c.route === 'now' ? ATTEMPTS : 1;
            expect(made.length + madeInvalid).toBe(madeInvalid === 1 ? 1 : expected);
            expect(new Set(made.map((m) => m.id)).size).toBeLessThanOrEqual(1);
          }
          if (valid) {
            expect(authentic).toBe(true);
            if (c.fail && c.route === 'wait' && madeInvalid === 0) {
              // The handler failed within the deadline: 500, and the claim is released for the provider's retry.
              expect(res.status).toBe(500);
              expect(made).toHaveLength(1);
            } else {
              expect(res.status).toBe(200);
              expect(res.text).not.toContain('duplicate');
            }
            if (madeInvalid === 0) {
              handledValid++;
              expect(made[0]?.name.toLowerCase()).toBe(expectName?.toLowerCase());
              if (expectPayload !== undefined) expect(made[0]?.payload).toEqual(expectPayload);
            } else {
              expect(kit.name).toBe('genstore');
              expect(genstoreProvider.schemaFor(expectName as string)).toBeDefined();
            }
            if (c.resend && !c.fail) {
              // The provider's retry of a handled delivery: acknowledged as a duplicate, never handled again. One
              // whose payload failed its schema was parked, not done: it is parked again, and waits for a replay.
              const again = await server.request(req);
              await waitForIdle([receivers.now, receivers.wait]);
              expect(again.status).toBe(200);
              expect(JSON.parse(again.text)).toEqual(
                res.text.includes('"parked"') ? { ok: true, parked: true } : { ok: true, duplicate: true },
              );
              expect(calls.length - before).toBe(made.length);
            }
          }
          expect(store.openClaims()).toEqual([]);
          expect(unexpected).toEqual([]);
        }),
        { numRuns: RUNS },
      );
      // Many valid deliveries went all the way to a handler, and the server still serves after every case.
      expect(handledValid).toBeGreaterThan(RUNS / 5);
      const last = kit.build(
        { ...fc.sample(caseArb, 1)[0], kind: 'authentic', fail: false, route: 'now', method: 'POST' } as Case,
        'final',
      );
      expect((await server.request(last.req)).status).toBe(200);
    } finally {
      await server.close();
      await Promise.all([receivers.now.close({ timeoutMs: 1_000 }), receivers.wait.close({ timeoutMs: 1_000 })]);
    }
  }, 120_000);
});
