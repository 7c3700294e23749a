import { createGenstoreAdminClient, type GenstoreAdminClient, GenstoreAdminError } from '@hookinbox/genstore';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type PlatformServer, startPlatformServer } from './fixtures/platform-server.js';

const TOKEN = 'shpat_test_token';
let server: PlatformServer;
let client: GenstoreAdminClient;

beforeEach(async () => {
  server = await startPlatformServer({ genstoreToken: TOKEN });
  client = createGenstoreAdminClient({
    shop: 'demo-shop',
    accessToken: TOKEN,
    baseUrl: server.url,
    retry: { minDelayMs: 10, maxDelayMs: 5_000 },
  });
});
afterEach(() => server.close());

describe('Genstore admin client: CRUD', () => {
  it('creates a subscription with the documented body, header and path, and normalises the numeric id', async () => {
    const created = await client.create({ address: 'https://app.example/webhooks/genstore', topic: 'orders/create' });

    expect(created).toMatchObject({ address: 'https://app.example/webhooks/genstore', topic: 'orders/create' });
    expect(typeof created.id).toBe('string');
    expect(Number(created.id)).toBe([...server.genstore.keys()][0]);
    const call = server.calls.at(-1);
    expect(call?.method).toBe('POST');
    expect(call?.path).toBe('/api/202412/app/webhooks');
    expect(call?.headers['x-genstore-access-token']).toBe(TOKEN);
    expect(call?.headers['content-type']).toBe('application/json');
    expect(call?.body).toEqual({
      webhook: { address: 'https://app.example/webhooks/genstore', topic: 'orders/create' },
    });
  });

  it('lists, retrieves, updates, counts and deletes', async () => {
    const a = await client.create({ address: 'https://app.example/a', topic: 'orders/create' });
    const b = await client.create({ address: 'https://app.example/a', topic: 'customers/update' });

    expect((await client.list()).map((w) => w.id)).toEqual([a.id, b.id]);
    expect(await client.count()).toBe(2);
    expect(await client.count({ topic: 'orders/create' })).toBe(1);
    expect(await client.retrieve(b.id)).toMatchObject({ id: b.id, topic: 'customers/update' });

    const updated = await client.update(a.id, { address: 'https://app.example/b' });
    expect(updated).toMatchObject({ id: a.id, address: 'https://app.example/b', topic: 'orders/create' });
    expect(server.calls.at(-1)).toMatchObject({
      method: 'PUT',
      path: `/api/202412/app/webhooks/${a.id}`,
      body: { webhook: { address: 'https://app.example/b' } },
    });

    await client.delete(a.id);
    expect(server.calls.at(-1)).toMatchObject({ method: 'DELETE', path: `/api/202412/app/webhooks/${a.id}` });
    expect((await client.list()).map((w) => w.id)).toEqual([b.id]);
    expect(server.calls.find((c) => c.path.endsWith('/count'))?.path).toBe('/api/202412/app/webhooks/count');
  });

  it('accepts string ids and keeps ids above 2^53 exact', async () => {
    const exact = '9007199254740993123';
    const fake = async () =>
      new Response(
        `{"webhooks":[{"id":${exact},"address":"https://a","topic":"t/x"},{"id":"abc","address":"https://a","topic":"t/y"}]}`,
        {
          status: 200,
          headers: { 'content-type': 'application/json' },
        },
      );
    const c = createGenstoreAdminClient({ shop: 'demo-shop', accessToken: TOKEN, fetch: fake });
    expect((await c.list()).map((w) => w.id)).toEqual([exact, 'abc']);
  });

  it('talks to https://{shop}.genmystore.com/api/{version} by default', async () => {
    const urls: string[] = [];
    const fake = async (request: Request) => {
      urls.push(request.url);
      return new Response('{"count":0}', { status: 200 });
    };
    const c = createGenstoreAdminClient({
      shop: 'Demo-Shop.genmystore.com',
      accessToken: TOKEN,
      apiVersion: '202501',
      fetch: fake,
    });
    await c.count();
    expect(urls).toEqual(['https://demo-shop.genmystore.com/api/202501/app/webhooks/count']);
  });

  it('refuses invalid options and ids that would change the path', async () => {
    expect(() => createGenstoreAdminClient({ shop: 'evil.com/x?', accessToken: TOKEN })).toThrow(/shop/);
    expect(() => createGenstoreAdminClient({ shop: 'demo', accessToken: '' })).toThrow(/accessToken/);
    await expect(client.retrieve('../../admin')).rejects.toThrow(/invalid webhook id/);
    expect(server.calls).toHaveLength(0);
  });
});

describe('Genstore admin client: errors', () => {
  it.each([401, 404, 422] as const)(
    '%i surfaces as GenstoreAdminError with status and body, not retried',
    async (status) => {
      server.inject({ status, body: { errors: { topic: [`injected ${status}`] } } });
      const error = await client.create({ address: 'https://a', topic: 'orders/create' }).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(GenstoreAdminError);
      expect(error).toMatchObject({
        status,
        body: { errors: { topic: [`injected ${status}`] } },
        attempts: 1,
        method: 'POST',
      });
      expect(server.calls).toHaveLength(1);
    },
  );

  it('a wrong access token is a real 401 from the server', async () => {
    const bad = createGenstoreAdminClient({ shop: 'demo-shop', accessToken: 'wrong', baseUrl: server.url });
    await expect(bad.list()).rejects.toMatchObject({ name: 'GenstoreAdminError', status: 401 });
  });

  it('retrieving a missing id is a 404 with the server body', async () => {
    await expect(client.retrieve('123')).rejects.toMatchObject({ status: 404, body: { errors: 'Not Found' } });
  });

  it('a duplicate subscription is the server’s 422 with its validation errors', async () => {
    await client.create({ address: 'https://a', topic: 'orders/create' });
    await expect(client.create({ address: 'https://a', topic: 'orders/create' })).rejects.toMatchObject({
      status: 422,
      body: { errors: { address: ['for this topic has already been taken'] } },
    });
  });

  it('429 waits for Retry-After (seconds) before retrying', async () => {
    server.inject({ status: 429, retryAfter: '1' });
    const started = performance.now();
    await client.create({ address: 'https://a', topic: 'orders/create' });
    const waited = server.calls[1]!.at - server.calls[0]!.at;

    expect(server.calls).toHaveLength(2);
    expect(waited).toBeGreaterThanOrEqual(950);
    expect(performance.now() - started).toBeLessThan(8_000);
    expect(server.genstore.size).toBe(1);
  });

  it('429 with a Retry-After longer than maxDelayMs fails at once with retryAfterMs', async () => {
    server.inject({ status: 429, retryAfter: '120' });
    const error = await client.list().catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 429, attempts: 1, retryAfterMs: 120_000 });
  });

  it('500 then success is retried and succeeds', async () => {
    server.inject({ status: 500, times: 1 });
    const created = await client.create({ address: 'https://a', topic: 'orders/create' });
    expect(created.topic).toBe('orders/create');
    expect(server.calls.map((c) => c.method)).toEqual(['POST', 'POST']);
  });

  it('gives up after the configured attempts with the last status and body', async () => {
    server.inject({ status: 503, times: 5, body: { errors: 'maintenance' } });
    const error = await client.list().catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 503, body: { errors: 'maintenance' }, attempts: 3 });
    expect(server.calls).toHaveLength(3);
  });

  it('an answer of the wrong shape is a GenstoreAdminError, not a crash later', async () => {
    const fake = async () => new Response('{"webhook":{"address":1}}', { status: 200 });
    const c = createGenstoreAdminClient({ shop: 'demo', accessToken: TOKEN, fetch: fake });
    await expect(c.retrieve('1')).rejects.toMatchObject({ name: 'GenstoreAdminError', status: 200 });
  });

  it('a network failure on GET is retried; on POST it is not (it could create twice)', async () => {
    let n = 0;
    const flaky = async () => {
      n++;
      if (n === 1) throw new TypeError('fetch failed');
      return new Response('{"webhooks":[]}', { status: 200 });
    };
    const c = createGenstoreAdminClient({ shop: 'demo', accessToken: TOKEN, fetch: flaky, retry: { minDelayMs: 1 } });
    await expect(c.list()).resolves.toEqual([]);
    expect(n).toBe(2);

    n = 0;
    await expect(c.create({ address: 'https://a', topic: 't' })).rejects.toMatchObject({ status: 0, attempts: 1 });
    expect(n).toBe(1);
  });
});
