import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Acknowledgement latency buckets, in seconds: answers take well under a millisecond to a few seconds. */
export const ACK_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** Handler run buckets, in seconds, up to a minute: a run includes the backoff between retries. */
export const HANDLER_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** What is read when Prometheus scrapes, rather than counted as it happens. */
export interface Sampled {
  /** Handlers running or waiting for a retry, by provider. */
  inFlight(): Map<string, number>;
  /** The depth of each queue given, by name. */
  depths(): Promise<Map<string, number>>;
}

/**
 * The metrics of one registry. Labels are few and bounded: the provider, the event name (a provider's catalogue; a
 * delivery refused before it was authenticated has none, `""`) and the outcome. Never a delivery id or a shop.
 */
export function defineMetrics(registry: Registry, prefix: string, sampled: Sampled) {
  const registers = [registry];
  return {
    deliveries: new Counter({
      name: `${prefix}deliveries_total`,
      help: 'Deliveries answered, by provider, event name and outcome (acknowledged, handled, duplicate, in-flight, parked, failed, refused)',
      labelNames: ['provider', 'event', 'outcome'] as const,
      registers,
    }),
    ackLatency: new Histogram({
      name: `${prefix}ack_latency_seconds`,
      help: 'Time from a delivery arriving to its 2xx answer, in seconds',
      labelNames: ['provider'] as const,
      buckets: ACK_BUCKETS,
      registers,
    }),
    handlerDuration: new Histogram({
      name: `${prefix}handler_duration_seconds`,
      help: "Time a run of an event's handlers took, retries and their backoff included, in seconds, by outcome (handled, failed)",
      labelNames: ['provider', 'event', 'outcome'] as const,
      buckets: HANDLER_BUCKETS,
      registers,
    }),
    duplicates: new Counter({
      name: `${prefix}duplicates_total`,
      help: 'Copies of a delivery processed before or being processed: nothing ran',
      labelNames: ['provider'] as const,
      registers,
    }),
    parked: new Counter({
      name: `${prefix}parked_total`,
      help: 'Authentic deliveries that could not be processed, kept in the dead-letter sink',
      labelNames: ['provider'] as const,
      registers,
    }),
    deadLettered: new Counter({
      name: `${prefix}dead_lettered_total`,
      help: 'Events whose handlers failed every attempt, handed to the dead-letter sink',
      labelNames: ['provider', 'event'] as const,
      registers,
    }),
    inFlight: new Gauge({
      name: `${prefix}handlers_in_flight`,
      help: 'Deliveries whose handlers are running or waiting for a retry',
      labelNames: ['provider'] as const,
      registers,
      collect() {
        this.reset();
        for (const [provider, n] of sampled.inFlight()) this.set({ provider }, n);
      },
    }),
    queueDepth: new Gauge({
      name: `${prefix}queue_depth`,
      help: 'Jobs waiting or running in the queue the receiver dispatches to',
      labelNames: ['queue'] as const,
      registers,
      async collect() {
        this.reset();
        for (const [queue, n] of await sampled.depths()) this.set({ queue }, n);
      },
    }),
  };
}

export type Metrics = ReturnType<typeof defineMetrics>;
