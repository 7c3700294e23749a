import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bullmqQueue, createWorker } from '@hookinbox/bullmq';
import { createReceiver, silentLogger } from '@hookinbox/core';
import { webhooks } from '@hookinbox/express';
import { createTracing } from '@hookinbox/otel';
import { collectMetrics } from '@hookinbox/prometheus';
import { context, propagation, SpanKind, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import express from 'express';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisUrl } from './helpers/redis.js';
import { delivery, sleep, testProvider } from './helpers/test-provider.js';

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });

// A queue name no other test or run uses; obliterated afterwards.
const queueName = `otel-${randomUUID()}`;
const prefix = 'hookinbox-test';
let queue: ReturnType<typeof bullmqQueue>;
let server: Server;

beforeAll(() => {
  trace.setGlobalTracerProvider(provider);
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  queue = bullmqQueue({ connection: redisUrl(), queueName, prefix, logger: silentLogger });
});
afterAll(async () => {
  await new Promise<void>((resolve) => {
    server?.closeAllConnections();
    server ? server.close(() => resolve()) : resolve();
  });
  await queue.queue.obliterate({ force: true });
  await queue.close();
  await provider.shutdown();
  trace.disable();
  context.disable();
  propagation.disable();
});

describe('traces and metrics across BullMQ', () => {
  it('links the worker process span to the delivery server span through the job, and reports the queue depth', async () => {
    const receiver = createReceiver({
      provider: testProvider(),
      logger: silentLogger,
      dispatcher: queue,
      deadLetters: queue,
    });
    receiver.observe(createTracing());
    const registry = new Registry();
    collectMetrics(receiver, { registry, queue: { depth: () => queue.pending() }, queueName: 'genstore' });
    const ran: string[] = [];
    receiver.on('thing/created', (event) => void ran.push(event.id));

    const app = express();
    app.use('/webhooks/test', webhooks(receiver));
    server = await new Promise((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    for (const id of ['bq-1', 'bq-2']) {
      const d = delivery({ id, url: '/webhooks/test' });
      const res = await fetch(`${base}${d.url}`, { method: 'POST', headers: d.headers, body: new Uint8Array(d.body) });
      expect(res.status).toBe(200);
    }
    // Both wait in Redis: no worker yet.
    expect(await registry.getSingleMetricAsString('hookinbox_queue_depth')).toContain(
      'hookinbox_queue_depth{queue="genstore"} 2',
    );

    const worker = await createWorker(receiver, { connection: redisUrl(), queueName, prefix, logger: silentLogger });
    try {
      for (
        let i = 0;
        i < 400 && exporter.getFinishedSpans().filter((s) => s.kind === SpanKind.CONSUMER).length < 2;
        i++
      ) {
        await sleep(25);
      }
    } finally {
      await worker.close();
    }
    expect(ran.sort()).toEqual(['bq-1', 'bq-2']);
    const spans = exporter.getFinishedSpans();
    for (const id of ['bq-1', 'bq-2']) {
      const serverSpan = spans.find((s) => s.kind === SpanKind.SERVER && s.attributes['hookinbox.delivery.id'] === id);
      const process = spans.find((s) => s.kind === SpanKind.CONSUMER && s.attributes['hookinbox.delivery.id'] === id);
      expect(serverSpan?.attributes['hookinbox.outcome']).toBe('acknowledged');
      expect(process?.name).toBe('process thing/created');
      expect(process?.attributes).toMatchObject({
        'messaging.operation.type': 'process',
        'hookinbox.outcome': 'handled',
      });
      // Across the queue: linked to the delivery's span, in a trace of the worker's own.
      expect(process?.links.map((l) => [l.context.traceId, l.context.spanId])).toEqual([
        [serverSpan?.spanContext().traceId, serverSpan?.spanContext().spanId],
      ]);
      expect(process?.parentSpanContext).toBeUndefined();
    }
    expect(await registry.getSingleMetricAsString('hookinbox_queue_depth')).toContain(
      'hookinbox_queue_depth{queue="genstore"} 0',
    );
  });
});
