import { createReceiver } from '@hookinbox/core';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { captureLogger, deferred, delivery, sleep, testProvider } from '../../../test/helpers/test-provider.js';
import { collectMetrics } from './collect.js';

const make = () =>
  createReceiver({
    provider: testProvider(),
    logger: captureLogger().logger,
    retry: { attempts: 2, minDelayMs: 1, maxDelayMs: 2 },
  });

const settle = async (receiver: { stats(): { inFlight: number } }) => {
  for (let i = 0; i < 200 && receiver.stats().inFlight > 0; i++) await sleep(5);
};

/** The value of one series, by metric name and labels (a histogram's `_count` or `_sum` by its full name). */
async function value(registry: Registry, name: string, labels: Record<string, string> = {}) {
  for (const metric of await registry.getMetricsAsJSON()) {
    for (const v of metric.values) {
      const series = (v as { metricName?: string }).metricName ?? metric.name;
      if (series !== name) continue;
      if (Object.entries(labels).every(([k, l]) => String(v.labels[k]) === l)) return v.value;
    }
  }
  return undefined;
}

describe('collectMetrics', () => {
  it('counts deliveries by outcome, duplicates, parked, dead letters and the histograms in seconds', async () => {
    const registry = new Registry();
    const r = make();
    collectMetrics(r, { registry });
    r.on('thing/created', (event) => {
      if ((event.payload as { id: string }).id === 'fails') throw new Error('down');
    });
    await r.handle(delivery({ id: 'm-1' }));
    await settle(r);
    await r.handle(delivery({ id: 'm-1' })); // a copy
    await r.handle(delivery({ id: 'm-2', payload: { id: 'fails' } })); // dead-lettered after 2 calls
    await r.handle(delivery({ id: 'm-3', payload: { id: 42 } })); // fails its schema: parked
    await r.handle(delivery({ id: 'm-4', secret: 'forged' })); // refused
    await settle(r);

    const deliveries = (outcome: string, event = 'thing/created') =>
      value(registry, 'hookinbox_deliveries_total', { provider: 'test', event, outcome });
    expect(await deliveries('acknowledged')).toBe(2);
    expect(await deliveries('duplicate')).toBe(1);
    expect(await deliveries('parked')).toBe(1);
    expect(await deliveries('refused', '')).toBe(1);
    expect(await value(registry, 'hookinbox_duplicates_total', { provider: 'test' })).toBe(1);
    expect(await value(registry, 'hookinbox_parked_total', { provider: 'test' })).toBe(1);
    expect(await value(registry, 'hookinbox_dead_lettered_total', { event: 'thing/created' })).toBe(1);
    // Every 2xx answer: two acknowledged, the duplicate and the parked one.
    expect(await value(registry, 'hookinbox_ack_latency_seconds_count', { provider: 'test' })).toBe(4);
    const ackSum = (await value(registry, 'hookinbox_ack_latency_seconds_sum', { provider: 'test' })) ?? -1;
    expect(ackSum).toBeGreaterThan(0);
    expect(ackSum).toBeLessThan(r.stats().ackLatencyMs.total / 1_000 + 1);
    const handled = { event: 'thing/created', outcome: 'handled' };
    expect(await value(registry, 'hookinbox_handler_duration_seconds_count', handled)).toBe(1);
    const failed = { event: 'thing/created', outcome: 'failed' };
    expect(await value(registry, 'hookinbox_handler_duration_seconds_count', failed)).toBe(1);
    // No queue given: the gauge has no series.
    expect(await value(registry, 'hookinbox_queue_depth')).toBeUndefined();
  });

  it('counts each event name and outcome apart, deliveries of several names interleaved', async () => {
    const registry = new Registry();
    const r = make();
    collectMetrics(r, { registry });
    r.on('thing/created', () => {});
    r.on('thing/deleted', () => {});
    for (let i = 0; i < 3; i++) {
      await r.handle(delivery({ id: `i-c${i}` }));
      await r.handle(delivery({ id: `i-d${i}`, event: 'thing/deleted' }));
    }
    await settle(r);
    // Copies, once their handlers are done.
    for (let i = 0; i < 2; i++) await r.handle(delivery({ id: `i-d${i}`, event: 'thing/deleted' }));
    const deliveries = (event: string, outcome: string) =>
      value(registry, 'hookinbox_deliveries_total', { provider: 'test', event, outcome });
    expect(await deliveries('thing/created', 'acknowledged')).toBe(3);
    expect(await deliveries('thing/deleted', 'acknowledged')).toBe(3);
    expect(await deliveries('thing/deleted', 'duplicate')).toBe(2);
    expect(await deliveries('thing/created', 'duplicate')).toBeUndefined();
    expect(await value(registry, 'hookinbox_duplicates_total', { provider: 'test' })).toBe(2);
    expect(await value(registry, 'hookinbox_ack_latency_seconds_count', { provider: 'test' })).toBe(8);
    const handled = (event: string) =>
      value(registry, 'hookinbox_handler_duration_seconds_count', { event, outcome: 'handled' });
    expect(await handled('thing/created')).toBe(3);
    expect(await handled('thing/deleted')).toBe(3);
  });

  it('samples handlers in flight and the queue depth when scraped', async () => {
    const registry = new Registry();
    const r = make();
    let depth = 7;
    collectMetrics([r], { registry, queue: { depth: async () => depth } });
    const gate = deferred();
    r.on('thing/created', () => gate.promise);
    await r.handle(delivery({ id: 'f-1' }));
    await sleep(5);
    expect(await value(registry, 'hookinbox_handlers_in_flight', { provider: 'test' })).toBe(1);
    expect(await value(registry, 'hookinbox_queue_depth', { queue: 'default' })).toBe(7);
    gate.resolve();
    depth = 0;
    await settle(r);
    expect(await value(registry, 'hookinbox_handlers_in_flight', { provider: 'test' })).toBe(0);
    expect(await value(registry, 'hookinbox_queue_depth', { queue: 'default' })).toBe(0);
  });

  it('shares one set of metrics between calls on a registry, and stops counting when told', async () => {
    const registry = new Registry();
    const a = make();
    const b = make();
    a.on('thing/created', () => {});
    b.on('thing/created', () => {});
    collectMetrics(a, { registry });
    const stop = collectMetrics(b, { registry });
    await a.handle(delivery({ id: 's-1' }));
    await b.handle(delivery({ id: 's-2' }));
    stop();
    await b.handle(delivery({ id: 's-3' }));
    await settle(a);
    await settle(b);
    expect(await value(registry, 'hookinbox_deliveries_total', { outcome: 'acknowledged' })).toBe(2);
  });

  it('refuses a missing registry or a queue without depth()', () => {
    expect(() => collectMetrics(make(), {} as never)).toThrow(/registry/);
    expect(() => collectMetrics(make(), { registry: new Registry(), queue: {} as never })).toThrow(/depth/);
  });
});
