import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { genstoreEventKey } from '@hookinbox/genstore';
import { redisStore } from '@hookinbox/redis';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseUrl } from '../../../test/helpers/postgres.js';
import { deleteKeys, redisUrl, uniquePrefix } from '../../../test/helpers/redis.js';
import { type ExampleConfig, loadConfig } from '../src/config.js';
import type { SqlClient } from '../src/database.js';
import { geinsRequest, genstoreRequest, type SignedRequest } from '../src/deliveries.js';
import { type AppLogger, createLogger } from '../src/logger.js';
import type { ExampleApp } from '../src/main.js';

/** An example under test: its `createApp`, and how to send a request to its app without a socket. */
export interface ExampleUnderTest<A extends ExampleApp> {
  example: 'gdpr-express' | 'gdpr-fastify';
  createApp(config: ExampleConfig, options: { logger?: AppLogger; database?: SqlClient }): Promise<A>;
  send(app: A, path: string, request: SignedRequest): Promise<{ status: number; text: string }>;
}

const SECRET = 'test-genstore-secret';
const GEINS_SECRET = 'test-geins-secret';
const EXAMPLES = fileURLToPath(new URL('../../', import.meta.url));

type Row = Record<string, unknown>;

const newShop = () => ({
  id: `shop-${randomUUID().slice(0, 8)}`,
  domain: `${randomUUID().slice(0, 8)}.genmystore.com`,
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** Runs the same end-to-end suite over one example: deliveries in, then the database and export files checked. */
export function describeGdprExample<A extends ExampleApp>(subject: ExampleUnderTest<A>): void {
  const { example } = subject;

  describe(`${example}: end to end`, () => {
    let scratch: string;
    let exportsDir: string;
    let app: A;
    const logs: string[] = [];
    const logger = createLogger({ name: example, level: 'info', write: (line) => logs.push(line) });

    const configFor = (env: Record<string, string> = {}) =>
      loadConfig(example, {
        GENSTORE_CLIENT_SECRET: SECRET,
        GEINS_WEBHOOK_SECRET: GEINS_SECRET,
        DATABASE_PATH: 'memory://',
        EXPORTS_DIR: exportsDir,
        HOST: '127.0.0.1',
        PORT: '0',
        ...env,
      });

    beforeAll(async () => {
      scratch = await mkdtemp(join(tmpdir(), `hookinbox-${example}-test-`));
      exportsDir = join(scratch, 'exports');
      app = await subject.createApp(configFor(), { logger });
    });

    afterAll(async () => {
      await app?.close();
      await rm(scratch, { recursive: true, force: true });
    });

    const rows = async (sql: string, params: unknown[] = []) => (await app.db.sql.query<Row>(sql, params)).rows;
    const json = (r: { text: string }) => JSON.parse(r.text) as Record<string, unknown>;

    const genstore = (
      topic: string,
      payload: unknown,
      options: Parameters<typeof genstoreRequest>[3] = {},
      target: A = app,
    ) => subject.send(target, '/webhooks/genstore', genstoreRequest(topic, payload, SECRET, options));
    const geins = (event: Parameters<typeof geinsRequest>[0], options: Parameters<typeof geinsRequest>[2] = {}) =>
      subject.send(app, '/webhooks/geins', geinsRequest(event, GEINS_SECRET, options));

    const shopRows = async (shopId: string) => ({
      shops: await rows('SELECT id FROM shops WHERE id = $1', [shopId]),
      customers: await rows('SELECT id FROM customers WHERE shop_id = $1 ORDER BY id', [shopId]),
      orders: await rows('SELECT id FROM orders WHERE shop_id = $1 ORDER BY id', [shopId]),
      requests: await rows('SELECT request_id FROM data_requests WHERE shop_id = $1', [shopId]),
    });
    const exportFiles = async (shopId: string) => {
      const dir = join(exportsDir, shopId);
      return existsSync(dir) ? (await readdir(dir)).sort() : [];
    };

    /** A shop with customer 501 (orders A1, A2) and customer 502 (order B1). */
    async function seedShop() {
      const shop = newShop();
      for (const [id, email] of [
        ['501', 'ada@example.com'],
        ['502', 'bob@example.com'],
      ]) {
        expect((await genstore('customers/create', { customer: { id, shopId: shop.id, email } })).status).toBe(200);
      }
      for (const [id, customer] of [
        ['A1', '501'],
        ['A2', '501'],
        ['B1', '502'],
      ]) {
        const order = {
          order: { id, shopId: shop.id, customer: { id: customer }, totalPrice: '10.00', currency: 'EUR' },
        };
        expect((await genstore('orders/create', order)).status).toBe(200);
      }
      return shop;
    }

    const dataRequest = (shop: { id: string; domain: string }, requestId: string, orders: string[] = []) => ({
      shop_id: shop.id,
      shop_domain: shop.domain,
      customer: { id: '501', email: 'ada@example.com', phone: null },
      orders_requested: orders,
      data_request: { id: requestId },
    });

    describe('Genstore', () => {
      it('stores orders/create and customers/create, and customers/update replaces the stored customer', async () => {
        const shop = newShop();
        const order = await genstore(
          'orders/create',
          { order: { id: '1001', shopId: shop.id, customer: { id: '501' }, totalPrice: '49.90', currency: 'EUR' } },
          { shopDomain: shop.domain },
        );
        expect(order.status).toBe(200);
        // Shopify's flat snake_case shape, the other one Genstore may send.
        const customer = { id: 501, shop_id: shop.id, email: 'ada@example.com', first_name: 'Ada' };
        expect((await genstore('customers/create', customer)).status).toBe(200);

        expect(await rows('SELECT id, customer_id, total, currency FROM orders WHERE shop_id = $1', [shop.id])).toEqual(
          [{ id: '1001', customer_id: '501', total: '49.90', currency: 'EUR' }],
        );
        expect(await rows('SELECT domain FROM shops WHERE id = $1', [shop.id])).toEqual([{ domain: shop.domain }]);

        await genstore('customers/update', { ...customer, email: 'ada@lovelace.example' });
        expect(await rows('SELECT id, email, first_name FROM customers WHERE shop_id = $1', [shop.id])).toEqual([
          { id: '501', email: 'ada@lovelace.example', first_name: 'Ada' },
        ]);
      });

      it('acknowledges an order without an id, storing nothing, so Genstore does not resend it in vain', async () => {
        const shop = newShop();
        const response = await genstore('orders/create', { order: { shopId: shop.id, totalPrice: '1.00' } });
        expect(response.status).toBe(200);
        expect((await shopRows(shop.id)).orders).toEqual([]);
        expect(logs.some((l) => l.includes('orders/create: no order id or shop'))).toBe(true);
      });

      it('marks the shop uninstalled on app/uninstalled and keeps its data until shop/redact', async () => {
        const shop = await seedShop();
        const response = await genstore('app/uninstalled', { uninstalled: { clientId: 'C1', shopId: shop.id } });
        expect(response.status).toBe(200);
        const [row] = await rows('SELECT uninstalled_at FROM shops WHERE id = $1', [shop.id]);
        expect(row?.uninstalled_at).toBeInstanceOf(Date);
        expect((await shopRows(shop.id)).customers).toHaveLength(2);
      });

      it('customers/data_request writes exactly one export holding the customer and their orders', async () => {
        const shop = await seedShop();
        const delivery = dataRequest(shop, 'DR-1', ['A1']);
        const first = await genstore('customers/data_request', delivery);
        expect(first.status).toBe(200);

        expect(await exportFiles(shop.id)).toEqual(['DR-1.json']);
        const path = join(exportsDir, shop.id, 'DR-1.json');
        const text = await readFile(path, 'utf8');
        const file = JSON.parse(text);
        expect(file.request).toMatchObject({ id: 'DR-1', customer: { id: '501' }, ordersRequested: ['A1'] });
        expect(file.customers).toHaveLength(1);
        expect(file.customers[0]).toMatchObject({ id: '501', email: 'ada@example.com' });
        // Their orders, and no other customer's.
        expect(file.orders.map((o: Row) => o.id)).toEqual(['A1', 'A2']);
        expect(
          await rows('SELECT request_id, customer_id, export_path FROM data_requests WHERE shop_id = $1', [shop.id]),
        ).toEqual([{ request_id: 'DR-1', customer_id: '501', export_path: resolve(path) }]);

        // Genstore resends the same delivery (a retry after a timeout): acknowledged, not exported again.
        const again = await genstore('customers/data_request', delivery);
        expect(again.status).toBe(200);
        expect(json(again)).toEqual({ ok: true, duplicate: true });
        expect(await exportFiles(shop.id)).toEqual(['DR-1.json']);
        expect(await readFile(path, 'utf8')).toBe(text);
      });

      it('does not write a second export for a request id already answered, even from a new delivery', async () => {
        const shop = await seedShop();
        await genstore('customers/data_request', dataRequest(shop, 'DR-2'), { webhookId: randomUUID() });
        const path = join(exportsDir, shop.id, 'DR-2.json');
        const text = await readFile(path, 'utf8');
        await genstore('orders/create', { order: { id: 'A3', shopId: shop.id, customer: { id: '501' } } });

        // Another body (the dedupe key is a digest of it), so the dedupe store does not recognise it; the request id does.
        const again = { ...dataRequest(shop, 'DR-2'), note: 'asked again' };
        const second = await genstore('customers/data_request', again, { webhookId: randomUUID() });
        expect(json(second)).toEqual({ ok: true });
        expect(await exportFiles(shop.id)).toEqual(['DR-2.json']);
        expect(await readFile(path, 'utf8')).toBe(text);
        expect(JSON.parse(text).orders.map((o: Row) => o.id)).not.toContain('A3');
        expect((await shopRows(shop.id)).requests).toHaveLength(1);
      });

      it('keeps export files inside EXPORTS_DIR whatever ids the payload holds', async () => {
        const shop = { id: '../../escaped-shop', domain: 'x.genmystore.com' };
        const response = await genstore('customers/data_request', {
          ...dataRequest(shop, '../../../escaped-request'),
          shop_id: shop.id,
        });
        expect(response.status).toBe(200);
        const [row] = await rows('SELECT export_path FROM data_requests WHERE shop_id = $1', [shop.id]);
        const path = String(row?.export_path);
        expect(path.startsWith(resolve(exportsDir) + sep)).toBe(true);
        expect(existsSync(path)).toBe(true);
        expect(existsSync(join(scratch, 'escaped-shop'))).toBe(false);
        expect(existsSync(resolve(exportsDir, '../../escaped-shop'))).toBe(false);
      });

      it('customers/redact deletes the customer, their orders and the listed orders, and nothing else', async () => {
        const shop = await seedShop();
        await genstore('orders/create', { order: { id: 'G1', shopId: shop.id } });
        await genstore('customers/data_request', dataRequest(shop, 'DR-3'));
        expect(await exportFiles(shop.id)).toEqual(['DR-3.json']);

        const redact = {
          shop_id: shop.id,
          shop_domain: shop.domain,
          customer: { id: '501', email: 'ada@example.com' },
          orders_to_redact: ['G1'],
        };
        const response = await genstore('customers/redact', redact);
        expect(response.status).toBe(200);
        expect(await rows('SELECT 1 FROM customers WHERE shop_id = $1 AND id = $2', [shop.id, '501'])).toEqual([]);
        const left = await shopRows(shop.id);
        expect(left.customers).toEqual([{ id: '502' }]);
        expect(left.orders).toEqual([{ id: 'B1' }]);
        expect(left.requests).toEqual([]);
        // The export held the customer's data, so it goes too.
        expect(await exportFiles(shop.id)).toEqual([]);

        // The same delivery again, then the same redaction as a new delivery: nothing more changes.
        expect(json(await genstore('customers/redact', redact))).toEqual({ ok: true, duplicate: true });
        const renewed = await genstore(
          'customers/redact',
          { ...redact, note: 'asked again' },
          { webhookId: randomUUID() },
        );
        expect(json(renewed)).toEqual({ ok: true });
        expect(await shopRows(shop.id)).toEqual(left);
      });

      it("accepts compliance payloads in Genstore's wrapped camelCase shape", async () => {
        const shop = await seedShop();
        const response = await genstore('customers/redact', {
          customersRedact: { shopId: shop.id, shopDomain: shop.domain, customer: { id: '502' }, ordersToRedact: [] },
        });
        expect(response.status).toBe(200);
        expect((await shopRows(shop.id)).customers).toEqual([{ id: '501' }]);
        expect((await shopRows(shop.id)).orders).toEqual([{ id: 'A1' }, { id: 'A2' }]);
      });

      it('shop/redact deletes every row and export of the shop, and nothing of another shop', async () => {
        const shop = await seedShop();
        const other = await seedShop();
        await genstore('customers/data_request', dataRequest(shop, 'DR-4'));
        // An order that named no shop id: stored under the domain from the X-Genstore-Shop-Domain header.
        await genstore('orders/create', { order: { id: 'H1' } }, { shopDomain: shop.domain });
        expect((await shopRows(shop.domain)).orders).toEqual([{ id: 'H1' }]);
        const otherBefore = await shopRows(other.id);

        const redact = { shop_id: shop.id, shop_domain: shop.domain };
        expect((await genstore('shop/redact', redact)).status).toBe(200);
        const empty = { shops: [], customers: [], orders: [], requests: [] };
        expect(await shopRows(shop.id)).toEqual(empty);
        expect(await shopRows(shop.domain)).toEqual(empty);
        expect(existsSync(join(exportsDir, shop.id))).toBe(false);
        expect(await shopRows(other.id)).toEqual(otherBefore);

        const again = await genstore('shop/redact', { ...redact, note: 'asked again' }, { webhookId: randomUUID() });
        expect(again.status).toBe(200);
        expect(await shopRows(shop.id)).toEqual(empty);
        expect(await shopRows(other.id)).toEqual(otherBefore);
      });

      it('refuses a forged, unsigned or tampered delivery with 401 and changes nothing', async () => {
        const shop = newShop();
        const before = await app.db.counts();
        const payload = { order: { id: 'F1', shopId: shop.id, totalPrice: '0.01' } };

        const wrongSecret = await subject.send(
          app,
          '/webhooks/genstore',
          genstoreRequest('orders/create', payload, SECRET, { signWith: 'not-the-secret' }),
        );
        expect(wrongSecret.status).toBe(401);
        expect(json(wrongSecret)).toMatchObject({ error: { code: 'invalid_signature' } });

        const { 'x-genstore-hmac-sha256': _, ...unsigned } = genstoreRequest('orders/create', payload, SECRET).headers;
        const missing = await subject.send(app, '/webhooks/genstore', {
          headers: unsigned,
          body: JSON.stringify(payload),
        });
        expect(missing.status).toBe(401);
        expect(json(missing)).toMatchObject({ error: { code: 'missing_signature' } });

        const signed = genstoreRequest('orders/create', payload, SECRET);
        const tampered = await subject.send(app, '/webhooks/genstore', {
          headers: signed.headers,
          body: signed.body.replace('0.01', '0.00'),
        });
        expect(tampered.status).toBe(401);
        expect(json(tampered)).toMatchObject({ error: { code: 'invalid_signature' } });

        expect(await shopRows(shop.id)).toEqual({ shops: [], customers: [], orders: [], requests: [] });
        expect(await app.db.counts()).toEqual(before);
      });
    });

    describe('Geins', () => {
      it('Customer.delete redacts the customer stored under that Geins id', async () => {
        const id = `G${randomUUID().slice(0, 8)}`;
        expect((await geins({ entity: 'Customer', action: 'create', id })).status).toBe(200);
        expect(await rows('SELECT shop_id, id FROM customers WHERE geins_id = $1', [id])).toEqual([
          { shop_id: 'geins', id },
        ]);
        const response = await geins({ entity: 'Customer', action: 'delete', id });
        expect(response.status).toBe(200);
        expect(await rows('SELECT 1 FROM customers WHERE geins_id = $1', [id])).toEqual([]);
      });

      it('Customer.obfuscate redacts a Genstore customer mapped to the Geins id, with their orders', async () => {
        const shop = await seedShop();
        const geinsIds = [`G${randomUUID().slice(0, 8)}`, `G${randomUUID().slice(0, 8)}`];
        // The mapping an app sets when it knows both records are one person (see the README).
        await app.db.sql.query('UPDATE customers SET geins_id = $1 WHERE shop_id = $2 AND id = $3', [
          geinsIds[0],
          shop.id,
          '501',
        ]);
        // A bulk operation: Geins sends a comma list of ids.
        const response = await geins({ entity: 'Customer', action: 'obfuscate', id: geinsIds.join(',') });
        expect(response.status).toBe(200);
        const left = await shopRows(shop.id);
        expect(left.customers).toEqual([{ id: '502' }]);
        expect(left.orders).toEqual([{ id: 'B1' }]);
      });

      it('records Order events and Product price or stock changes, and no other product change', async () => {
        const id = randomUUID().slice(0, 8);
        const sent = [
          { entity: 'Order', action: 'create', id: `O${id}` },
          { entity: 'Order', action: 'cancel', id: `O${id}` },
          { entity: 'Product', action: 'update', id: `P${id}`, subEntity: 'price' },
          { entity: 'Product', action: 'update', id: `P${id}`, subEntity: 'stockBalance' },
          { entity: 'Product', action: 'update', id: `P${id}`, subEntity: 'image' },
        ];
        for (const event of sent) expect((await geins(event)).status).toBe(200);
        const recorded = await rows(
          `SELECT name, ids, sub_entity FROM geins_events WHERE $1 = ANY(ids) OR $2 = ANY(ids) ORDER BY received_at`,
          [`O${id}`, `P${id}`],
        );
        expect(recorded).toEqual([
          { name: 'Order.create', ids: [`O${id}`], sub_entity: null },
          { name: 'Order.cancel', ids: [`O${id}`], sub_entity: null },
          { name: 'Product.update', ids: [`P${id}`], sub_entity: 'price' },
          { name: 'Product.update', ids: [`P${id}`], sub_entity: 'stockBalance' },
        ]);
      });

      it('processes a retry with the same x-Idempotency-Key once', async () => {
        const id = `O${randomUUID().slice(0, 8)}`;
        const key = randomUUID();
        const timestamp = new Date().toISOString();
        const first = await geins({ entity: 'Order', action: 'create', id }, { idempotencyKey: key, timestamp });
        expect(json(first)).toEqual({ ok: true });
        const retry = await geins({ entity: 'Order', action: 'create', id }, { idempotencyKey: key, timestamp });
        expect(retry.status).toBe(200);
        expect(json(retry)).toEqual({ ok: true, duplicate: true });
        expect(await rows('SELECT idempotency_key FROM geins_events WHERE $1 = ANY(ids)', [id])).toEqual([
          { idempotency_key: key },
        ]);
      });

      it('refuses a wrong or missing bearer secret with 401 and stores nothing', async () => {
        const id = `G${randomUUID().slice(0, 8)}`;
        const wrong = geinsRequest({ entity: 'Customer', action: 'create', id }, 'not-the-secret');
        expect((await subject.send(app, '/webhooks/geins', wrong)).status).toBe(401);
        const { authorization: _, ...headers } = wrong.headers;
        const missing = await subject.send(app, '/webhooks/geins', { headers, body: wrong.body });
        expect(missing.status).toBe(401);
        expect(json(missing)).toMatchObject({ error: { code: 'unauthorized' } });
        expect(await rows('SELECT 1 FROM customers WHERE geins_id = $1', [id])).toEqual([]);
      });
    });

    describe('configuration and shutdown', () => {
      it('mounts /webhooks/geins only when GEINS_WEBHOOK_SECRET is set', async () => {
        const withoutGeins = await subject.createApp(configFor({ GEINS_WEBHOOK_SECRET: '' }), {
          logger,
          database: app.db.sql,
        });
        try {
          expect(withoutGeins.receivers.geins).toBeUndefined();
          const request = geinsRequest({ entity: 'Order', action: 'create', id: '1' }, GEINS_SECRET);
          expect((await subject.send(withoutGeins, '/webhooks/geins', request)).status).toBe(404);
          expect(logs.some((l) => l.includes('Geins: off'))).toBe(true);
        } finally {
          await withoutGeins.close();
        }
      });

      it('with REDIS_URL, deduplicates in Redis, so a second instance sees the first one’s deliveries', async () => {
        const prefix = uniquePrefix(example);
        const redisLogs: string[] = [];
        const redisLogger = createLogger({ name: example, level: 'info', write: (l) => redisLogs.push(l) });
        const config = configFor({ REDIS_URL: redisUrl(), REDIS_KEY_PREFIX: prefix });
        const one = await subject.createApp(config, { logger: redisLogger, database: app.db.sql });
        const two = await subject.createApp(config, { logger: redisLogger, database: app.db.sql });
        const client = new Redis(redisUrl());
        try {
          expect(one.store).toBe('redis');
          expect(redisLogs.some((l) => l.includes('dedupe store: Redis'))).toBe(true);
          const shop = newShop();
          const delivery = { order: { id: 'R1', shopId: shop.id } };
          const webhookId = randomUUID();
          expect(json(await genstore('orders/create', delivery, { webhookId }, one))).toEqual({ ok: true });
          const key = genstoreEventKey('orders/create', JSON.stringify(delivery), SECRET);
          // Read through a store of its own rather than a raw key: the layout of keys is the store's business.
          const reader = redisStore({ client, keyPrefix: prefix, commandTimeoutMs: 5_000 });
          expect(await reader.claim(key, 60_000)).toEqual({ status: 'done' });
          expect(json(await genstore('orders/create', delivery, { webhookId }, two))).toEqual({
            ok: true,
            duplicate: true,
          });
          expect((await shopRows(shop.id)).orders).toEqual([{ id: 'R1' }]);
        } finally {
          await one.close();
          await two.close();
          await deleteKeys(client, prefix);
          await client.quit();
        }
      });

      it('QUEUE=bullmq without REDIS_URL stops at start with what to set', () => {
        expect(() => configFor({ QUEUE: 'bullmq' })).toThrow(/QUEUE=bullmq keeps the events in Redis: set REDIS_URL/);
        expect(() => configFor({ WORKER: 'only' })).toThrow(/WORKER=only needs a queue/);
      });

      it('with QUEUE=bullmq, the 200 waits for the job in Redis; a web process (WORKER=off) and a worker (WORKER=only) share the work', async () => {
        const prefix = uniquePrefix(example);
        const env = { REDIS_URL: redisUrl(), REDIS_KEY_PREFIX: prefix, QUEUE: 'bullmq' };
        const web = await subject.createApp(configFor({ ...env, WORKER: 'off' }), { logger, database: app.db.sql });
        const client = new Redis(redisUrl());
        let worker: A | undefined;
        try {
          const shop = newShop();
          const order = { order: { id: 'Q1', shopId: shop.id } };
          expect(json(await genstore('orders/create', order, {}, web))).toEqual({ ok: true });
          // Acknowledged, stored in Redis, and not handled: no worker yet.
          await new Promise((resolve) => setTimeout(resolve, 300));
          expect((await shopRows(shop.id)).orders).toEqual([]);
          expect(await client.zcard(`${prefix}queue:genstore:completed`)).toBe(0);
          expect(await client.llen(`${prefix}queue:genstore:wait`)).toBe(1);
          expect((await web.metrics.scrape()).body).toContain('hookinbox_queue_depth{queue="genstore"} 1');
          worker = await subject.createApp(configFor({ ...env, WORKER: 'only' }), { logger, database: app.db.sql });
          await waitFor('the worker to store the order', async () => (await shopRows(shop.id)).orders.length === 1);
          expect(logs.some((l) => l.includes('queue: BullMQ at'))).toBe(true);
        } finally {
          await web.close();
          await worker?.close();
          await deleteKeys(client, prefix);
          await client.quit();
        }
      });

      it('QUEUE=pg-boss without DATABASE_URL stops at start with what to set', () => {
        expect(() => configFor({ QUEUE: 'pg-boss' })).toThrow(
          /QUEUE=pg-boss keeps the events in PostgreSQL: set DATABASE_URL/,
        );
      });

      it('with DATABASE_URL and QUEUE=pg-boss, the data, the dedupe store and the queue are in PostgreSQL', async () => {
        // A database of the test's own: the example uses the default names (public tables, pg-boss's `pgboss` schema).
        const admin = new pg.Pool({ connectionString: databaseUrl(), max: 1 });
        const name = `hookinbox_example_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
        await admin.query(`CREATE DATABASE ${name}`);
        const url = new URL(databaseUrl());
        url.pathname = `/${name}`;
        let onServer: A | undefined;
        try {
          onServer = await subject.createApp(configFor({ DATABASE_URL: url.toString(), QUEUE: 'pg-boss' }), { logger });
          const shop = newShop();
          const order = { order: { id: 'PG1', shopId: shop.id } };
          expect(json(await genstore('orders/create', order, {}, onServer))).toEqual({ ok: true });
          const db = new pg.Pool({ connectionString: url.toString(), max: 1 });
          try {
            await waitFor('the worker to store the order', async () => {
              const { rows } = await db.query('SELECT id FROM orders WHERE shop_id = $1', [shop.id]);
              return rows.length === 1;
            });
            expect((await db.query('SELECT count(*)::int AS n FROM hookinbox_dedupe')).rows[0].n).toBeGreaterThan(0);
            expect(
              (await db.query(`SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'genstore'`)).rows[0].n,
            ).toBe(1);
            // The copy the platform may send is a duplicate: still one job.
            expect(json(await genstore('orders/create', order, {}, onServer))).toMatchObject({ duplicate: true });
            expect(
              (await db.query(`SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'genstore'`)).rows[0].n,
            ).toBe(1);
            expect(logs.some((l) => l.includes('queue: pg-boss in PostgreSQL'))).toBe(true);
          } finally {
            await db.end();
          }
        } finally {
          await onServer?.close();
          await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
          await admin.end();
        }
      });

      it('close() lets a running delivery finish while new deliveries get 503 closing', async () => {
        const slow = await subject.createApp(configFor({ DEMO_HANDLER_DELAY_MS: '1500' }), {
          logger,
          database: app.db.sql,
        });
        const url = await slow.listen();
        const shop = newShop();
        const post = (request: SignedRequest) =>
          fetch(`${url}/webhooks/genstore`, { method: 'POST', headers: request.headers, body: request.body });

        const running = post(genstoreRequest('orders/create', { order: { id: 'S1', shopId: shop.id } }, SECRET));
        await waitFor('the handler to start', () => slow.receivers.genstore.stats().inFlight === 1);
        const closing = slow.close();
        const late = await post(genstoreRequest('orders/create', { order: { id: 'S2', shopId: shop.id } }, SECRET));
        expect(late.status).toBe(503);
        expect(await late.json()).toMatchObject({ error: { code: 'closing' } });

        expect((await running).status).toBe(200);
        expect(await closing).toEqual({ drained: true, pending: [] });
        expect((await shopRows(shop.id)).orders).toEqual([{ id: 'S1' }]);
      });

      it('close() names the deliveries that did not finish within SHUTDOWN_TIMEOUT_MS', async () => {
        const stuckLogs: string[] = [];
        const stuckLogger = createLogger({ name: example, level: 'info', write: (l) => stuckLogs.push(l) });
        const stuck = await subject.createApp(
          configFor({ DEMO_HANDLER_DELAY_MS: '60000', SHUTDOWN_TIMEOUT_MS: '300' }),
          { logger: stuckLogger, database: app.db.sql },
        );
        const url = await stuck.listen();
        const shop = newShop();
        const request = genstoreRequest('customers/data_request', dataRequest(shop, 'DR-5'), SECRET);
        const running = fetch(`${url}/webhooks/genstore`, {
          method: 'POST',
          headers: request.headers,
          body: request.body,
        });
        await waitFor('the handler to start', () => stuck.receivers.genstore.stats().inFlight === 1);

        const report = await stuck.close();
        expect(report.drained).toBe(false);
        expect(report.pending).toEqual([
          { receiver: 'genstore', name: 'customers/data_request', id: expect.any(String) },
        ]);
        expect(stuckLogs.some((l) => l.includes('still running') && l.includes('customers/data_request'))).toBe(true);
        // The cut-off handler failed, so Genstore is told to deliver again; nothing was exported.
        expect((await running).status).toBe(500);
        expect(await exportFiles(shop.id)).toEqual([]);
      });
    });
  });

  describe(`${example}: as a process (pnpm start)`, () => {
    const dir = join(EXAMPLES, example);
    let scratch: string;

    beforeAll(async () => {
      scratch = await mkdtemp(join(tmpdir(), `hookinbox-${example}-process-`));
    });
    afterAll(async () => {
      await rm(scratch, { recursive: true, force: true });
    });

    /** `node --conditions=source --import tsx src/server.ts`, the `start` script, with only the given environment. */
    function start(env: Record<string, string>) {
      const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', 'src/server.ts'], {
        cwd: dir,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? scratch, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const output = { stdout: '', stderr: '' };
      child.stdout?.on('data', (c: Buffer) => {
        output.stdout += c.toString();
      });
      child.stderr?.on('data', (c: Buffer) => {
        output.stderr += c.toString();
      });
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
        child.on('exit', (code, signal) => resolve({ code, signal })),
      );
      return { child, output, exited };
    }

    const stop = (child: ChildProcess) => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    };

    it('exits 1 with a clear message, and no stack trace, when GENSTORE_CLIENT_SECRET is missing', async () => {
      const { child, output, exited } = start({ DATABASE_PATH: join(scratch, 'unused') });
      try {
        const { code } = await exited;
        expect(code).toBe(1);
        expect(output.stderr).toContain('GENSTORE_CLIENT_SECRET is not set');
        expect(output.stderr).not.toMatch(/^\s+at /m);
        expect(existsSync(join(scratch, 'unused'))).toBe(false);
      } finally {
        stop(child);
      }
    }, 60_000);

    it('on SIGTERM: the running delivery finishes, a new one gets 503, then it exits 0', async () => {
      const databasePath = join(scratch, 'db');
      const { child, output, exited } = start({
        GENSTORE_CLIENT_SECRET: SECRET,
        DATABASE_PATH: databasePath,
        EXPORTS_DIR: join(scratch, 'exports'),
        HOST: '127.0.0.1',
        PORT: '0',
        DEMO_HANDLER_DELAY_MS: '2500',
      });
      try {
        await waitFor('the server to listen', () => /listening on http:\/\/\S+:\d+/.test(output.stdout), 90_000);
        const url = /listening on (http:\/\/\S+:\d+)/.exec(output.stdout)?.[1] as string;
        const shop = newShop();
        const post = (request: SignedRequest) =>
          fetch(`${url}/webhooks/genstore`, { method: 'POST', headers: request.headers, body: request.body });

        const running = post(genstoreRequest('orders/create', { order: { id: 'T1', shopId: shop.id } }, SECRET));
        await waitFor('the handler to start', () => output.stdout.includes('orders/create: handler started'));
        child.kill('SIGTERM');
        await waitFor('the shutdown to begin', () => output.stdout.includes('SIGTERM: shutting down'));
        const late = await post(genstoreRequest('orders/create', { order: { id: 'T2', shopId: shop.id } }, SECRET));
        expect(late.status).toBe(503);
        expect(await late.json()).toMatchObject({ error: { code: 'closing' } });

        expect((await running).status).toBe(200);
        expect(await exited).toEqual({ code: 0, signal: null });
        expect(output.stdout).toContain('orders/create: order stored');
        expect(output.stderr).not.toMatch(/^\s+at /m);

        // The database was closed cleanly and holds the order that finished during the shutdown.
        const reopened = await subject.createApp(
          loadConfig(example, { GENSTORE_CLIENT_SECRET: SECRET, DATABASE_PATH: databasePath, LOG_LEVEL: 'silent' }),
          {},
        );
        try {
          expect((await reopened.db.sql.query('SELECT id FROM orders WHERE shop_id = $1', [shop.id])).rows).toEqual([
            { id: 'T1' },
          ]);
        } finally {
          await reopened.close();
        }
      } finally {
        stop(child);
      }
    }, 180_000);
  });
}
