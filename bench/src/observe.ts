import type { Receiver } from '@hookinbox/core';
import { createTracing } from '@hookinbox/otel';
import { collectMetrics } from '@hookinbox/prometheus';
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { Registry } from 'prom-client';

/**
 * How a bench server is observed. `on`: traces and metrics as an app that collects both has them: an SDK registered
 * globally (async-hooks context manager, W3C propagator, a batch span processor) whose exporter drops the spans
 * (no collector to send them to: the cost measured is hookinbox's and the SDK's, not a network's), and
 * `collectMetrics` into a prom-client registry.
 *
 * The other modes take `on` apart, to tell what hookinbox costs from what the SDK costs an app anyway:
 * - `metrics`: `collectMetrics` only, no tracing, no SDK.
 * - `otel-no-sdk`: `createTracing()` with no SDK registered, as in an app that installed `@hookinbox/otel` but traces
 *   nothing.
 * - `sdk`: the SDK registered as in `on`, hookinbox observing nothing: what the app pays for its SDK (the context
 *   manager on every async step) whether or not hookinbox makes spans. The fair "off" of `on`.
 * - `sdk-tracing`: the SDK and `createTracing()`, no metrics: `on` less prom-client.
 */
export const OBSERVE_MODES = ['on', 'metrics', 'otel-no-sdk', 'sdk', 'sdk-tracing'] as const;
export type ObserveMode = (typeof OBSERVE_MODES)[number];

export function isObserveMode(value: string): value is ObserveMode {
  return (OBSERVE_MODES as readonly string[]).includes(value);
}

/** Accepts every batch and drops it. */
const dropSpans: SpanExporter = {
  export: (_spans, done) => done({ code: 0 }),
  shutdown: () => Promise.resolve(),
};

/** The SDK, registered once per process. */
let sdk: BasicTracerProvider | undefined;

function registerSdk(): void {
  if (sdk) return;
  sdk = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(dropSpans)] });
  trace.setGlobalTracerProvider(sdk);
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  // Node's AsyncLocalStorage starts its async hooks (a cost on every promise and async step of the process, from
  // then on) at its first run(). In an app with an SDK that is the first request its HTTP instrumentation wraps;
  // here no instrumentation runs, so start them now, or the `sdk` row would not pay what an app with the SDK pays.
  context.with(context.active(), () => undefined);
}

export function observe(receiver: Receiver<any, any, any>, mode: ObserveMode) {
  const withSdk = mode === 'on' || mode === 'sdk' || mode === 'sdk-tracing';
  const tracing = mode === 'on' || mode === 'sdk-tracing' || mode === 'otel-no-sdk';
  const metrics = mode === 'on' || mode === 'metrics';
  if (withSdk) registerSdk();
  if (tracing) receiver.observe(createTracing());
  let registry: Registry | undefined;
  if (metrics) {
    registry = new Registry();
    collectMetrics(receiver, { registry });
  }
  return { registry, close: async () => {} };
}
