import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createReceiver, eventJob, type QueueJob, type Receiver, runQueueJob } from '@hookinbox/core';
import { webhooks } from '@hookinbox/express';
import { hookinbox } from '@hookinbox/fastify';
import { createTracing } from '@hookinbox/otel';
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  AlwaysOffSampler,
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import express from 'express';
import Fastify from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { captureLogger, delivery, sleep, testProvider } from './helpers/test-provider.js';

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const contextManager = new AsyncLocalStorageContextManager();

beforeAll(() => {
  trace.setGlobalTracerProvider(provider);
  context.setGlobalContextManager(contextManager.enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
});
afterAll(async () => {
  await provider.shutdown();
  trace.disable();
  context.disable();
  propagation.disable();
});

const open: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((close) => close()));
  exporter.reset();
});

const PAYLOAD_TEXT = 'a-payload-value-no-span-may-show';

function tracedReceiver(extra: Record<string, unknown> = {}) {
  const receiver = createReceiver({
    provider: testProvider(),
    logger: captureLogger().logger,
    retry: { attempts: 2, minDelayMs: 1, maxDelayMs: 2 },
    ...extra,
  });
  receiver.observe(createTracing());
  return receiver;
}

async function expressBase(receiver: Receiver<any, any>, before?: express.RequestHandler): Promise<string> {
  const app = express();
  if (before) app.use(before);
  app.use('/webhooks/test', webhooks(receiver));
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  open.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function fastifyBase(receiver: Receiver<any, any>): Promise<string> {
  const app = Fastify();
  await app.register(hookinbox, { path: '/webhooks/test', receiver, closeReceiver: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  open.push(() => app.close());
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

/** POST a signed test delivery; `url` may carry a query (a shared secret, as some providers send). */
async function post(base: string, id: string, headers: Record<string, string> = {}, url = '/webhooks/test') {
  const d = delivery({ id, url, payload: { id, text: PAYLOAD_TEXT } });
  const res = await fetch(`${base}${url}`, { method: 'POST', headers: { ...d.headers, ...headers }, body: d.body });
  await res.text();
  return res.status;
}

/** The finished spans once `count` have ended (the process span ends after the answer). */
async function spans(count: number): Promise<ReadableSpan[]> {
  for (let i = 0; i < 400 && exporter.getFinishedSpans().length < count; i++) await sleep(5);
  return exporter.getFinishedSpans();
}

const byKind = (all: ReadableSpan[], kind: SpanKind) => all.filter((s) => s.kind === kind);
const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

function expectNoPayloadOrSecret(all: ReadableSpan[]) {
  const text = JSON.stringify(all.map((s) => [s.name, s.attributes, s.events.map((e) => e.attributes)]));
  expect(text).not.toContain(PAYLOAD_TEXT);
  expect(text).not.toContain('s3cret');
}

describe.each([
  ['express', expressBase],
  ['fastify', fastifyBase],
] as const)('traces over HTTP on %s', (_name, mount) => {
  it('makes a server span per delivery and a process span per run, its child and linked to it', async () => {
    const receiver = tracedReceiver();
    receiver.on('thing/created', () => {});
    const base = await mount(receiver);
    expect(await post(base, 'd-http-1', {}, '/webhooks/test?token=s3cret')).toBe(200);
    const all = await spans(2);
    const [server] = byKind(all, SpanKind.SERVER);
    const [process] = byKind(all, SpanKind.CONSUMER);
    expect(all).toHaveLength(2);
    expect(server?.name).toBe('POST');
    expect(server?.attributes).toEqual({
      'http.request.method': 'POST',
      'url.path': '/webhooks/test',
      'url.scheme': 'http',
      'user_agent.original': expect.any(String),
      'http.response.status_code': 200,
      'hookinbox.provider': 'test',
      'hookinbox.event.name': 'thing/created',
      'hookinbox.delivery.id': 'd-http-1',
      'hookinbox.outcome': 'acknowledged',
    });
    expect(process?.name).toBe('process thing/created');
    expect(process?.attributes).toEqual({
      'messaging.system': 'test',
      'messaging.operation.type': 'process',
      'messaging.operation.name': 'process',
      'messaging.destination.name': 'thing/created',
      'messaging.message.id': 'd-http-1',
      'hookinbox.provider': 'test',
      'hookinbox.event.name': 'thing/created',
      'hookinbox.delivery.id': 'd-http-1',
      'hookinbox.attempt': 1,
      'hookinbox.outcome': 'handled',
    });
    expect(process?.spanContext().traceId).toBe(server?.spanContext().traceId);
    expect(parentOf(process as ReadableSpan)).toBe(server?.spanContext().spanId);
    expect(process?.links.map((l) => l.context.spanId)).toEqual([server?.spanContext().spanId]);
    expectNoPayloadOrSecret(all);
  });

  it('marks a run whose handler failed every attempt, with an event per failed call', async () => {
    const receiver = tracedReceiver();
    receiver.on('thing/created', () => {
      throw new TypeError(`cannot save ${PAYLOAD_TEXT}`);
    });
    const base = await mount(receiver);
    expect(await post(base, 'd-http-2')).toBe(200);
    const [process] = byKind(await spans(2), SpanKind.CONSUMER);
    expect(process?.status.code).toBe(SpanStatusCode.ERROR);
    expect(process?.attributes).toMatchObject({
      'hookinbox.outcome': 'failed',
      'hookinbox.dead_lettered': true,
      'error.type': 'TypeError',
    });
    expect(process?.events.map((e) => [e.name, e.attributes])).toEqual([
      [
        'hookinbox.handler.failed',
        { 'hookinbox.handler.pattern': 'thing/created', 'hookinbox.attempt': 1, 'error.type': 'TypeError' },
      ],
      [
        'hookinbox.handler.failed',
        { 'hookinbox.handler.pattern': 'thing/created', 'hookinbox.attempt': 2, 'error.type': 'TypeError' },
      ],
    ]);
    expectNoPayloadOrSecret(exporter.getFinishedSpans());
  });

  it('continues the trace of a sender that sends traceparent, and marks a refusal', async () => {
    const receiver = tracedReceiver();
    receiver.on('thing/created', () => {});
    const base = await mount(receiver);
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const traceparent = `00-${traceId}-00f067aa0ba902b7-01`;
    expect(await post(base, 'd-http-3', { traceparent })).toBe(200);
    expect(await post(base, 'd-http-4', { 'x-test-signature': 'forged' })).toBe(401);
    const all = await spans(3);
    const servers = byKind(all, SpanKind.SERVER);
    expect(servers[0]?.spanContext().traceId).toBe(traceId);
    expect(parentOf(servers[0] as ReadableSpan)).toBe('00f067aa0ba902b7');
    const refused = servers.find((s) => s.attributes['http.response.status_code'] === 401);
    expect(refused?.attributes['hookinbox.outcome']).toBe('refused');
    expect(refused?.attributes).not.toHaveProperty('hookinbox.delivery.id');
    // A 4xx is the client's error: the server span's status stays unset.
    expect(refused?.status.code).toBe(SpanStatusCode.UNSET);
  });
});

describe('traces under a framework instrumentation', () => {
  it('adds to the request span left active instead of making a second server span', async () => {
    const receiver = tracedReceiver();
    receiver.on('thing/created', () => {});
    const tracer = trace.getTracer('framework');
    // Stands in for @opentelemetry/instrumentation-http: a server span, active while the request's middleware runs,
    // with the request's and response's event emitters bound to it (so the body's 'end' sees it too).
    const base = await expressBase(receiver, (req, res, next) => {
      tracer.startActiveSpan('POST /webhooks/test', { kind: SpanKind.SERVER }, (span) => {
        context.bind(context.active(), req);
        context.bind(context.active(), res);
        res.on('finish', () => span.end());
        next();
      });
    });
    expect(await post(base, 'd-fw-1')).toBe(200);
    const all = await spans(2);
    const servers = byKind(all, SpanKind.SERVER);
    const [process] = byKind(all, SpanKind.CONSUMER);
    expect(servers.map((s) => s.name)).toEqual(['POST /webhooks/test']);
    expect(servers[0]?.attributes).toEqual({
      'hookinbox.provider': 'test',
      'hookinbox.event.name': 'thing/created',
      'hookinbox.delivery.id': 'd-fw-1',
      'hookinbox.outcome': 'acknowledged',
    });
    expect(parentOf(process as ReadableSpan)).toBe(servers[0]?.spanContext().spanId);
    expect(process?.links.map((l) => l.context.spanId)).toEqual([servers[0]?.spanContext().spanId]);
  });
});

describe('traces across a queue', () => {
  it('links the worker process span to the delivery span through the job trace context', async () => {
    const jobs: string[] = [];
    const receiver = tracedReceiver({
      // A durable queue keeps the job as JSON.
      dispatcher: {
        dispatch: (event: Parameters<typeof eventJob>[0]) => void jobs.push(JSON.stringify(eventJob(event))),
      },
    });
    const handled: string[] = [];
    receiver.on('thing/created', (event) => {
      handled.push(trace.getActiveSpan()?.spanContext().spanId ?? '');
      return event;
    });
    const base = await expressBase(receiver);
    expect(await post(base, 'd-queue-1')).toBe(200);
    const [server] = byKind(await spans(1), SpanKind.SERVER);
    const job = JSON.parse(jobs[0] ?? '{}') as QueueJob;
    expect(job).toMatchObject({
      kind: 'event',
      trace: { traceparent: expect.stringContaining(server?.spanContext().traceId ?? '-') },
    });

    // The worker, in its own trace (a queue's instrumentation would make this span).
    const worker = trace.getTracer('worker');
    await worker.startActiveSpan('queue job', async (span) => {
      await runQueueJob(receiver, job, { attempt: 1 });
      span.end();
    });
    const all = await spans(3);
    const [process] = byKind(all, SpanKind.CONSUMER);
    const queueSpan = all.find((s) => s.name === 'queue job');
    expect(process?.name).toBe('process thing/created');
    expect(parentOf(process as ReadableSpan)).toBe(queueSpan?.spanContext().spanId);
    expect(process?.links.map((l) => [l.context.traceId, l.context.spanId])).toEqual([
      [server?.spanContext().traceId, server?.spanContext().spanId],
    ]);
    // The handler ran inside the process span: its own spans would be the run's children.
    expect(handled).toEqual([process?.spanContext().spanId]);
  });
});

describe('traces sampled out', () => {
  it('records nothing, and still carries the trace context, not sampled, to the handlers and a queued job', async () => {
    const offExporter = new InMemorySpanExporter();
    const off = new BasicTracerProvider({
      sampler: new AlwaysOffSampler(),
      spanProcessors: [new SimpleSpanProcessor(offExporter)],
    });
    const jobs: QueueJob[] = [];
    const queued = createReceiver({
      provider: testProvider(),
      logger: captureLogger().logger,
      dispatcher: { dispatch: (event) => void jobs.push(eventJob(event)) },
    });
    queued.observe(createTracing({ tracerProvider: off }));
    queued.on('thing/created', () => {});
    expect((await queued.handle(delivery({ id: 'd-off-1' }))).status).toBe(200);
    expect(jobs[0]).toMatchObject({
      kind: 'event',
      trace: { traceparent: expect.stringMatching(/^00-\w{32}-\w{16}-00$/) },
    });

    const seen: { traceId?: string; recording?: boolean }[] = [];
    const offOnly = createReceiver({ provider: testProvider(), logger: captureLogger().logger });
    offOnly.observe(createTracing({ tracerProvider: off }));
    offOnly.on('thing/created', () => {
      const span = trace.getActiveSpan();
      seen.push({ traceId: span?.spanContext().traceId, recording: span?.isRecording() });
    });
    expect((await offOnly.handle(delivery({ id: 'd-off-2' }))).status).toBe(200);
    await sleep(20);
    expect(seen).toEqual([{ traceId: expect.stringMatching(/^[0-9a-f]{32}$/), recording: false }]);
    expect(offExporter.getFinishedSpans()).toHaveLength(0);
    expect(exporter.getFinishedSpans()).toHaveLength(0);
    await off.shutdown();
  });
});
