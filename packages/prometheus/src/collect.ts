import type { Observer, Receiver } from '@hookinbox/core';
import type { Registry } from 'prom-client';
import { children } from './children.js';
import { defineMetrics, type Metrics } from './metrics.js';

/** A queue whose depth is reported: `@hookinbox/bullmq`'s is `{ depth: () => queue.pending() }`. */
export interface DepthSource {
  depth(): number | Promise<number>;
}

export interface CollectMetricsOptions {
  /** The app's registry (`new Registry()` or prom-client's `register`); its `metrics()` serves `/metrics`. */
  registry: Registry;
  /** The queue the receivers dispatch to, reported as `hookinbox_queue_depth{queue}`. */
  queue?: DepthSource;
  /** The `queue` label. Default `default`. */
  queueName?: string;
  /** Prefix of every metric name. Default `hookinbox_`. */
  prefix?: string;
}

type AnyReceiver = Pick<Receiver<any, any, any>, 'provider' | 'observe' | 'stats'>;

/** One registry's metrics and what they sample: a second call with the same registry adds to them. */
interface RegistryState {
  metrics: Metrics;
  receivers: Set<AnyReceiver>;
  queues: Map<string, DepthSource>;
}

const states = new WeakMap<Registry, Map<string, RegistryState>>();

/**
 * Count what a receiver (or several) does into Prometheus metrics in the app's registry: deliveries by provider,
 * event name and outcome, acknowledgement latency and handler duration histograms in seconds, duplicates, parked and
 * dead-lettered counts, handlers in flight and, given a queue, its depth. Returns a function that stops counting.
 *
 * @example
 * const registry = new Registry();
 * collectMetrics([genstoreReceiver, geinsReceiver], { registry });
 * app.get('/metrics', async (_req, res) => res.type(registry.contentType).send(await registry.metrics()));
 */
export function collectMetrics(receivers: AnyReceiver | readonly AnyReceiver[], options: CollectMetricsOptions) {
  const { registry, prefix = 'hookinbox_' } = options;
  if (typeof registry?.metrics !== 'function') {
    throw new TypeError('@hookinbox/prometheus: collectMetrics needs { registry }, a prom-client Registry');
  }
  const state = stateOf(registry, prefix);
  if (options.queue) {
    if (typeof options.queue.depth !== 'function') {
      throw new TypeError('@hookinbox/prometheus: queue must have a depth() method');
    }
    state.queues.set(options.queueName ?? 'default', options.queue);
  }
  const list: readonly AnyReceiver[] = Array.isArray(receivers) ? receivers : [receivers as AnyReceiver];
  const stops = list.map((receiver) => {
    state.receivers.add(receiver);
    const stop = receiver.observe(metricsObserver(state.metrics));
    return () => {
      stop();
      state.receivers.delete(receiver);
    };
  });
  return () => {
    for (const stop of stops) stop();
  };
}

function stateOf(registry: Registry, prefix: string): RegistryState {
  let byPrefix = states.get(registry);
  if (!byPrefix) {
    byPrefix = new Map();
    states.set(registry, byPrefix);
  }
  let state = byPrefix.get(prefix);
  if (!state) {
    const receivers = new Set<AnyReceiver>();
    const queues = new Map<string, DepthSource>();
    const metrics = defineMetrics(registry, prefix, {
      inFlight() {
        const out = new Map<string, number>();
        for (const r of receivers) out.set(r.provider, (out.get(r.provider) ?? 0) + r.stats().inFlight);
        return out;
      },
      async depths() {
        const entries = await Promise.all([...queues].map(async ([name, q]) => [name, await q.depth()] as const));
        return new Map(entries);
      },
    });
    state = { metrics, receivers, queues };
    byPrefix.set(prefix, state);
  }
  return state;
}

/** Counts at each delivery's answer and each run's end; nothing at their start, so it returns no scope. */
function metricsObserver(m: Metrics): Observer {
  const deliveries = children((provider, event, outcome) => m.deliveries.labels(provider, event, outcome));
  const ackLatency = children((provider) => m.ackLatency.labels(provider));
  const duplicates = children((provider) => m.duplicates.labels(provider));
  const parked = children((provider) => m.parked.labels(provider));
  const handlerDuration = children((provider, event, outcome) => m.handlerDuration.labels(provider, event, outcome));
  const deadLettered = children((provider, event) => m.deadLettered.labels(provider, event));
  return {
    delivery: ({ provider }) => ({
      end(info) {
        deliveries(provider, info.event?.name ?? '', info.outcome).inc();
        if (info.status < 300) ackLatency(provider).observe(info.durationMs / 1_000);
        if (info.outcome === 'duplicate' || info.outcome === 'in-flight') duplicates(provider).inc();
        else if (info.outcome === 'parked') parked(provider).inc();
      },
    }),
    run: ({ event }) => ({
      end(info) {
        handlerDuration(event.provider, event.name, info.outcome).observe(info.durationMs / 1_000);
        if (info.deadLettered) deadLettered(event.provider, event.name).inc();
      },
    }),
  };
}
