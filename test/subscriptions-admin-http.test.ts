import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGeinsAdminClient, GeinsAdminError } from '@hookinbox/geins';
import { createGenstoreAdminClient, GenstoreAdminError } from '@hookinbox/genstore';
import { afterEach, describe, expect, it } from 'vitest';

type Fetch = (request: Request) => Promise<Response>;
type Retry = { attempts?: number; minDelayMs?: number; maxDelayMs?: number; timeoutMs?: number };

/** What the shared cases need from each platform's client: one GET and one POST, and their success answers. */
interface Subject {
  name: string;
  prefix: string;
  errorClass: typeof GenstoreAdminError | typeof GeinsAdminError;
  make(
    fetch: Fetch | undefined,
    retry: Retry,
    baseUrl?: string,
  ): { list(): Promise<unknown>; create(): Promise<unknown> };
  listAnswer: string;
  createAnswer: string;
}

const subjects: Subject[] = [
  {
    name: 'Genstore',
    prefix: '@hookinbox/genstore',
    errorClass: GenstoreAdminError,
    make(fetch, retry, baseUrl = 'https://api.test') {
      const c = createGenstoreAdminClient({ shop: 'demo', accessToken: 'tok', baseUrl, fetch, retry });
      return {
        list: () => c.list(),
        create: () => c.create({ address: 'https://a.example/h', topic: 'orders/create' }),
      };
    },
    listAnswer: '{"webhooks":[]}',
    createAnswer: '{"webhook":{"id":1,"address":"https://a.example/h","topic":"orders/create"}}',
  },
  {
    name: 'Geins',
    prefix: '@hookinbox/geins',
    errorClass: GeinsAdminError,
    make(fetch, retry, baseUrl = 'https://api.test') {
      const c = createGeinsAdminClient({ apiKey: 'k', username: 'u', password: 'p', baseUrl, fetch, retry });
      const order = { Entity: 'Order', Name: 'n', Actions: 'create', Url: 'https://a.example/h' };
      return { list: () => c.list(), create: () => c.create(order) };
    },
    listAnswer: '[]',
    createAnswer: '{"Id":"a1","Entity":"Order","Name":"n","Actions":"create","Url":"https://a.example/h"}',
  },
];

/** A fake fetch answering from a script, one entry per call; records the requests it saw, with their bodies. */
function scripted(...answers: Array<() => Response>) {
  const requests: Array<{ method: string; headers: Headers; body: string }> = [];
  const fetch: Fetch = async (request) => {
    requests.push({ method: request.method, headers: request.headers, body: await request.text() });
    const next = answers[requests.length - 1];
    if (next === undefined) throw new Error('unexpected call');
    return next();
  };
  return { fetch, requests };
}

const refused = () => {
  throw new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } });
};

const FAST = { minDelayMs: 1, maxDelayMs: 5_000 };

let silent: Server | undefined;
afterEach(async () => {
  silent?.closeAllConnections();
  await new Promise((resolve) => silent?.close(resolve) ?? resolve(undefined));
  silent = undefined;
});

/** A server on 127.0.0.1 that accepts requests and never answers them. */
async function startSilentServer(): Promise<{ url: string; hits: () => number }> {
  let hits = 0;
  silent = createServer(() => {
    hits++;
  });
  await new Promise<void>((resolve) => silent?.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`, hits: () => hits };
}

describe.each(subjects)('$name admin client over HTTP', (subject) => {
  const rejection = async (promise: Promise<unknown>) => {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(subject.errorClass);
    return error as GenstoreAdminError;
  };

  it('retries 503 and a 429 (Retry-After 0) on POST, then succeeds', async () => {
    const { fetch, requests } = scripted(
      () => new Response('down', { status: 503 }),
      () => new Response('slow down', { status: 429, headers: { 'retry-after': '0' } }),
      () => new Response(subject.createAnswer, { status: 200 }),
    );
    await subject.make(fetch, FAST).create();
    expect(requests.map((r) => r.method)).toEqual(['POST', 'POST', 'POST']);
    expect(requests[2]?.body).toBe(requests[0]?.body);
    expect(JSON.parse(requests[0]?.body ?? '')).toBeTypeOf('object');
    expect(requests[0]?.headers.get('content-type')).toBe('application/json');
  });

  it('never retries another 4xx; the error carries status, body, method, url and a readable message', async () => {
    const { fetch, requests } = scripted(() => Response.json({ errors: ['taken'] }, { status: 422 }));
    const error = await rejection(subject.make(fetch, FAST).list());

    expect(requests).toHaveLength(1);
    expect(error).toMatchObject({ status: 422, body: { errors: ['taken'] }, method: 'GET', attempts: 1 });
    expect(error.message).toBe(`${subject.prefix}: GET ${error.url} answered 422: {"errors":["taken"]}`);
    expect(error.message).not.toMatch(/tok|Basic/);
  });

  it('keeps an error body that is not JSON as text, and an empty one as undefined', async () => {
    const text = scripted(() => new Response('plain words', { status: 404 }));
    expect(await rejection(subject.make(text.fetch, FAST).list())).toMatchObject({ status: 404, body: 'plain words' });
    const empty = scripted(() => new Response(null, { status: 401 }));
    expect(await rejection(subject.make(empty.fetch, FAST).list())).toMatchObject({ status: 401, body: undefined });
  });

  it('gives up after the configured attempts with the last answer', async () => {
    const { fetch, requests } = scripted(
      () => new Response('first', { status: 500 }),
      () => new Response('second', { status: 502 }),
    );
    const error = await rejection(subject.make(fetch, { ...FAST, attempts: 2 }).list());

    expect(requests).toHaveLength(2);
    expect(error).toMatchObject({ status: 502, body: 'second', attempts: 2 });
    expect(error.message).toMatch(/answered 502: second after 2 attempts$/);
  });

  it('fails at once when Retry-After (seconds or an HTTP date) asks for longer than maxDelayMs', async () => {
    const seconds = scripted(() => new Response('', { status: 429, headers: { 'retry-after': '120' } }));
    expect(await rejection(subject.make(seconds.fetch, FAST).list())).toMatchObject({
      status: 429,
      retryAfterMs: 120_000,
      attempts: 1,
    });
    const date = new Date(Date.now() + 3_600_000).toUTCString();
    const dated = scripted(() => new Response('', { status: 503, headers: { 'retry-after': date } }));
    const error = await rejection(subject.make(dated.fetch, FAST).list());
    expect(dated.requests).toHaveLength(1);
    expect(error.retryAfterMs).toBeGreaterThan(3_500_000);
  });

  it('retries a network failure on GET but not on POST, which could create twice', async () => {
    const get = scripted(refused, () => new Response(subject.listAnswer));
    await expect(subject.make(get.fetch, FAST).list()).resolves.toEqual([]);
    expect(get.requests).toHaveLength(2);

    const post = scripted(refused, () => new Response(subject.createAnswer));
    const error = await rejection(subject.make(post.fetch, FAST).create());
    expect(post.requests).toHaveLength(1);
    expect(error).toMatchObject({ status: 0, method: 'POST', attempts: 1 });
    expect(error.cause).toBeInstanceOf(TypeError);
    expect(error.message).toBe(`${subject.prefix}: POST ${error.url} got no answer (fetch failed: ECONNREFUSED)`);
  });

  it('a server that never answers times out each call; GET is tried again, POST is not', {
    timeout: 20_000,
  }, async () => {
    const server = await startSilentServer();
    const client = subject.make(undefined, { ...FAST, attempts: 2, timeoutMs: 300 }, server.url);

    const started = performance.now();
    const error = await rejection(client.list());
    expect(error).toMatchObject({ status: 0, method: 'GET', attempts: 2 });
    expect(error.message).toMatch(/got no answer \(no answer within 300 ms\)$/);
    expect(server.hits()).toBe(2);
    expect(performance.now() - started).toBeGreaterThanOrEqual(550);

    await expect(rejection(client.create())).resolves.toMatchObject({ status: 0, attempts: 1 });
    expect(server.hits()).toBe(3);
  });
});
