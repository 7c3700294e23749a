/**
 * What hookinbox's observers cost a delivery by themselves, with no receiver around them: the observer calls the
 * receiver makes for one acknowledged delivery and its handler run (delivery start and end, run start and end, both
 * scopes), in a loop, in CPU µs per delivery. Beside them, the two spans such a delivery makes, asked of the SDK
 * directly with the same attribute counts: the SDK's share of the tracing observer's cost.
 *
 *   pnpm exec tsx --conditions=source bench/src/observer-cost.ts [--count 200000] [--rounds 5]
 *
 * Medians over the rounds, after a warm-up round; the kinds take turns within each round.
 */
import { parseArgs } from 'node:util';
import type { Observer } from '@hookinbox/core';
import { createTracing } from '@hookinbox/otel';
import { collectMetrics } from '@hookinbox/prometheus';
import { context, ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import { Registry } from 'prom-client';
import { observe } from './observe.js';

const { values } = parseArgs({
  options: { count: { type: 'string', default: '200000' }, rounds: { type: 'string', default: '5' } },
});
const count = Number(values.count);
const rounds = Number(values.rounds);

// The SDK as the bench's observed rows have it (its hooks started).
observe({ observe: () => () => {} } as never, 'sdk');

/** An observer as a receiver sees it, caught from `receiver.observe`. */
function observerOf(attach: (receiver: never) => void): Observer {
  let caught: Observer | undefined;
  attach({
    provider: 'genstore',
    stats: () => ({ inFlight: 0 }),
    observe: (o: Observer) => {
      caught = o;
      return () => {};
    },
  } as never);
  return caught as Observer;
}
const metrics = observerOf((r) => collectMetrics(r, { registry: new Registry() }));
const tracingObserver = createTracing();

const headers = { 'content-type': 'application/json', 'user-agent': 'bench' };
const event = { provider: 'genstore', name: 'orders/create', id: 'w-1' };
const failures: never[] = [];

function delivery(observer: Observer) {
  const observed = observer.delivery?.({ provider: 'genstore', method: 'POST', url: '/webhooks/genstore', headers });
  const inside = () => 200;
  if (observed?.within) observed.within(inside);
  observed?.end({ status: 200, outcome: 'acknowledged', event, durationMs: 0.3 });
  const run = observer.run?.({ event, attempt: 1, delivery: observed, trace: undefined });
  if (run?.within) run.within(inside);
  run?.end({ outcome: 'handled', failures, deadLettered: false, durationMs: 0.01 });
}

const tracer = trace.getTracer('bench');
/** The two spans alone: a server span with 6 attributes, a consumer span with 10, linked, the run's scope. */
function sdkSpans() {
  const server = tracer.startSpan('POST', { kind: SpanKind.SERVER }, ROOT_CONTEXT);
  for (let i = 0; i < 6; i++) server.setAttribute(`a${i}`, 'v');
  const parent = trace.setSpan(ROOT_CONTEXT, server);
  context.with(parent, () => 200);
  const links = [{ context: server.spanContext() }];
  const run = tracer.startSpan('process orders/create', { kind: SpanKind.CONSUMER, links }, parent);
  for (let i = 0; i < 10; i++) run.setAttribute(`b${i}`, 'v');
  context.with(trace.setSpan(parent, run), () => 200);
  run.end();
  server.end();
}

const kinds: Record<string, () => void> = {
  metrics: () => delivery(metrics),
  tracing: () => delivery(tracingObserver),
  'sdk spans': sdkSpans,
};
const turn = () => new Promise((resolve) => setImmediate(resolve));
const results: Record<string, number[]> = {};
for (let r = -1; r < rounds; r++) {
  for (const [kind, fn] of Object.entries(kinds)) {
    const cpu = process.cpuUsage();
    for (let i = 0; i < count; i++) {
      fn();
      // Let the batch span processor's timer and the GC's tasks run, as between requests.
      if (i % 32 === 31) await turn();
    }
    const used = process.cpuUsage(cpu);
    if (r >= 0) results[kind] = [...(results[kind] ?? []), (used.user + used.system) / count];
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
for (const [kind, all] of Object.entries(results)) {
  console.log(
    `${kind.padEnd(9)} ${median(all).toFixed(2)} CPU µs per delivery (rounds ${all.map((x) => x.toFixed(2)).join(', ')})`,
  );
}
