import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { genstoreDelivery, genstoreSamples } from '@hookinbox/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import type { ExampleApp } from '../src/main.js';
import type { ExampleUnderTest } from './gdpr-suite.js';

const SECRET = 'test-genstore-secret';

type Sample = { name: string; labels: Record<string, string>; value: number };

/** Prometheus' text format, enough of it for these metrics: `name{a="x",b="y"} value` lines. */
function parse(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-z_:]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? '').matchAll(/([a-z_]+)="((?:[^"\\]|\\.)*)"/g)) labels[k as string] = v as string;
    samples.push({ name: m[1] as string, labels, value: Number(m[3]) });
  }
  return samples;
}

/**
 * `GET /metrics` of an example over real HTTP, scraped after a few deliveries: each hookinbox metric with the value
 * those deliveries give it.
 */
export function describeMetrics<A extends ExampleApp>(subject: ExampleUnderTest<A>): void {
  const { example } = subject;

  describe(`${example}: GET /metrics`, () => {
    let scratch: string;
    let app: A;
    let url: string;

    beforeAll(async () => {
      scratch = await mkdtemp(join(tmpdir(), `hookinbox-${example}-metrics-`));
      const config = loadConfig(example, {
        GENSTORE_CLIENT_SECRET: SECRET,
        DATABASE_PATH: 'memory://',
        EXPORTS_DIR: join(scratch, 'exports'),
        HOST: '127.0.0.1',
        PORT: '0',
      });
      app = await subject.createApp(config, { logger: createLogger({ name: example, level: 'silent' }) });
      url = await app.listen();
    });
    afterAll(async () => {
      await app?.close();
      await rm(scratch, { recursive: true, force: true });
    });

    const post = async (d: { url: string; headers: Record<string, string>; body: Buffer }) => {
      const res = await fetch(`${url}${d.url}`, { method: 'POST', headers: d.headers, body: new Uint8Array(d.body) });
      await res.text();
      return res.status;
    };

    it('counts deliveries by outcome, latencies, duplicates, parked deliveries and handlers in flight', async () => {
      const order = (webhookId: string) =>
        genstoreDelivery({
          topic: 'orders/create',
          payload: { ...genstoreSamples.ordersCreate, id: Number.parseInt(webhookId.slice(-6), 16) },
          secret: SECRET,
          shopDomain: 'metrics-shop.genmystore.com',
          webhookId,
        });
      const first = order(`wh-${randomUUID().slice(0, 6)}`);
      expect(await post(first)).toBe(200);
      expect(await post(order(`wh-${randomUUID().slice(0, 6)}`))).toBe(200);
      expect(await post(first)).toBe(200); // a copy: duplicate
      const parked = genstoreDelivery({ topic: 'customers/redact', payload: { shop_id: 'x' }, secret: SECRET });
      expect(await post(parked)).toBe(200);
      expect(await post({ ...first, headers: { ...first.headers, 'x-genstore-hmac-sha256': 'forged' } })).toBe(401);

      const res = await fetch(`${url}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      const samples = parse(await res.text());
      const value = (name: string, labels: Record<string, string> = {}) =>
        samples
          .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
          .reduce((sum, s) => sum + s.value, 0);
      const genstore = { provider: 'genstore' };
      const orders = { ...genstore, event: 'orders/create' };

      // The examples answer after their handlers: a processed delivery's outcome is `handled`.
      expect(value('hookinbox_deliveries_total', { ...orders, outcome: 'handled' })).toBe(2);
      expect(value('hookinbox_deliveries_total', { ...orders, outcome: 'duplicate' })).toBe(1);
      expect(value('hookinbox_deliveries_total', { ...genstore, event: 'customers/redact', outcome: 'parked' })).toBe(
        1,
      );
      expect(value('hookinbox_deliveries_total', { ...genstore, event: '', outcome: 'refused' })).toBe(1);
      expect(value('hookinbox_deliveries_total')).toBe(5);
      expect(value('hookinbox_duplicates_total', genstore)).toBe(1);
      expect(value('hookinbox_parked_total', genstore)).toBe(1);
      // Four 2xx answers: two handled, the copy, the parked one; each within the largest bucket.
      expect(value('hookinbox_ack_latency_seconds_count', genstore)).toBe(4);
      expect(value('hookinbox_ack_latency_seconds_bucket', { ...genstore, le: '+Inf' })).toBe(4);
      expect(value('hookinbox_ack_latency_seconds_sum', genstore)).toBeGreaterThan(0);
      expect(value('hookinbox_handler_duration_seconds_count', { ...orders, outcome: 'handled' })).toBe(2);
      expect(value('hookinbox_handler_duration_seconds_sum', { ...orders, outcome: 'handled' })).toBeGreaterThan(0);
      expect(value('hookinbox_handlers_in_flight', genstore)).toBe(0);
      // Declared, and nothing dead-lettered: no series yet.
      expect(samples.some((s) => s.name === 'hookinbox_dead_lettered_total')).toBe(false);
      // No delivery id or shop in any label.
      expect(JSON.stringify(samples.map((s) => s.labels))).not.toMatch(/wh-|metrics-shop/);
    });
  });
}
