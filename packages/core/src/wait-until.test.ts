import { describe, expect, it, vi } from 'vitest';
import { captureLogger, deferred, delivery, sleep, testProvider } from '../../../test/helpers/test-provider.js';
import { createMemoryStore } from './memory-store.js';
import { createReceiver } from './receiver.js';

// A serverless runtime freezes once it has answered, unless the work still owed was handed to its waitUntil.
const make = (extra: Record<string, unknown> = {}) => {
  const { logger, lines } = captureLogger();
  const receiver = createReceiver({
    provider: testProvider(),
    logger,
    retry: { attempts: 3, minDelayMs: 1, maxDelayMs: 2 },
    ...extra,
  });
  return { receiver, lines };
};

/** A waitUntil that keeps what it is handed. */
const collector = () => {
  const kept: Promise<unknown>[] = [];
  return { kept, waitUntil: (promise: Promise<unknown>) => void kept.push(promise) };
};

describe('receive with waitUntil', () => {
  it('immediate mode: hands over, before the answer, a promise that settles once the handler ran and the delivery is done', async () => {
    const { receiver } = make();
    const gate = deferred();
    let finished = false;
    receiver.on('thing/created', async () => {
      await gate.promise;
      finished = true;
    });
    const { kept, waitUntil } = collector();
    const answer = receiver.receive(delivery({ id: 'w-1' }), { waitUntil });
    expect(answer).toMatchObject({ status: 200 });
    expect(kept).toHaveLength(1);
    let settled = false;
    kept[0]?.then(() => (settled = true));
    await sleep(20);
    expect(settled).toBe(false);
    gate.resolve();
    await kept[0];
    expect(finished).toBe(true);
    expect(receiver.stats().inFlight).toBe(0);
    expect(JSON.parse((await receiver.handle(delivery({ id: 'w-1' }))).body).duplicate).toBe(true);
  });

  it('covers the retries of a failing handler and resolves, not rejects, once it is dead-lettered', async () => {
    const onDeadLetter = vi.fn();
    const { receiver } = make({ hooks: { onDeadLetter } });
    const failing = vi.fn(() => {
      throw new Error('down');
    });
    receiver.on('thing/created', failing);
    const { kept, waitUntil } = collector();
    await receiver.handle(delivery({ id: 'w-2' }), { waitUntil });
    await expect(kept[0]).resolves.toBeUndefined();
    expect(failing).toHaveBeenCalledTimes(3);
    expect(onDeadLetter).toHaveBeenCalledTimes(1);
  });

  it('covers the commit to a store that has to be awaited', async () => {
    const memory = createMemoryStore();
    const commit = vi.fn(async (key: string, token: string, ttlMs: number) => {
      await sleep(30);
      return memory.commit(key, token, ttlMs);
    });
    const { receiver } = make({ store: { ...memory, commit } });
    receiver.on('thing/created', () => {});
    const { kept, waitUntil } = collector();
    await receiver.receive(delivery({ id: 'w-3' }), { waitUntil });
    await kept[0];
    expect(commit).toHaveBeenCalledTimes(1);
    expect(await memory.claim('w-3', 1_000)).toEqual({ status: 'done' });
  });

  it('after-handlers past the deadline: hands over the handler that goes on', async () => {
    const { receiver } = make({ ack: { mode: 'after-handlers', timeoutMs: 20, timeoutStatus: 202 } });
    let finished = false;
    receiver.on('thing/created', async () => {
      await sleep(100);
      finished = true;
    });
    const { kept, waitUntil } = collector();
    expect((await receiver.handle(delivery({ id: 'w-4' }), { waitUntil })).status).toBe(202);
    expect(finished).toBe(false);
    await kept[0];
    expect(finished).toBe(true);
  });

  it('hands nothing over when nothing goes on after the answer: a duplicate, a refusal, no handler, a dispatcher', async () => {
    const { receiver } = make();
    receiver.on('thing/created', () => {});
    const { kept, waitUntil } = collector();
    await receiver.handle(delivery({ id: 'w-5' }));
    await receiver.handle(delivery({ id: 'w-5' }), { waitUntil });
    const forged = delivery({ id: 'w-6' });
    forged.headers['x-test-signature'] = 'nope';
    expect((await receiver.handle(forged, { waitUntil })).status).toBe(401);
    expect((await receiver.handle(delivery({ id: 'w-7', event: 'thing/deleted' }), { waitUntil })).status).toBe(200);
    const queued = make({ dispatcher: { dispatch: () => {} } }).receiver.on('thing/created', () => {});
    expect((await queued.handle(delivery({ id: 'w-8' }), { waitUntil })).status).toBe(200);
    expect(kept).toHaveLength(0);
  });

  it('a waitUntil that throws is logged; the delivery is still acknowledged and handled', async () => {
    const { receiver, lines } = make();
    const handler = vi.fn();
    receiver.on('thing/created', handler);
    const waitUntil = () => {
      throw new Error('after() was called outside a request scope');
    };
    expect((await receiver.handle(delivery({ id: 'w-9' }), { waitUntil })).status).toBe(200);
    await vi.waitFor(() => expect(handler).toHaveBeenCalledTimes(1));
    expect(lines.some((l) => l.level === 'error' && /waitUntil threw/.test(l.msg ?? ''))).toBe(true);
  });
});
