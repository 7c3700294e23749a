import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { genstoreDelivery, type ShopifySample, shopifySamples } from '@hookinbox/testing';
import { describe, expect, it } from 'vitest';
import { genstoreRequest } from '../src/deliveries.js';
import type { ExampleApp } from '../src/main.js';
import { type ExampleFixture, SECRET } from './example-fixture.js';
import type { ExampleUnderTest } from './gdpr-suite.js';

type Row = Record<string, unknown>;

/**
 * Shopify's published compliance samples (Genstore mirrors its design), their variants with 64-bit ids and the
 * customer known only by email, sent as their exact bytes to one example: each reaches its handler and the database
 * shows the export or the redaction.
 */
export function describeComplianceSamples<A extends ExampleApp>(
  subject: ExampleUnderTest<A>,
  fixture: ExampleFixture<A>,
): void {
  describe("Shopify's compliance samples", () => {
    const { logs } = fixture;
    const rows = async (sql: string, params: unknown[] = []) => (await fixture.app.db.sql.query<Row>(sql, params)).rows;
    const ids = async (table: 'customers' | 'orders', shopKeys: string[]) =>
      (await rows(`SELECT id FROM ${table} WHERE shop_id = ANY($1) ORDER BY id`, [shopKeys])).map((r) => r.id);
    const send = async (topic: string, payload: unknown, shopDomain?: string) =>
      subject.send(fixture.app, '/webhooks/genstore', genstoreRequest(topic, payload, SECRET, { shopDomain }));
    /** Exact bytes, so 64-bit ids reach the provider unrounded; expects the plain 200 of a handled delivery. */
    const sendBody = async (topic: string, body: string, shopDomain?: string) => {
      const d = genstoreDelivery({ topic, body, secret: SECRET, shopDomain });
      const response = await subject.send(fixture.app, '/webhooks/genstore', {
        headers: d.headers,
        body: d.body.toString('utf8'),
      });
      expect({ topic, body, status: response.status, answer: JSON.parse(response.text) }).toEqual({
        topic,
        body,
        status: 200,
        answer: { ok: true },
      });
    };
    const sendSample = (sample: ShopifySample, shopDomain?: string) => sendBody(sample.topic, sample.body, shopDomain);
    const exportsOf = async (shopId: string) => {
      const dir = join(fixture.exportsDir, shopId);
      return existsSync(dir) ? (await readdir(dir)).sort() : [];
    };

    it('the published samples: an export of the customer, then the customer and their orders redacted, then the shop', async () => {
      const shop = ['954889', '{shop}.myshopify.com'];
      for (const [id, email] of [
        ['191167', 'john@example.com'],
        ['191168', 'jane@example.com'],
      ]) {
        expect((await send('customers/create', { id, shop_id: shop[0], email })).status).toBe(200);
      }
      for (const [id, customer] of [
        ['299938', '191167'],
        ['280263', '191167'],
        ['220458', null],
        ['300000', '191168'],
      ]) {
        const order = { id, shop_id: shop[0], customer: customer ? { id: customer } : null };
        expect((await send('orders/create', order)).status).toBe(200);
      }

      await sendSample(shopifySamples.customersDataRequest);
      expect(await exportsOf('954889')).toEqual(['9999.json']);
      const file = JSON.parse(await readFile(join(fixture.exportsDir, '954889', '9999.json'), 'utf8'));
      expect(file.customers.map((c: Row) => c.id)).toEqual(['191167']);
      // Their orders and the one the request lists; not another customer's.
      expect(file.orders.map((o: Row) => o.id)).toEqual(['220458', '280263', '299938']);

      await sendSample(shopifySamples.customersRedact);
      expect(await ids('customers', shop)).toEqual(['191168']);
      expect(await ids('orders', shop)).toEqual(['300000']);
      expect(await exportsOf('954889')).toEqual([]);
      expect(await rows('SELECT 1 FROM data_requests WHERE shop_id = ANY($1)', [shop])).toEqual([]);

      await sendSample(shopifySamples.shopRedact);
      expect(await ids('customers', shop)).toEqual([]);
      expect(await ids('orders', shop)).toEqual([]);
      expect(await rows('SELECT 1 FROM shops WHERE id = ANY($1)', [shop])).toEqual([]);
    });

    it('64-bit ids: orders/create, the data request and the redaction keep every digit', async () => {
      const shop = ['548380009', 'example.myshopify.com'];
      const customer = '{"id":115310627314723954,"shop_id":548380009,"email":"john@example.com"}';
      await sendBody('customers/create', customer);
      // Shopify's order names no shop: it is stored under the X-Genstore-Shop-Domain header.
      await sendSample(shopifySamples.ordersCreate, shop[1]);
      await send('orders/create', { id: 'K1', shop_id: shop[0], customer: { id: '9' } });
      expect(await ids('orders', shop)).toEqual(['820982911946154508', 'K1']);
      expect(await rows('SELECT customer_id FROM orders WHERE id = $1', ['820982911946154508'])).toEqual([
        { customer_id: '115310627314723954' },
      ]);

      await sendSample(shopifySamples.customersDataRequestLargeIds);
      const file = JSON.parse(
        await readFile(join(fixture.exportsDir, '548380009', '9223372036854775807.json'), 'utf8'),
      );
      expect(file.request.customer.id).toBe('115310627314723954');
      expect(file.customers.map((c: Row) => c.id)).toEqual(['115310627314723954']);
      expect(file.orders.map((o: Row) => o.id)).toEqual(['820982911946154508']);

      await sendSample(shopifySamples.customersRedactLargeIds);
      expect(await ids('customers', shop)).toEqual([]);
      expect(await ids('orders', shop)).toEqual(['K1']);
      expect(await exportsOf('548380009')).toEqual([]);
    });

    it("app/uninstalled in Shopify's flat shape (the shop object itself) marks the shop uninstalled", async () => {
      await sendSample(shopifySamples.appUninstalled);
      const [shop] = await rows('SELECT uninstalled_at FROM shops WHERE id = $1', ['548380009']);
      expect(shop?.uninstalled_at).toBeInstanceOf(Date);
    });

    it('a customer known only by email ("id": null) is found by that email, with their orders placed without an account', async () => {
      const shop = ['548380009', 'example.myshopify.com'];
      for (const [id, email] of [
        ['7001', 'John@Example.com'],
        ['7002', 'other@example.com'],
      ]) {
        await send('customers/create', { id, shop_id: shop[0], email });
      }
      await send('orders/create', { id: 'E1', shop_id: shop[0], customer: { id: '7001' } });
      await send('orders/create', { id: 'E2', shop_id: shop[0], email: 'john@example.com' });
      await send('orders/create', { id: 'E3', shop_id: shop[0], customer: { id: '7002' }, email: 'john@example.com' });

      await sendSample(shopifySamples.customersRedactEmailOnly);
      expect(await ids('customers', shop)).toEqual(['7002']);
      // E3 belongs to another customer's account: only orders without one are matched by email.
      expect((await ids('orders', shop)).filter((id) => String(id).startsWith('E'))).toEqual(['E3']);
      expect(logs.some((l) => l.includes('customers/redact: customer deleted'))).toBe(true);
    });
  });
}
