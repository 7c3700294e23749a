import {
  createGeinsAdminClient,
  type GeinsAdminClient,
  GeinsAdminError,
  type GeinsAdminWebhookInput,
} from '@hookinbox/geins';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type PlatformServer, startPlatformServer } from './fixtures/platform-server.js';

const AUTH = { apiKey: 'mgmt-key', username: 'api-user', password: 'api-pass' };
const ORDER: GeinsAdminWebhookInput = {
  Entity: 'Order',
  Name: 'Order Notifications',
  Actions: 'create,complete',
  Method: 'POST',
  Url: 'https://your-app.com/webhooks/geins',
  Body: '{"entity":"{{entity}}","action":"{{action}}","id":"{{id}}"}',
  Headers: 'Authorization: Bearer s3cret',
  Retry: true,
};

let server: PlatformServer;
let client: GeinsAdminClient;

async function start(options: { geinsBare?: boolean } = {}) {
  server = await startPlatformServer({ geins: AUTH, ...options });
  client = createGeinsAdminClient({ ...AUTH, baseUrl: server.url, retry: { minDelayMs: 10, maxDelayMs: 5_000 } });
}
afterEach(() => server.close());

describe.each([
  ['wrapped in { Resource }', false],
  ['bare', true],
])('Geins admin client, answers %s', (_label, geinsBare) => {
  beforeEach(() => start({ geinsBare }));

  it('registers a webhook with the quick start payload, X-ApiKey and Basic auth', async () => {
    const created = await client.create(ORDER);

    const call = server.calls.at(-1);
    expect(call).toMatchObject({ method: 'POST', path: '/API/Webhook', body: ORDER });
    expect(call?.headers['x-apikey']).toBe(AUTH.apiKey);
    expect(call?.headers.authorization).toBe(`Basic ${Buffer.from('api-user:api-pass').toString('base64')}`);
    expect(created.Id).toBe([...server.geins.keys()][0]);
    expect(created).toMatchObject({ Entity: 'Order', Name: 'Order Notifications', Actions: 'create,complete' });
  });

  it('gets, lists, updates and deletes, normalising the numeric Entity to its name', async () => {
    const a = await client.create(ORDER);
    const b = await client.create({ ...ORDER, Name: 'Products', Entity: 'Product', Actions: 'update' });

    expect(await client.get(b.Id)).toMatchObject({ Id: b.Id, Entity: 'Product', Name: 'Products', Retry: true });
    expect(server.geins.get(b.Id)?.Entity).toBe(7);
    expect((await client.list()).map((w) => w.Name)).toEqual(['Order Notifications', 'Products']);
    expect(server.calls.at(-1)).toMatchObject({ method: 'GET', path: '/API/Webhook/List' });

    const updated = await client.update(a.Id, { ...ORDER, Actions: 'create,cancel' });
    expect(updated).toMatchObject({ Id: a.Id, Actions: 'create,cancel' });
    expect(server.calls.at(-1)).toMatchObject({ method: 'PUT', path: `/API/Webhook/${a.Id}` });
    expect(server.geins.get(a.Id)?.Actions).toBe('create,cancel');

    await client.delete(a.Id);
    expect(server.calls.at(-1)).toMatchObject({ method: 'DELETE', path: `/API/Webhook/${a.Id}` });
    expect([...server.geins.keys()]).toEqual([b.Id]);
  });
});

describe('Geins admin client: options and errors', () => {
  beforeEach(() => start());

  it('paths are overridable, e.g. list on GET /API/Webhook', async () => {
    const seen: string[] = [];
    const fake = async (request: Request) => {
      seen.push(`${request.method} ${request.url}`);
      return new Response('[]', { status: 200 });
    };
    const c = createGeinsAdminClient({ ...AUTH, fetch: fake, paths: { list: '/API/Webhook' } });
    await c.list();
    expect(seen).toEqual(['GET https://mgmtapi.geins.io/API/Webhook']);
  });

  it('sends the entity number when entityFormat is number, and accepts camelCase answers', async () => {
    const sent: unknown[] = [];
    const fake = async (request: Request) => {
      sent.push(await request.json());
      return new Response('{"resource":{"id":"abc","entity":5,"name":"n","url":"https://x","retry":false}}', {
        status: 200,
      });
    };
    const c = createGeinsAdminClient({ ...AUTH, fetch: fake, entityFormat: 'number' });
    const created = await c.create(ORDER);
    expect(sent[0]).toMatchObject({ Entity: 5 });
    expect(created).toMatchObject({ Id: 'abc', Entity: 'Order', Name: 'n', Url: 'https://x', Retry: false });
  });

  it.each([401, 404, 422] as const)(
    '%i surfaces as GeinsAdminError with status and body, not retried',
    async (status) => {
      server.inject({ status, body: { Message: `injected ${status}`, Details: ['x'] } });
      const error = await client.create(ORDER).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(GeinsAdminError);
      expect(error).toMatchObject({ status, body: { Message: `injected ${status}`, Details: ['x'] }, attempts: 1 });
      expect(server.calls).toHaveLength(1);
    },
  );

  it('wrong credentials get the server’s own 401', async () => {
    const bad = createGeinsAdminClient({ ...AUTH, password: 'nope', baseUrl: server.url });
    await expect(bad.list()).rejects.toMatchObject({ name: 'GeinsAdminError', status: 401 });
  });

  it('a missing webhook is a 404 and a payload the server refuses is its 422', async () => {
    await expect(client.get('7d2f0c4e-0000-4000-8000-000000000000')).rejects.toMatchObject({ status: 404 });
    await expect(client.create({ ...ORDER, Entity: 'Basket' })).rejects.toMatchObject({
      status: 422,
      body: { Details: ['Entity, Actions and Url are required'] },
    });
  });

  it('429 waits for Retry-After before retrying', async () => {
    server.inject({ status: 429, retryAfter: '1' });
    const started = performance.now();
    await client.list();
    expect(server.calls).toHaveLength(2);
    expect(server.calls[1]!.at - server.calls[0]!.at).toBeGreaterThanOrEqual(950);
    expect(performance.now() - started).toBeLessThan(8_000);
  });

  it('500 then success is retried and succeeds', async () => {
    server.inject({ status: 500 });
    await expect(client.create(ORDER)).resolves.toMatchObject({ Name: 'Order Notifications' });
    expect(server.calls.map((c) => c.method)).toEqual(['POST', 'POST']);
    expect(server.geins.size).toBe(1);
  });

  it('refuses ids that would change the path before any call', async () => {
    await expect(client.delete('../Account')).rejects.toThrow(/invalid webhook id/);
    expect(server.calls).toHaveLength(0);
  });
});
