import type { Receiver } from '@hookinbox/core';
import { collectMetrics, type DepthSource } from '@hookinbox/prometheus';
import { Registry } from 'prom-client';

/** `GET /metrics` of both examples: the receivers' metrics in a registry of the app's own, in Prometheus' format. */
export interface ExampleMetrics {
  registry: Registry;
  /** The scrape: content type and body. */
  scrape(): Promise<{ contentType: string; body: string }>;
}

/**
 * A registry of its own, not prom-client's global one: two apps in one process (the tests start several) keep their
 * counts apart. Add `collectDefaultMetrics({ register: registry })` for the process' own metrics.
 */
export function exampleMetrics(
  receivers: Record<string, Receiver<any, any, any> | undefined>,
  queueOf: (name: string) => DepthSource | undefined,
): ExampleMetrics {
  const registry = new Registry();
  for (const [name, receiver] of Object.entries(receivers)) {
    if (!receiver) continue;
    // With QUEUE=bullmq each receiver has a queue of its own: hookinbox_queue_depth{queue="genstore"}.
    const queue = queueOf(name);
    collectMetrics(receiver, { registry, ...(queue ? { queue, queueName: name } : {}) });
  }
  return {
    registry,
    async scrape() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
