import { connect } from 'node:net';
import { inspect } from 'node:util';
import {
  createReceiver,
  type DedupeStore,
  type Logger,
  type MemoryDeadLetters,
  type Provider,
  type WebhookEvent,
} from '@hookinbox/core';
import { geins } from '@hookinbox/geins';
import { computeGenstoreSignature, genstore } from '@hookinbox/genstore';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ADAPTERS, type AdapterName, type Served, serve } from './servers.js';
import {
  geinsRequest,
  genstoreRequest,
  send,
  sleep,
  type TestRequest,
  type TestResponse,
  trackingStore,
  watchUnexpectedErrors,
} from './support.js';

const GENSTORE_SECRET = 'gs-hostile-secret-91c4e2';
const GEINS_SECRET = 'geins-hostile-secret-3f8a17';
const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };

const unexpected = watchUnexpectedErrors();
afterEach(() => {
  expect(unexpected).toEqual([]);
});

/** A receiver on one adapter with a claim-tracking store and a handler that records every event. */
async function setup(
  adapter: AdapterName,
  provider: Provider<any, any>,
  options: { bodyTimeoutMs?: number; store?: (inner: DedupeStore) => DedupeStore } = {},
) {
  const tracked = trackingStore();
  const receiver = createReceiver({
    provider,
    store: options.store ? options.store(tracked.store) : tracked.store,
    limits: { bodyTimeoutMs: options.bodyTimeoutMs ?? 10_000 },
    logger: quiet,
  });
  const events: WebhookEvent[] = [];
  receiver.on('*', (event) => {
    events.push(event);
  });
  const path = `/webhooks/${provider.name}`;
  const server = await serve(adapter, { [path]: receiver });
  return {
    ...tracked,
    receiver,
    events,
    server,
    post: (req: TestRequest) => send(server.port, req),
    async close() {
      await server.close();
      await receiver.close({ timeoutMs: 1_000 });
    },
  };
}

const genstoreProvider = () => genstore({ secret: GENSTORE_SECRET });
const geinsProvider = () => geins({ secret: GEINS_SECRET, logger: quiet });

/** The request head (request line and headers) for a raw socket. */
function head(path: string, headers: Record<string, string>): string {
  const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}`);
  return `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${lines.join('\r\n')}\r\n\r\n`;
}

/** Read one HTTP response off a raw socket (content-length or chunked), or reject after `timeoutMs`. */
function readResponse(socket: import('node:net').Socket, timeoutMs: number): Promise<TestResponse> {
  return new Promise((resolve, reject) => {
    let raw = Buffer.alloc(0);
    const timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      raw = Buffer.concat([raw, chunk]);
      const text = raw.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      if (end === -1) return;
      const [statusLine, ...lines] = text.slice(0, end).split('\r\n');
      const headers = Object.fromEntries(
        lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]),
      );
      const rest = raw.subarray(end + 4);
      let body: string | undefined;
      if (headers['content-length'] !== undefined) {
        if (rest.length >= Number(headers['content-length'])) body = rest.toString('utf8');
      } else if (rest.toString('latin1').endsWith('0\r\n\r\n')) {
        body = rest
          .toString('utf8')
          .split('\r\n')
          .filter((_, i) => i % 2 === 1)
          .join('');
      }
      if (body === undefined) return;
      clearTimeout(timer);
      socket.off('data', onData);
      resolve({ status: Number(statusLine?.split(' ')[1]), headers, text: body });
    };
    socket.on('data', onData);
    socket.on('error', reject);
  });
}

describe.each(ADAPTERS)('hostile requests on %s', (adapter) => {
  it('a body that never ends (slow sender) is cut off with 408 body_timeout, without a claim or a handler call', async () => {
    const t = await setup(adapter, genstoreProvider(), { bodyTimeoutMs: 300 });
    const req = genstoreRequest({ secret: GENSTORE_SECRET, body: '{"id":1}' });
    const socket = connect(t.server.port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    const started = performance.now();
    socket.write(head(req.url, { ...(req.headers as Record<string, string>), 'content-length': '100000' }));
    // One byte every 50 ms: the connection is alive, the body never completes.
    const drip = setInterval(() => socket.write(' '), 50);
    try {
      const res = await readResponse(socket, 5_000);
      expect(res.status).toBe(408);
      expect(JSON.parse(res.text).error.code).toBe('body_timeout');
      expect(performance.now() - started).toBeLessThan(4_000);
    } finally {
      clearInterval(drip);
      socket.destroy();
    }
    expect(t.claims()).toBe(0);
    expect(t.events).toEqual([]);
    await t.close();
  });

  it('a request aborted mid-body leaves no claim behind and calls no handler; the server keeps serving', async () => {
    const t = await setup(adapter, genstoreProvider());
    const req = genstoreRequest({
      secret: GENSTORE_SECRET,
      body: JSON.stringify({ id: 'aborted', pad: 'x'.repeat(500) }),
    });
    const socket = connect(t.server.port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write(
      head(req.url, { ...(req.headers as Record<string, string>), 'content-length': String(req.body.length) }),
    );
    socket.write(req.body.subarray(0, 100));
    await sleep(50);
    socket.destroy();
    await sleep(200);
    expect(t.claims()).toBe(0);
    expect(t.openClaims()).toEqual([]);
    expect(t.events).toEqual([]);

    // The provider's retry of the same delivery is handled normally.
    expect((await t.post(req)).status).toBe(200);
    await vi.waitFor(() => expect(t.events).toHaveLength(1));
    expect(t.openClaims()).toEqual([]);
    await t.close();
  });

  it('a request aborted after its full body, while the store is slow: no claim left behind, handled exactly once with its retry', async () => {
    const slow = (inner: DedupeStore): DedupeStore => ({
      claim: async (key, leaseMs) => {
        await sleep(150);
        return inner.claim(key, leaseMs);
      },
      commit: (key, token, ttlMs) => inner.commit(key, token, ttlMs),
      release: (key, token) => inner.release(key, token),
    });
    const t = await setup(adapter, genstoreProvider(), { store: slow });
    const req = genstoreRequest({ secret: GENSTORE_SECRET, body: '{"id":"aborted-late"}' });
    const socket = connect(t.server.port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write(
      head(req.url, { ...(req.headers as Record<string, string>), 'content-length': String(req.body.length) }),
    );
    socket.end(req.body);
    socket.destroy();
    await sleep(400);
    await vi.waitFor(() => expect(t.receiver.stats().inFlight).toBe(0));
    expect(t.openClaims()).toEqual([]);
    expect(t.events.length).toBeLessThanOrEqual(1);

    // The provider saw no answer and retries: whatever happened to the first copy, the event is handled once.
    const retry = await t.post(req);
    expect(retry.status).toBe(200);
    await vi.waitFor(() => expect(t.events).toHaveLength(1));
    await sleep(50);
    expect(t.events).toHaveLength(1);
    expect(t.openClaims()).toEqual([]);
    await t.close();
  });

  describe.each([
    ['genstore', genstoreProvider, (body: string) => genstoreRequest({ secret: GENSTORE_SECRET, body })],
    ['geins', geinsProvider, (body: string) => geinsRequest({ secret: GEINS_SECRET, body })],
  ] as const)('%s', (_name, provider, build) => {
    const base = '"entity":"Order","action":"create","id":"42"';

    it('__proto__ and constructor keys in the JSON body cannot pollute prototypes', async () => {
      const t = await setup(adapter, provider());
      const body = `{${base},"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}},"nested":{"__proto__":{"polluted":1}}}`;
      const res = await t.post(build(body));
      expect(res.status).toBe(200);
      await vi.waitFor(() => expect(t.events).toHaveLength(1));
      const payload = t.events[0]?.payload as Record<string, unknown>;
      // Whatever the app does with the payload: spread it, assign it, clone it.
      const copies = [{ ...payload }, Object.assign({}, payload), structuredClone(payload)];
      for (const value of [payload, ...copies, (payload as { raw?: unknown }).raw ?? payload]) {
        expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
        expect(Object.hasOwn(value as object, '__proto__')).toBe(false);
        expect((value as { polluted?: unknown }).polluted).toBeUndefined();
        // A `constructor` holding a `prototype` is dropped at parse time, so even a naive deep merge is safe.
        expect((value as object).constructor).toBe(Object);
      }
      const fresh: Record<string, unknown> = {};
      expect(fresh.polluted).toBeUndefined();
      expect(Object.hasOwn(Object.prototype, 'polluted')).toBe(false);
      expect((Object as unknown as { polluted?: unknown }).polluted).toBeUndefined();
      await t.close();
    });

    it('deeply nested JSON from an authentic sender is parked, never parsed for a handler; 64 levels are accepted', async () => {
      const t = await setup(adapter, provider());
      for (const deep of [
        `{${base},"x":${'['.repeat(20_000)}${']'.repeat(20_000)}}`,
        `{${base},"x":${'{"a":'.repeat(100)}1${'}'.repeat(100)}}`,
      ]) {
        const res = await t.post(build(deep));
        expect(res.status).toBe(200);
        expect(JSON.parse(res.text)).toEqual({ ok: true, parked: true });
      }
      expect(t.events).toEqual([]);
      // The outer object is level 1, so 63 more arrays make 64.
      const ok = await t.post(build(`{${base},"x":${'['.repeat(63)}${']'.repeat(63)}}`));
      expect(ok.status).toBe(200);
      await vi.waitFor(() => expect(t.events).toHaveLength(1));
      await t.close();
    });
  });

  it('genstore header values with odd bytes, great length, repeats or nothing: never a 5xx, never an unsigned call', async () => {
    const t = await setup(adapter, genstoreProvider());
    const body = '{"id":"odd"}';
    const good = genstoreRequest({ secret: GENSTORE_SECRET, body });
    const sig = good.headers['x-genstore-hmac-sha256'] as string;
    const cases: [string, TestRequest, number][] = [
      [
        'latin1 high bytes in the signature',
        { ...good, headers: { ...good.headers, 'x-genstore-hmac-sha256': '\xff\xfe\xe9=' } },
        401,
      ],
      ['an empty signature', { ...good, headers: { ...good.headers, 'x-genstore-hmac-sha256': '' } }, 401],
      [
        'the signature sent twice',
        { ...good, headers: { ...good.headers, 'x-genstore-hmac-sha256': [sig, sig] } },
        401,
      ],
      [
        'an 8 KB signature',
        { ...good, headers: { ...good.headers, 'x-genstore-hmac-sha256': `${sig}${'A'.repeat(8_000)}` } },
        401,
      ],
      ['a signed delivery with an empty topic', { ...good, headers: { ...good.headers, 'x-genstore-topic': '' } }, 400],
      // Node refuses a header block over 16 KB before any adapter runs.
      ['a 20 KB header', { ...good, headers: { ...good.headers, 'x-filler': 'f'.repeat(20_000) } }, 431],
    ];
    for (const [, req, status] of cases) {
      const res = await t.post(req);
      expect(res.status).toBe(status);
    }
    expect(t.events).toEqual([]);
    expect(t.claims()).toBe(0);

    // Signed deliveries whose other headers are odd are still handled, their bytes kept as latin1.
    const handled: [TestRequest, string][] = [
      [
        genstoreRequest({ secret: GENSTORE_SECRET, body: '{"n":1}', topic: 'orders/cr\xe9\xe9' }),
        'orders/cr\u00e9\u00e9',
      ],
      [
        genstoreRequest({
          secret: GENSTORE_SECRET,
          body: '{"n":2}',
          headers: { 'x-genstore-shop-domain': 's'.repeat(8_000) },
        }),
        'orders/create',
      ],
      [
        genstoreRequest({
          secret: GENSTORE_SECRET,
          body: '{"n":3}',
          headers: { 'x-genstore-api-version': '', 'x-odd': '\x80\t\xff' },
        }),
        'orders/create',
      ],
    ];
    for (const [req, name] of handled) {
      expect((await t.post(req)).status).toBe(200);
      await vi.waitFor(() => expect(t.events.at(-1)?.name).toBe(name));
    }
    await t.close();
  });

  it('an authentic delivery with an empty or malformed content-type is handled, not refused with 415', async () => {
    const t = await setup(adapter, genstoreProvider());
    const types = ['', 'json', ';;;', 'application/json; charset="', 'text/plain', '\xe9/\xff'];
    for (const [i, type] of types.entries()) {
      const req = genstoreRequest({ secret: GENSTORE_SECRET, body: `{"ct":${i}}`, headers: { 'content-type': type } });
      const res = await t.post(req);
      expect({ type, status: res.status }).toEqual({ type, status: 200 });
    }
    await vi.waitFor(() => expect(t.events).toHaveLength(types.length));
    // The receiver sees the header as it was sent.
    expect(t.events.map((e) => (e.payload as { ct: number }).ct)).toEqual(types.map((_, i) => i));
    await t.close();
  });

  it('geins header values with odd bytes, great length, repeats or nothing: never a 5xx, never an unauthenticated call', async () => {
    const t = await setup(adapter, geinsProvider());
    const good = () => geinsRequest({ secret: GEINS_SECRET, id: String(Math.random()).slice(2) });
    const refused: [TestRequest, number][] = [
      [{ ...good(), headers: { ...good().headers, authorization: 'Bearer \xe9\xff' } }, 401],
      [{ ...good(), headers: { ...good().headers, authorization: '' } }, 401],
      [{ ...good(), headers: { ...good().headers, authorization: `Bearer ${'x'.repeat(8_000)}` } }, 401],
      // Node keeps the first Authorization line; a second one carrying the secret does not authenticate.
      [{ ...good(), headers: { ...good().headers, authorization: ['Bearer wrong', `Bearer ${GEINS_SECRET}`] } }, 401],
    ];
    for (const [req, status] of refused) expect((await t.post(req)).status).toBe(status);
    expect(t.events).toEqual([]);

    // A 10 KB idempotency key is accepted, but the dedupe store gets a bounded key.
    const long = geinsRequest({ secret: GEINS_SECRET, idempotencyKey: 'k'.repeat(10_000) });
    expect((await t.post(long)).status).toBe(200);
    await vi.waitFor(() => expect(t.events).toHaveLength(1));
    expect(t.events[0]?.id.length).toBeLessThan(300);
    await t.close();
  });
});

describe('secrets never reach logs or error bodies', () => {
  /** Every field of every line, errors and their causes included, as one searchable text. */
  const flatten = (value: unknown) =>
    inspect(value, { depth: 20, breakLength: Number.POSITIVE_INFINITY, showHidden: true });

  it.each(ADAPTERS)(
    '%s: a set of bad deliveries leaves neither secret nor a valid signature in any log line or answer',
    async (adapter) => {
      const lines: string[] = [];
      const capture: Logger = {
        debug: (obj, msg) => lines.push(flatten({ obj, msg })),
        info: (obj, msg) => lines.push(flatten({ obj, msg })),
        warn: (obj, msg) => lines.push(flatten({ obj, msg })),
        error: (obj, msg) => lines.push(flatten({ obj, msg })),
      };
      const failing: DedupeStore = {
        claim: async () => {
          throw new Error('store down');
        },
        commit: async () => false,
        release: async () => false,
      };
      const make = (provider: Provider<any, any>, store?: DedupeStore) => {
        const receiver = createReceiver({ provider, logger: capture, ...(store ? { store } : {}) });
        receiver.on('*', () => {});
        return receiver;
      };
      const geinsCapturing = geins({ secret: GEINS_SECRET, logger: capture });
      const routes = {
        '/webhooks/genstore': make(genstore({ secret: GENSTORE_SECRET })),
        '/webhooks/geins': make(geinsCapturing),
        '/webhooks/genstore-down': make(genstore({ secret: GENSTORE_SECRET }), failing),
      };
      const server: Served = await serve(adapter, routes, {
        logger: { level: 'trace', stream: { write: (line: string) => lines.push(line) } },
      });

      const body = '{"id":"secret-test","email":"a@example.com"}';
      const signature = computeGenstoreSignature(body, GENSTORE_SECRET);
      const tampered = `${body} `;
      const g = (headers: Record<string, string>, b = body) =>
        genstoreRequest({ secret: GENSTORE_SECRET, body: b, headers });
      const bad: TestRequest[] = [
        g({ 'x-genstore-hmac-sha256': computeGenstoreSignature(body, 'wrong-secret') }),
        g({ 'x-genstore-hmac-sha256': signature.slice(0, -4) }),
        g({ 'x-genstore-hmac-sha256': signature }, tampered),
        g({ 'x-genstore-hmac-sha256': Buffer.from(signature, 'base64').toString('hex') }),
        g({ 'x-genstore-topic': '' }),
        g({}, '{"not json'),
        { ...g({}), method: 'PUT' },
        { ...g({}), url: '/webhooks/genstore-down' },
        geinsRequest({ secret: `${GEINS_SECRET}x` }),
        geinsRequest({ secret: GEINS_SECRET.slice(0, 8) }),
        geinsRequest({ secret: GEINS_SECRET, body: '{"entity":"Order"' }),
        geinsRequest({ secret: GEINS_SECRET, body: '{"entity":"Order","action":"create"}' }),
        { ...geinsRequest({ secret: GEINS_SECRET }), method: 'PUT' },
        geinsRequest({ secret: GEINS_SECRET, headers: { authorization: GEINS_SECRET } }),
        geinsRequest({ secret: GEINS_SECRET, idempotencyKey: null, headers: { 'x-timestamp': '' } }),
      ];
      const answers: TestResponse[] = [];
      for (const req of bad) answers.push(await send(server.port, req));
      await server.close();
      await Promise.all(Object.values(routes).map((r) => r.close({ timeoutMs: 1_000 })));

      // All refused but the authentic ones: a Genstore body that is not JSON and two the Geins Body template cannot
      // read (parked), and the last, which only makes the provider warn (no idempotency key).
      const parked = new Set([5, bad.length - 5, bad.length - 4]);
      answers.forEach((a, i) => {
        if (parked.has(i)) expect(JSON.parse(a.text)).toEqual({ ok: true, parked: true });
        else if (i < bad.length - 1) expect(a.status).toBeGreaterThanOrEqual(400);
      });
      expect(answers.at(-1)?.status).toBe(200);
      expect(answers.some((a) => a.status === 503)).toBe(true);
      // The test captured real lines, from both the receiver logger and the framework's.
      expect(lines.length).toBeGreaterThanOrEqual(bad.length);
      const forbidden = [
        GENSTORE_SECRET,
        GEINS_SECRET,
        signature,
        computeGenstoreSignature(tampered, GENSTORE_SECRET),
        computeGenstoreSignature('{"not json', GENSTORE_SECRET),
        Buffer.from(signature, 'base64').toString('hex'),
      ];
      for (const secret of forbidden) {
        for (const line of lines) expect(line).not.toContain(secret);
        for (const answer of answers) {
          expect(answer.text).not.toContain(secret);
          expect(flatten(answer.headers)).not.toContain(secret);
        }
      }
    },
  );

  it('a Geins secret carried in the Url query never reaches the receiver logs or an answer', async () => {
    const lines: string[] = [];
    const capture: Logger = {
      debug: (obj, msg) => lines.push(flatten({ obj, msg })),
      info: (obj, msg) => lines.push(flatten({ obj, msg })),
      warn: (obj, msg) => lines.push(flatten({ obj, msg })),
      error: (obj, msg) => lines.push(flatten({ obj, msg })),
    };
    const receiver = createReceiver({
      provider: geins({ secret: GEINS_SECRET, secretQuery: 'token', logger: capture }),
      logger: capture,
    });
    receiver.on('*', () => {});
    const server = await serve('express', { '/webhooks/geins': receiver });
    const url = (token: string) => `/webhooks/geins?token=${token}`;
    // Refused three ways, and one accepted: the first token counts.
    const requests: TestRequest[] = [
      geinsRequest({ secret: GEINS_SECRET, url: url(GEINS_SECRET), body: '{"entity":' }),
      { ...geinsRequest({ secret: GEINS_SECRET, url: url(GEINS_SECRET) }), method: 'PUT' },
      geinsRequest({ secret: GEINS_SECRET, url: url(`${GEINS_SECRET}x`) }),
      geinsRequest({ secret: GEINS_SECRET, url: `${url(GEINS_SECRET)}&token=other` }),
    ];
    const answers: TestResponse[] = [];
    for (const req of requests) answers.push(await send(server.port, req));
    await server.close();
    await receiver.close({ timeoutMs: 1_000 });
    // The first is authentic but not JSON: parked (and kept without its secret), then refused twice, and accepted.
    expect(answers.map((a) => a.status)).toEqual([200, 405, 401, 200]);
    expect(JSON.parse(answers[0]?.text ?? '')).toEqual({ ok: true, parked: true });
    expect(JSON.stringify((receiver.deadLetters as MemoryDeadLetters).list())).not.toContain(GEINS_SECRET);
    expect(lines.length).toBeGreaterThanOrEqual(3);
    for (const line of lines) expect(line).not.toContain(GEINS_SECRET);
    for (const answer of answers) expect(answer.text).not.toContain(GEINS_SECRET);
  });
});
