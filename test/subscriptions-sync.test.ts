import { createReceiver, type Provider } from '@hookinbox/core';
import {
  applyGeinsSync,
  createGeinsAdminClient,
  type GeinsAdminClient,
  type GeinsAdminWebhookInput,
  planGeinsSync,
} from '@hookinbox/geins';
import {
  applyGenstoreSync,
  createGenstoreAdminClient,
  type GenstoreAdminClient,
  planGenstoreSync,
} from '@hookinbox/genstore';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type PlatformServer, startPlatformServer } from './fixtures/platform-server.js';

const ADDRESS = 'https://app.example/webhooks/genstore';
const COMPLIANCE = ['customers/data_request', 'customers/redact', 'shop/redact'];

/** A provider that accepts nothing: these tests only need the receiver's handler patterns. */
const inertProvider: Provider = {
  name: 'inert',
  verify() {
    throw new Error('not used');
  },
};

let server: PlatformServer;
afterEach(() => server.close());

describe('planGenstoreSync / applyGenstoreSync', () => {
  let client: GenstoreAdminClient;
  beforeEach(async () => {
    server = await startPlatformServer({ genstoreToken: 't' });
    client = createGenstoreAdminClient({ shop: 'demo', accessToken: 't', baseUrl: server.url });
  });

  it('an empty shop: creates the handled topics plus the three compliance topics', async () => {
    const plan = await planGenstoreSync(client, { address: ADDRESS, topics: ['orders/create', 'customers/update'] });

    expect(plan.create).toEqual(
      ['orders/create', 'customers/update', ...COMPLIANCE].map((topic) => ({ topic, address: ADDRESS })),
    );
    expect([plan.update, plan.stale, plan.unchanged, plan.skipped]).toEqual([[], [], [], []]);
    expect(server.writes()).toHaveLength(0);
  });

  it('takes exact names from receiver.patterns() and reports wildcards as skipped', async () => {
    const receiver = createReceiver({ provider: inertProvider })
      .on('orders/paid', () => {})
      .on('orders/*', () => {})
      .on('*', () => {})
      .on('shop/redact', () => {});

    const plan = await planGenstoreSync(client, { address: ADDRESS, receiver });

    expect(plan.topics).toEqual(['orders/paid', 'shop/redact', 'customers/data_request', 'customers/redact']);
    expect(plan.skipped.map((s) => s.pattern)).toEqual(['orders/*', '*']);
  });

  it('plans update for a moved address, unchanged for a match, stale for the rest; apply twice writes once', async () => {
    await client.create({ topic: 'orders/create', address: 'https://old.example/hooks' });
    await client.create({ topic: 'customers/redact', address: ADDRESS });
    await client.create({ topic: 'products/update', address: ADDRESS });
    await client.create({ topic: 'customers/redact', address: 'https://old.example/hooks' });
    const setupWrites = server.writes().length;

    const plan = await planGenstoreSync(client, { address: ADDRESS, topics: ['orders/create'] });
    expect(plan.update).toEqual([
      expect.objectContaining({
        topic: 'orders/create',
        address: ADDRESS,
        previousAddress: 'https://old.example/hooks',
      }),
    ]);
    expect(plan.unchanged.map((w) => w.topic)).toEqual(['customers/redact']);
    expect(plan.create.map((c) => c.topic)).toEqual(['customers/data_request', 'shop/redact']);
    expect(plan.stale.map((w) => `${w.topic} ${w.address}`)).toEqual([
      `products/update ${ADDRESS}`,
      'customers/redact https://old.example/hooks',
    ]);

    const result = await applyGenstoreSync(client, plan);
    expect(result.created.map((w) => w.topic)).toEqual(['customers/data_request', 'shop/redact']);
    expect(result.updated.map((w) => w.address)).toEqual([ADDRESS]);
    expect(result.deleted).toEqual([]);
    expect(result.keptStale).toHaveLength(2);
    expect(server.writes()).toHaveLength(setupWrites + 3);

    const writesBefore = server.writes().length;
    const again = await planGenstoreSync(client, { address: ADDRESS, topics: ['orders/create'] });
    expect(again.create).toEqual([]);
    expect(again.update).toEqual([]);
    expect(again.unchanged.map((w) => w.topic).sort()).toEqual(['orders/create', ...COMPLIANCE].sort());
    await applyGenstoreSync(client, again);
    expect(server.writes()).toHaveLength(writesBefore);
  });

  it('deletes stale subscriptions only with deleteStale', async () => {
    const stale = await client.create({ topic: 'products/update', address: ADDRESS });
    await applyGenstoreSync(client, await planGenstoreSync(client, { address: ADDRESS, topics: [] }));
    expect(server.genstore.has(Number(stale.id))).toBe(true);

    const result = await applyGenstoreSync(client, await planGenstoreSync(client, { address: ADDRESS, topics: [] }), {
      deleteStale: true,
    });
    expect(result.deleted).toEqual([stale.id]);
    expect([...server.genstore.values()].map((w) => w.topic).sort()).toEqual([...COMPLIANCE].sort());
    expect(server.calls.at(-1)).toMatchObject({ method: 'DELETE', path: `/api/202412/app/webhooks/${stale.id}` });
  });

  it('refuses an address that is not an absolute http(s) URL', async () => {
    await expect(planGenstoreSync(client, { address: '/webhooks/genstore', topics: [] })).rejects.toThrow(/absolute/);
  });
});

describe('planGeinsSync / applyGeinsSync', () => {
  let client: GeinsAdminClient;
  const auth = { apiKey: 'k', username: 'u', password: 'p' };
  const order: GeinsAdminWebhookInput = {
    Entity: 'Order',
    Name: 'hookinbox: orders',
    Actions: 'create,complete',
    Method: 'POST',
    Url: 'https://app.example/webhooks/geins',
    Body: '{"entity":"{{entity}}","action":"{{action}}","id":"{{id}}"}',
    Headers: 'Authorization: Bearer s3cret',
    Retry: true,
  };
  const product: GeinsAdminWebhookInput = {
    ...order,
    Entity: 'Product',
    Name: 'hookinbox: products',
    Actions: 'update',
  };
  beforeEach(async () => {
    server = await startPlatformServer({ geins: auth });
    client = createGeinsAdminClient({ ...auth, baseUrl: server.url });
  });

  it('creates missing definitions, updates changed fields, keeps foreign webhooks; apply twice writes once', async () => {
    await client.create({ ...order, Actions: 'complete,create', Headers: 'Authorization: Bearer old' });
    const oldProducts = await client.create({ ...product, Name: 'hookinbox: old products' });
    const slack = await client.create({ ...order, Name: 'Slack', Url: 'https://hooks.slack.example/x' });
    const setupWrites = server.writes().length;

    const plan = await planGeinsSync(client, { definitions: [order, product] });
    expect(plan.create.map((p) => p.Name)).toEqual(['hookinbox: products']);
    // Actions in another order are the same set; only the header differs.
    expect(plan.update).toEqual([expect.objectContaining({ name: 'hookinbox: orders', fields: ['Headers'] })]);
    expect(plan.stale.map((w) => w.Id)).toEqual([oldProducts.Id]);
    expect(plan.foreign.map((w) => w.Id)).toEqual([slack.Id]);

    await applyGeinsSync(client, plan);
    expect(server.writes()).toHaveLength(setupWrites + 2);
    expect([...server.geins.values()].find((w) => w.Name === 'hookinbox: orders')?.Headers).toBe(
      'Authorization: Bearer s3cret',
    );

    const writesBefore = server.writes().length;
    const again = await planGeinsSync(client, { definitions: [order, product] });
    expect([again.create.length, again.update.length]).toEqual([0, 0]);
    expect(again.unchanged.map((w) => w.Name).sort()).toEqual(['hookinbox: orders', 'hookinbox: products']);
    await applyGeinsSync(client, again);
    expect(server.writes()).toHaveLength(writesBefore);
  });

  it('deleteStale deletes the app’s stale webhooks and never a foreign one', async () => {
    const old = await client.create({ ...product, Name: 'hookinbox: gone' });
    const foreign = await client.create({ ...order, Name: 'ERP', Url: 'https://erp.example/in' });
    const result = await applyGeinsSync(client, await planGeinsSync(client, { definitions: [order] }), {
      deleteStale: true,
    });
    expect(result.deleted).toEqual([old.Id]);
    expect(server.geins.has(foreign.Id)).toBe(true);
  });

  it('refuses definitions without a Name or with the same Name twice', async () => {
    await expect(planGeinsSync(client, { definitions: [order, order] })).rejects.toThrow(/two webhook definitions/);
    await expect(planGeinsSync(client, { definitions: [{ ...order, Name: '' }] })).rejects.toThrow(/Name/);
  });
});
