import { describe, expect, it } from 'vitest';
import { captureLogger, delivery, sleep, testProvider } from '../../../test/helpers/test-provider.js';
import type { DeliveryEnd, DeliveryObservation, Observer, RunEnd, RunStart } from './observe.js';
import { eventJob, runQueueJob } from './queue-jobs.js';
import { createReceiver } from './receiver.js';
import type { AnyEvent } from './routes.js';

const make = (extra: Record<string, unknown> = {}) =>
  createReceiver({
    provider: testProvider(),
    logger: captureLogger().logger,
    retry: { attempts: 2, minDelayMs: 1, maxDelayMs: 2 },
    ...extra,
  });

/** An observer that writes down what it is told, and carries a fixed trace context. */
function recorder(carrier: Record<string, string> | undefined) {
  const log: string[] = [];
  const deliveries: DeliveryEnd[] = [];
  const runs: { start: RunStart; end?: RunEnd }[] = [];
  const observer: Observer = {
    delivery(start) {
      log.push(`delivery ${start.method} ${start.url}`);
      const observation: DeliveryObservation = {
        within: (fn) => {
          log.push('within delivery');
          return fn();
        },
        carrier: () => carrier,
        end: (info) => {
          log.push(`answered ${info.status}`);
          deliveries.push(info);
        },
      };
      return observation;
    },
    run(start) {
      const entry: { start: RunStart; end?: RunEnd } = { start };
      runs.push(entry);
      log.push(`run ${start.event.name}`);
      return {
        within: (fn) => {
          log.push('within run');
          return fn();
        },
        end: (info) => {
          entry.end = info;
          log.push(`ran ${info.outcome}`);
        },
      };
    },
  };
  return { observer, log, deliveries, runs };
}

const settle = async (receiver: { stats(): { inFlight: number } }) => {
  for (let i = 0; i < 200 && receiver.stats().inFlight > 0; i++) await sleep(5);
};

describe('receiver.observe', () => {
  it('tells an observer the delivery, its answer, and the run of its handlers inside their scopes', async () => {
    const r = make();
    const rec = recorder({ traceparent: 'delivery-trace' });
    r.observe(rec.observer);
    let handlerSaw = '';
    r.on('thing/created', () => {
      handlerSaw = rec.log.at(-1) ?? '';
    });
    const response = await r.handle(delivery({ id: 'd-1' }));
    await settle(r);
    expect(response.status).toBe(200);
    expect(rec.log).toEqual([
      'delivery POST /webhooks/test',
      'within delivery',
      'answered 200',
      'run thing/created',
      'within run',
      'ran handled',
    ]);
    expect(handlerSaw).toBe('within run');
    expect(rec.deliveries[0]).toMatchObject({
      status: 200,
      outcome: 'acknowledged',
      event: { provider: 'test', name: 'thing/created', id: 'd-1' },
    });
    const run = rec.runs[0];
    expect(run?.start).toMatchObject({ attempt: 1, trace: undefined, event: { id: 'd-1' } });
    // The run is given this observer's own observation of the delivery, to link to it.
    expect(run?.start.delivery?.carrier?.()).toEqual({ traceparent: 'delivery-trace' });
    expect(run?.end).toMatchObject({ outcome: 'handled', failures: [], deadLettered: false });
  });

  it('reports a run whose handler failed every attempt as failed and dead-lettered', async () => {
    const r = make();
    const rec = recorder({ traceparent: 'delivery-trace' });
    r.observe(rec.observer);
    r.on('thing/created', () => {
      throw new Error('down');
    });
    await r.handle(delivery({ id: 'd-2' }));
    await settle(r);
    expect(rec.runs[0]?.end).toMatchObject({ outcome: 'failed', deadLettered: true });
    expect(rec.runs[0]?.end?.failures.map((f) => f.attempt)).toEqual([1, 2]);
  });

  it('reports refusals, duplicates and refusals before a delivery was read, without an event for the refused', async () => {
    const r = make();
    const rec = recorder({ traceparent: 'delivery-trace' });
    r.observe(rec.observer);
    r.on('thing/created', () => {});
    await r.handle(delivery({ id: 'd-3' }));
    await settle(r);
    await r.handle(delivery({ id: 'd-3' }));
    await r.handle({ ...delivery(), headers: { 'x-test-event': 'thing/created' } });
    r.refuse(new Error('too slow'), { method: 'POST', url: '/webhooks/test' });
    await settle(r);
    expect(rec.deliveries.map((d) => [d.status, d.outcome, d.event?.id])).toEqual([
      [200, 'acknowledged', 'd-3'],
      [200, 'duplicate', 'd-3'],
      [401, 'refused', undefined],
      [500, 'refused', undefined],
    ]);
  });

  it('stops telling an observer once removed', async () => {
    const r = make();
    const rec = recorder({ traceparent: 'delivery-trace' });
    const remove = r.observe(rec.observer);
    r.on('thing/created', () => {});
    remove();
    await r.handle(delivery({ id: 'd-4' }));
    await settle(r);
    expect(rec.log).toEqual([]);
  });
});

describe('trace context across a queue', () => {
  it('keeps the delivery trace context with the job a dispatcher makes, and hands it to the worker run', async () => {
    const jobs: ReturnType<typeof eventJob>[] = [];
    const r = make({ dispatcher: { dispatch: (event: AnyEvent) => void jobs.push(eventJob(event)) } });
    const rec = recorder({ traceparent: 'delivery-trace' });
    r.observe(rec.observer);
    r.on('thing/created', () => {});
    await r.handle(delivery({ id: 'd-5' }));
    const job = jobs[0];
    expect(job).toMatchObject({ kind: 'event', trace: { traceparent: 'delivery-trace' } });
    // The job as a queue keeps it: JSON.
    await runQueueJob(r, JSON.parse(JSON.stringify(job)), { attempt: 1 });
    expect(rec.runs[0]?.start).toMatchObject({ trace: { traceparent: 'delivery-trace' }, delivery: undefined });
    expect(rec.runs[0]?.end?.outcome).toBe('handled');
  });

  it('makes a job without trace context when nothing traces the delivery', async () => {
    const jobs: ReturnType<typeof eventJob>[] = [];
    const r = make({ dispatcher: { dispatch: (event: AnyEvent) => void jobs.push(eventJob(event)) } });
    r.observe(recorder(undefined).observer);
    r.on('thing/created', () => {});
    await r.handle(delivery({ id: 'd-6' }));
    expect(jobs[0]).not.toHaveProperty('trace');
  });
});
