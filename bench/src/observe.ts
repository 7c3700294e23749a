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
 * `collectMetrics` into a prom-client registry. `otel-no-sdk`: `createTracing()` with no SDK registered, as in an
 * app that installed `@hookinbox/otel` but traces nothing.
 */
export type ObserveMode = 'on' | 'otel-no-sdk';

/** Accepts every batch and drops it. */
const dropSpans: SpanExporter = {
  export: (_spans, done) => done({ code: 0 }),
  shutdown: () => Promise.resolve(),
};

/** The SDK, registered once per process. */
let sdk: BasicTracerProvider | undefined;

export function observe(receiver: Receiver<any, any, any>, mode: ObserveMode) {
  if (mode === 'otel-no-sdk') {
    receiver.observe(createTracing());
    return { registry: undefined, close: async () => {} };
  }
  if (!sdk) {
    sdk = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(dropSpans)] });
    trace.setGlobalTracerProvider(sdk);
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  }
  receiver.observe(createTracing());
  const registry = new Registry();
  collectMetrics(receiver, { registry });
  return { registry, close: async () => {} };
}
