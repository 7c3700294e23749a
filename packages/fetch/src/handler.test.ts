import { createReceiver, type Provider, type RawDelivery } from '@hookinbox/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { captureLogger, delivery, sleep, testProvider } from '../../../test/helpers/test-provider.js';
import { createFetchHandler } from './handler.js';

const make = (extra: Record<string, unknown> = {}) =>
  createReceiver({ provider: testProvider(), logger: captureLogger().logger, ...extra });

const request = (d = delivery(), init: RequestInit = {}) =>
  new Request(`http://hooks.test${d.url}`, { method: d.method, headers: d.headers, body: d.body, ...init });

/** A waitUntil that keeps what it is handed. */
const collector = () => {
  const kept: Promise<unknown>[] = [];
  return { kept, waitUntil: vi.fn((promise: Promise<unknown>) => void kept.push(promise)) };
};

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('createFetchHandler', () => {
  it('refuses what is not a receiver, and options it does not know, by name', () => {
    expect(() => createFetchHandler({} as never)).toThrow(/must be a receiver/);
    expect(() => createFetchHandler(make(), { runtime: 'lambda' as never })).toThrow(/runtime:/);
    expect(() => createFetchHandler(make(), { waitUntill: () => {} } as never)).toThrow(/waitUntill/);
    expect(() => createFetchHandler(make(), { waitUntil: 'after' as never })).toThrow(/waitUntil: must be a function/);
  });

  it('hands the provider the method, the path with its query, lower-case headers and the exact bytes', async () => {
    const seen: RawDelivery[] = [];
    const inner = testProvider();
    const provider: Provider = {
      ...inner,
      verify(d) {
        seen.push(d);
        return inner.verify(d);
      },
    };
    const handle = createFetchHandler(createReceiver({ provider, logger: captureLogger().logger }));
    const d = delivery({ payload: { id: 'x', text: 'Grüße 🛒' }, url: '/hooks/test?shop=a%20b' });
    const res = await handle(request(d, { headers: { ...d.headers, 'X-Test-Id': 'Mixed-1' } }));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await res.json()).toEqual({ ok: true });
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/hooks/test?shop=a%20b' });
    expect(seen[0]?.headers['x-test-id']).toBe('Mixed-1');
    expect(Buffer.compare(seen[0]?.body as Buffer, d.body)).toBe(0);
  });

  it('a body read before the handler: 500 body_already_parsed with the fix, counted', async () => {
    const receiver = make();
    const req = request();
    await req.text();
    const res = await createFetchHandler(receiver)(req);
    expect(res.status).toBe(500);
    const { error } = (await res.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe('body_already_parsed');
    expect(error.message).toMatch(/untouched request/);
    expect(receiver.stats().rejected).toEqual({ body_already_parsed: 1 });
  });
});

describe('serverless acknowledgement', () => {
  it('without a waitUntil, refuses before reading the body: 500, counted, no handler, the provider retries', async () => {
    const receiver = make();
    const handler = vi.fn();
    receiver.on('*', handler);
    let pulled = false;
    const body = new ReadableStream(
      {
        pull() {
          pulled = true;
        },
      },
      { highWaterMark: 0 },
    );
    const d = delivery();
    const res = await createFetchHandler(receiver, { runtime: 'serverless' })(
      new Request('http://hooks.test/webhooks/test', { method: 'POST', headers: d.headers, body, duplex: 'half' }),
    );
    expect(res.status).toBe(500);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/waitUntil/);
    expect(pulled).toBe(false);
    expect(receiver.stats()).toMatchObject({ received: 1, rejected: { internal_error: 1 } });
    await sleep(20);
    expect(handler).not.toHaveBeenCalled();
  });

  it('detects a serverless platform by itself (here Vercel) and refuses the same way', async () => {
    vi.stubEnv('VERCEL', '1');
    const res = await createFetchHandler(make())(request());
    expect(res.status).toBe(500);
  });

  it("uses the context's waitUntil, called on the context (Cloudflare's ctx), before the option's", async () => {
    const receiver = make();
    let finished = false;
    receiver.on('thing/created', async () => {
      await sleep(50);
      finished = true;
    });
    const option = collector();
    const kept: Promise<unknown>[] = [];
    const ctx = {
      pending: kept,
      waitUntil(promise: Promise<unknown>) {
        this.pending.push(promise);
      },
    };
    const handle = createFetchHandler(receiver, { runtime: 'serverless', waitUntil: option.waitUntil });
    expect((await handle(request(), ctx)).status).toBe(200);
    expect(kept).toHaveLength(1);
    expect(option.waitUntil).not.toHaveBeenCalled();
    expect(finished).toBe(false);
    await kept[0];
    expect(finished).toBe(true);
  });

  it("uses the option's waitUntil (Next.js' after) when the context has none", async () => {
    const receiver = make();
    const handler = vi.fn();
    receiver.on('thing/created', handler);
    const { kept, waitUntil } = collector();
    const handle = createFetchHandler(receiver, { runtime: 'serverless', waitUntil });
    expect((await handle(request(), { params: Promise.resolve({}) })).status).toBe(200);
    await kept[0];
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it('needs no waitUntil when nothing runs after the answer: a dispatcher, or ack after the handlers', async () => {
    const queued = make({ dispatcher: { dispatch: () => {} } });
    expect((await createFetchHandler(queued, { runtime: 'serverless' })(request())).status).toBe(200);
    const synchronous = make({ ack: { mode: 'after-handlers' } });
    synchronous.on('thing/created', () => {});
    expect((await createFetchHandler(synchronous, { runtime: 'serverless' })(request())).status).toBe(200);
  });

  it("runtime: 'server' needs no waitUntil, even where a serverless platform is detected", async () => {
    vi.stubEnv('VERCEL', '1');
    expect((await createFetchHandler(make(), { runtime: 'server' })(request())).status).toBe(200);
  });
});
