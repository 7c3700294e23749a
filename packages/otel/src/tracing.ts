import type {
  DeliveryEnd,
  DeliveryObservation,
  DeliveryStart,
  Observer,
  RunEnd,
  RunObservation,
  RunStart,
  TraceCarrier,
} from '@hookinbox/core';
import {
  type Context,
  context,
  isSpanContextValid,
  type Link,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  type TracerProvider,
  trace,
} from '@opentelemetry/api';
import { ATTR, errorType, HANDLER_FAILED_EVENT, httpMethod, pathOf } from './attributes.js';

export interface TracingOptions {
  /** Default: the global provider (`trace.getTracerProvider()`), i.e. the SDK the app registered, if any. */
  tracerProvider?: TracerProvider;
}

const TRACER_NAME = '@hookinbox/otel';

/**
 * An observer for `receiver.observe()` that traces through the OpenTelemetry API: a `SERVER` span per delivery
 * (HTTP conventions) unless the framework's instrumentation already made the request's span, and a `CONSUMER`
 * `process <event name>` span per run of handlers (messaging conventions), linked to the delivery's span, also
 * across a queue. With no SDK registered nothing is recorded and a delivery costs a non-recording span.
 *
 * @example
 * receiver.observe(createTracing());
 */
export function createTracing(options: TracingOptions = {}): Observer {
  const provider = options.tracerProvider;
  // The global provider is a proxy: an SDK registered after this call is still used.
  const tracer = (provider ?? trace.getTracerProvider()).getTracer(TRACER_NAME);
  return {
    delivery: (start) => traceDelivery(tracer, start),
    run: (start) => traceRun(tracer, start),
  };
}

/**
 * One delivery's span: ours (SERVER), or the request's span the framework's instrumentation made and left active,
 * which then only gets hookinbox's attributes (a second server span for one request would double every HTTP metric
 * built from spans).
 */
class DeliveryTrace implements DeliveryObservation {
  constructor(
    readonly span: Span,
    /** The context with the span in it. */
    readonly context: Context,
    private readonly own: boolean,
  ) {}

  within<T>(fn: () => T): T {
    return this.own ? context.with(this.context, fn) : fn();
  }

  carrier(): TraceCarrier | undefined {
    const carrier: TraceCarrier = {};
    propagation.inject(this.context, carrier);
    for (const _ in carrier) return carrier;
    return undefined;
  }

  end(info: DeliveryEnd): void {
    const { span } = this;
    // Sampled out: nothing to record (and no attribute to build); our own span still ends.
    if (!span.isRecording()) {
      if (this.own) span.end();
      return;
    }
    // One attribute at a time: `setAttributes` would cost an object and its entries per delivery.
    span.setAttribute(ATTR.outcome, info.outcome);
    if (info.event) {
      span.setAttribute(ATTR.eventName, info.event.name);
      span.setAttribute(ATTR.deliveryId, info.event.id);
    }
    if (!this.own) return;
    span.setAttribute(ATTR.httpStatus, info.status);
    if (info.status >= 500) {
      // The HTTP conventions: a 5xx is the server's error, a 4xx the client's (left unset on a server span).
      span.setAttribute(ATTR.errorType, String(info.status));
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
    span.end();
  }
}

function traceDelivery(tracer: Tracer, start: DeliveryStart): DeliveryTrace | undefined {
  const active = context.active();
  const framework = trace.getSpan(active);
  if (framework && isSpanContextValid(framework.spanContext())) {
    if (framework.isRecording()) framework.setAttribute(ATTR.provider, start.provider);
    return new DeliveryTrace(framework, active, false);
  }
  // A sender that traces its deliveries: our span continues its trace.
  const parent = start.headers ? propagation.extract(active, start.headers) : active;
  const method = httpMethod(start.method);
  const span = tracer.startSpan(method, { kind: SpanKind.SERVER }, parent);
  if (!span.isRecording()) {
    // No SDK: the API's span is invalid and records nothing; stop here, before any attribute is built. Sampled out:
    // nothing to record, but the span's context still travels (to the run, to a queued job) with its sampled flag.
    if (!isSpanContextValid(span.spanContext())) return undefined;
    return new DeliveryTrace(span, trace.setSpan(parent, span), true);
  }
  span.setAttribute(ATTR.httpMethod, method);
  span.setAttribute(ATTR.urlPath, pathOf(start.url));
  // The core sees no socket: the scheme a proxy reports, else plain HTTP.
  const scheme = firstHeader(start.headers?.['x-forwarded-proto']) === 'https' ? 'https' : 'http';
  span.setAttribute(ATTR.urlScheme, scheme);
  span.setAttribute(ATTR.provider, start.provider);
  const agent = firstHeader(start.headers?.['user-agent']);
  if (agent) span.setAttribute(ATTR.userAgent, agent);
  return new DeliveryTrace(span, trace.setSpan(parent, span), true);
}

class RunTrace implements RunObservation {
  constructor(
    private readonly span: Span,
    private readonly context: Context,
  ) {}

  within<T>(fn: () => T): T {
    return context.with(this.context, fn);
  }

  end(info: RunEnd): void {
    const { span } = this;
    if (!span.isRecording()) {
      span.end();
      return;
    }
    for (const failure of info.failures) {
      span.addEvent(HANDLER_FAILED_EVENT, {
        [ATTR.handler]: failure.pattern,
        [ATTR.attempt]: failure.attempt,
        [ATTR.errorType]: errorType(failure.error),
      });
    }
    span.setAttribute(ATTR.outcome, info.outcome);
    if (info.outcome === 'failed') {
      span.setAttribute(ATTR.deadLettered, info.deadLettered);
      span.setAttribute(ATTR.errorType, errorType(info.failures.at(-1)?.error));
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
    span.end();
  }
}

/**
 * A run's span. In process, a child of the delivery's span and linked to it; from a queued job, a child of whatever
 * is active in the worker (a queue's own instrumentation) and linked to the delivery's span the job carried, as the
 * messaging conventions have it for a consumer.
 */
function traceRun(tracer: Tracer, start: RunStart): RunTrace | undefined {
  const { event } = start;
  let parent = context.active();
  let links: Link[] | undefined;
  if (start.delivery instanceof DeliveryTrace) {
    parent = start.delivery.context;
    links = [{ context: start.delivery.span.spanContext() }];
  } else if (start.trace) {
    const origin = trace.getSpanContext(propagation.extract(ROOT_CONTEXT, start.trace));
    if (origin && isSpanContextValid(origin)) links = [{ context: origin }];
  }
  const span = tracer.startSpan(`process ${event.name}`, { kind: SpanKind.CONSUMER, links }, parent);
  if (!span.isRecording()) {
    // As for a delivery: no SDK, nothing at all; sampled out, only the context, for the handlers' own spans.
    if (!isSpanContextValid(span.spanContext())) return undefined;
    return new RunTrace(span, trace.setSpan(parent, span));
  }
  span.setAttribute(ATTR.messagingSystem, event.provider);
  span.setAttribute(ATTR.messagingOperationType, 'process');
  span.setAttribute(ATTR.messagingOperationName, 'process');
  span.setAttribute(ATTR.messagingDestination, event.name);
  span.setAttribute(ATTR.messagingMessageId, event.id);
  span.setAttribute(ATTR.provider, event.provider);
  span.setAttribute(ATTR.eventName, event.name);
  span.setAttribute(ATTR.deliveryId, event.id);
  span.setAttribute(ATTR.attempt, start.attempt);
  return new RunTrace(span, trace.setSpan(parent, span));
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
