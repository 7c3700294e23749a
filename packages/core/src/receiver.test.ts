import { describe, expect, it, vi } from 'vitest';
import {
  captureLogger,
  deferred,
  delivery,
  sleep,
  TEST_SECRET,
  testProvider,
} from '../../../test/helpers/test-provider.js';
import { HookinboxError } from './errors.js';
import { createMemoryStore } from './memory-store.js';
import { createReceiver } from './receiver.js';
import type { Dispatcher } from './receiver-types.js';
import type { DedupeStore } from './store.js';
import type { Provider } from './types.js';

const quiet = () => captureLogger().logger;
const make = (extra: Record<string, unknown> = {}) =>
  createReceiver({
    provider: testProvider(),
    logger: quiet(),
    retry: { attempts: 2, minDelayMs: 1, maxDelayMs: 2 },
    ...extra,
  });

const settle = async (receiver: { stats(): { inFlight: number } }) => {
  for (let i = 0; i < 200 && receiver.stats().inFlight > 0; i++) await sleep(5);
};

describe('createReceiver options', () => {
  it('refuses a missing provider with a message that names the option', () => {
    expect(() => createReceiver({} as never)).toThrow(/provider: must be a provider/);
  });
  it('refuses a store without the contract methods', () => {
    expect(() => createReceiver({ provider: testProvider(), store: {} as DedupeStore })).toThrow(
      /store: must be a dedupe store/,
    );
  });
  it('refuses nonsense limits and ack modes', () => {
    expect(() => createReceiver({ provider: testProvider(), limits: { bodyBytes: -1 } })).toThrow(/limits.bodyBytes/);
    expect(() => createReceiver({ provider: testProvider(), ack: { mode: 'later' } as never })).toThrow(/ack/);
  });
  it('fills sane defaults', () => {
    const r = createReceiver({ provider: testProvider() });
    expect(r.options.limits).toEqual({ bodyBytes: 1024 * 1024, bodyTimeoutMs: 10_000 });
    expect(r.options.ack).toEqual({ mode: 'immediate' });
    expect(r.options.dedupe.onStoreError).toBe('fail-closed');
    expect(r.options.dedupe.ttlMs).toBeGreaterThan(4 * 3_600_000); // outlasts Genstore's retry window
  });
  it('refuses a handler that is not a function or an empty pattern', () => {
    const r = make();
    expect(() => r.on('thing/created', 'nope' as never)).toThrow(/not a function/);
    expect(() => r.on('' as never, () => {})).toThrow(/name or pattern/);
  });
});

describe('routing', () => {
  it('runs every matching handler: exact, prefix wildcard, suffix wildcard and catch-all', async () => {
    const r = make();
    const calls: string[] = [];
    r.on('thing/created', () => void calls.push('exact'))
      .on('thing/*', () => void calls.push('prefix'))
      .on('*/created', () => void calls.push('suffix'))
      .on('*', () => void calls.push('all'))
      .on('other/*', () => void calls.push('never'));
    await r.handle(delivery());
    await settle(r);
    expect(calls.sort()).toEqual(['all', 'exact', 'prefix', 'suffix']);
    expect(r.patterns()).toEqual(['thing/created', 'thing/*', '*/created', '*', 'other/*']);
  });

  it('routes unknown names too', async () => {
    const r = make();
    const seen = vi.fn();
    r.on('*', seen);
    await r.handle(delivery({ event: 'brand/new-topic', payload: { anything: true } }));
    await settle(r);
    expect(seen.mock.calls[0]?.[0]).toMatchObject({ name: 'brand/new-topic', payload: { anything: true } });
  });

  it('a where filter keeps events out of a handler: it sees the kept one, never the dropped one', async () => {
    const r = make();
    const seen = vi.fn();
    r.on('thing/created', seen, { where: (e) => e.payload.id === 'keep' });
    await r.handle(delivery({ payload: { id: 'drop' } }));
    await r.handle(delivery({ payload: { id: 'keep' } }));
    await settle(r);
    expect(seen.mock.calls.map(([event]) => event.payload.id)).toEqual(['keep']);
  });

  it('a delivery with no handler is acknowledged and remembered', async () => {
    const r = make();
    const d = delivery({ id: 'nobody' });
    expect((await r.handle(d)).status).toBe(200);
    expect(JSON.parse((await r.handle(d)).body)).toEqual({ ok: true, duplicate: true });
  });

  it('header names in any case are accepted when a delivery is built by hand', async () => {
    const r = make();
    const d = delivery();
    const upper = Object.fromEntries(Object.entries(d.headers).map(([k, v]) => [k.toUpperCase(), v]));
    expect((await r.handle({ ...d, headers: upper })).status).toBe(200);
  });

  it('with lowerCaseHeaders (Node headers), hands the headers to the provider as they are, without a copy', async () => {
    const seen: unknown[] = [];
    const base = testProvider();
    const r = make({
      provider: {
        ...base,
        verify: (d: Parameters<Provider['verify']>[0]) => {
          seen.push(d.headers);
          return base.verify(d);
        },
      },
    });
    const d = delivery();
    expect((await r.handle(d, { lowerCaseHeaders: true })).status).toBe(200);
    expect(seen[0]).toBe(d.headers);
    // The option is a promise about the names: upper-case names are then not lowered, and the signature is missed.
    const upper = Object.fromEntries(
      Object.entries(delivery({ id: 'u' }).headers).map(([k, v]) => [k.toUpperCase(), v]),
    );
    expect((await r.handle({ ...d, headers: upper }, { lowerCaseHeaders: true })).status).toBe(401);
  });
});

describe('handlers after the acknowledgement', () => {
  it('gives the handler the attempt number and a logger, and retries only the failing handler', async () => {
    const r = make({ retry: { attempts: 3, minDelayMs: 1, maxDelayMs: 1 } });
    const attempts: number[] = [];
    const other = vi.fn();
    r.on('thing/created', (_e, ctx) => {
      attempts.push(ctx.attempt);
      expect(typeof ctx.logger.info).toBe('function');
      if (ctx.attempt < 3) throw new Error('flaky');
    });
    r.on('thing/*', other);
    await r.handle(delivery());
    await settle(r);
    expect(attempts).toEqual([1, 2, 3]);
    expect(other).toHaveBeenCalledTimes(1);
    expect(r.stats()).toMatchObject({ handled: 1, failed: 2, deadLettered: 0 });
  });

  it('calls onFailed for each failure and onDeadLetter once, and logs the dead letter without the secret', async () => {
    const { logger, lines } = captureLogger();
    const onFailed = vi.fn();
    const onDeadLetter = vi.fn();
    const r = make({ logger, hooks: { onFailed, onDeadLetter } });
    r.on('thing/created', () => {
      throw new Error('always');
    });
    await r.handle(delivery());
    await settle(r);
    expect(onFailed.mock.calls.map((c) => c[0].willRetry)).toEqual([true, false]);
    expect(onDeadLetter).toHaveBeenCalledTimes(1);
    expect(lines.some((l) => l.level === 'error' && l.msg?.includes('dead-lettered'))).toBe(true);
    expect(JSON.stringify(lines)).not.toContain(TEST_SECRET);
  });

  it('a lone handler that throws once is called again, counted handled once, and its delivery marked done', async () => {
    const r = make();
    const attempts: number[] = [];
    r.on('thing/created', (_e, ctx) => {
      attempts.push(ctx.attempt);
      if (ctx.attempt === 1) throw new Error('flaky');
    });
    const d = delivery({ id: 'lone-flaky' });
    await r.handle(d);
    await settle(r);
    expect(attempts).toEqual([1, 2]);
    expect(r.stats()).toMatchObject({ handled: 1, failed: 1, deadLettered: 0, inFlight: 0 });
    expect(JSON.parse((await r.handle(d)).body)).toEqual({ ok: true, duplicate: true });
    expect(attempts).toEqual([1, 2]);
  });

  it('a lone async handler that always rejects is dead-lettered with every attempt, once', async () => {
    const onDeadLetter = vi.fn();
    const r = make({ hooks: { onDeadLetter } });
    r.on('thing/created', async () => {
      throw new Error('down');
    });
    await r.handle(delivery({ id: 'lone-down' }));
    await settle(r);
    expect(onDeadLetter).toHaveBeenCalledTimes(1);
    expect(onDeadLetter.mock.calls[0]?.[0].failures.map((f: { attempt: number }) => f.attempt)).toEqual([1, 2]);
    expect(r.stats()).toMatchObject({ handled: 0, failed: 2, deadLettered: 1, inFlight: 0 });
  });

  it('deliveries acknowledged in the same turn each run their handler once, after the answers', async () => {
    const r = make();
    const seen: string[] = [];
    r.on('thing/created', (e) => {
      seen.push(e.id);
    });
    const answers = await Promise.all(
      ['a', 'b', 'c'].map((id) => r.handle(delivery({ id: `turn-${id}`, payload: { id } }))),
    );
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(seen).toEqual([]);
    await settle(r);
    expect(seen.sort()).toEqual(['turn-a', 'turn-b', 'turn-c']);
  });

  it('a hook that throws is logged and does not break delivery', async () => {
    const { logger, lines } = captureLogger();
    const r = make({
      logger,
      hooks: {
        onReceived: () => {
          throw new Error('bad hook');
        },
      },
    });
    expect((await r.handle(delivery())).status).toBe(200);
    expect(lines.some((l) => l.msg?.includes('onReceived hook threw'))).toBe(true);
  });

  it('reports lifecycle hooks and counters', async () => {
    const hooks = {
      onReceived: vi.fn(),
      onRejected: vi.fn(),
      onDuplicate: vi.fn(),
      onAcknowledged: vi.fn(),
      onHandled: vi.fn(),
    };
    const r = make({ hooks });
    r.on('thing/created', () => {});
    await r.handle(delivery({ id: 'h1' }));
    await settle(r);
    await r.handle(delivery({ id: 'h1' }));
    await r.handle(delivery({ secret: 'wrong' }));
    await settle(r);
    expect(hooks.onReceived).toHaveBeenCalledTimes(3);
    expect(hooks.onRejected).toHaveBeenCalledWith(expect.objectContaining({ code: 'invalid_signature', status: 401 }));
    expect(hooks.onDuplicate).toHaveBeenCalledWith({ name: 'thing/created', id: 'h1', state: 'done' });
    expect(hooks.onAcknowledged).toHaveBeenCalledTimes(2);
    expect(hooks.onHandled).toHaveBeenCalledTimes(1);
    const stats = r.stats();
    expect(stats).toMatchObject({ received: 3, duplicates: 1, acknowledged: 2, handled: 1 });
    expect(stats.rejected).toEqual({ invalid_signature: 1 });
    expect(stats.ackLatencyMs.count).toBe(2);
  });

  it('an in-flight duplicate in immediate mode is acknowledged without a second call', async () => {
    const r = make();
    const gate = deferred();
    const handler = vi.fn(() => gate.promise);
    r.on('thing/created', handler);
    await r.handle(delivery({ id: 'f1' }));
    await sleep(5);
    const copy = await r.handle(delivery({ id: 'f1' }));
    expect(JSON.parse(copy.body)).toEqual({ ok: true, duplicate: true });
    gate.resolve();
    await settle(r);
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it('a crashed claim expires with its lease, and the retry runs', async () => {
    const store = createMemoryStore();
    // Simulates an instance that claimed the delivery and died before commit.
    await store.claim('crash-1', 30);
    const r = make({ store });
    const handler = vi.fn();
    r.on('thing/created', handler);
    expect(JSON.parse((await r.handle(delivery({ id: 'crash-1' }))).body).duplicate).toBe(true);
    await sleep(50);
    await r.handle(delivery({ id: 'crash-1' }));
    await settle(r);
    expect(handler).toHaveBeenCalledTimes(1);
  });
});

describe('failures around the handlers', () => {
  it('a provider that throws something unexpected answers 500 internal_error and logs it', async () => {
    const { logger, lines } = captureLogger();
    const provider: Provider = {
      name: 'bad',
      verify() {
        throw new RangeError('oops');
      },
    };
    const r = createReceiver({ provider, logger });
    const res = await r.handle(delivery());
    expect(res.status).toBe(500);
    expect(JSON.parse(res.body).error.code).toBe('internal_error');
    expect(res.body).not.toContain('oops');
    expect(lines.some((l) => l.level === 'error')).toBe(true);
  });

  it('fail-open processes without dedupe when the store fails, and reports it', async () => {
    const onStoreError = vi.fn();
    const broken: DedupeStore = {
      claim: () => Promise.reject(new Error('down')),
      commit: () => Promise.reject(new Error('down')),
      release: () => Promise.reject(new Error('down')),
    };
    const r = make({ store: broken, dedupe: { onStoreError: 'fail-open' }, hooks: { onStoreError } });
    const handler = vi.fn();
    r.on('thing/created', handler);
    expect((await r.handle(delivery())).status).toBe(200);
    await settle(r);
    expect(handler).toHaveBeenCalledTimes(1);
    expect(onStoreError).toHaveBeenCalledWith(expect.objectContaining({ policy: 'fail-open', operation: 'claim' }));
  });

  it('a failing commit is reported, not thrown', async () => {
    const onStoreError = vi.fn();
    const memory = createMemoryStore();
    const store: DedupeStore = { ...memory, commit: () => Promise.reject(new Error('commit lost')) };
    const r = make({ store, hooks: { onStoreError } });
    r.on('thing/created', () => {});
    await r.handle(delivery());
    await settle(r);
    expect(onStoreError).toHaveBeenCalledWith(expect.objectContaining({ operation: 'commit' }));
  });

  it('a provider check that fails refuses deliveries with 500 and ready() throws the reason', async () => {
    const provider: Provider = {
      ...testProvider(),
      checkHandlers(patterns) {
        if (!patterns.includes('must/have')) throw new Error('missing handler for must/have');
      },
    };
    const r = createReceiver({ provider, logger: quiet() });
    expect(() => r.ready()).toThrow('missing handler for must/have');
    expect((await r.handle(delivery())).status).toBe(500);
    r.on('must/have', () => {});
    expect(() => r.ready()).not.toThrow();
    expect((await r.handle(delivery())).status).toBe(200);
  });

  it('after-handlers: release failure is reported and the 500 still goes out', async () => {
    const onStoreError = vi.fn();
    const memory = createMemoryStore();
    const store: DedupeStore = { ...memory, release: () => Promise.reject(new Error('release lost')) };
    const r = make({ store, ack: { mode: 'after-handlers' }, hooks: { onStoreError } });
    r.on('thing/created', () => {
      throw new Error('no');
    });
    expect((await r.handle(delivery())).status).toBe(500);
    expect(onStoreError).toHaveBeenCalledWith(expect.objectContaining({ operation: 'release' }));
  });

  it('after-handlers: a handler that fails after the deadline is retried in process and dead-lettered', async () => {
    const onDeadLetter = vi.fn();
    const r = make({
      ack: { mode: 'after-handlers', timeoutMs: 20 },
      retry: { attempts: 3, minDelayMs: 1, maxDelayMs: 1 },
      hooks: { onDeadLetter },
    });
    let calls = 0;
    r.on('thing/created', async () => {
      calls++;
      if (calls === 1) await sleep(60);
      throw new Error('late failure');
    });
    expect((await r.handle(delivery({ id: 'late' }))).status).toBe(200);
    await settle(r);
    expect(calls).toBe(3);
    expect(onDeadLetter.mock.calls[0]?.[0].failures.length).toBe(3);
    expect(r.deadLetters).toMatchObject({ size: 1 });
    // Not done: the claim was released with the dead letter, so a resend (or a replay) runs it again.
    expect((await r.handle(delivery({ id: 'late' }))).status).toBe(500);
    expect(calls).toBe(4);
  });
});

describe('handlers sharing a pattern', () => {
  it('after the deadline only the handler that failed is retried and dead-lettered', async () => {
    const onDeadLetter = vi.fn();
    const r = make({
      ack: { mode: 'after-handlers', timeoutMs: 20 },
      retry: { attempts: 2, minDelayMs: 1, maxDelayMs: 1 },
      hooks: { onDeadLetter },
    });
    let ok = 0;
    let bad = 0;
    r.on('thing/created', async () => {
      await sleep(40);
      ok++;
    });
    r.on('thing/created', async () => {
      await sleep(40);
      bad++;
      throw new Error('second handler fails');
    });
    expect((await r.handle(delivery({ id: 'same-pattern' }))).status).toBe(200);
    await settle(r);
    expect({ ok, bad }).toEqual({ ok: 1, bad: 2 });
    const { failures } = onDeadLetter.mock.calls[0]![0];
    expect(failures.map((f: { handlerId: string }) => f.handlerId)).toEqual(['1:thing/created', '1:thing/created']);
  });
});

describe('dispatch seam', () => {
  it('hands the event to a dispatcher, marks it done, and process() runs the handlers later', async () => {
    const queue: unknown[] = [];
    const dispatcher: Dispatcher = { dispatch: (event) => void queue.push(event) };
    const r = make({ dispatcher });
    const handler = vi.fn();
    r.on('thing/created', handler);
    expect((await r.handle(delivery({ id: 'q1' }))).status).toBe(200);
    await sleep(10);
    expect(handler).not.toHaveBeenCalled();
    expect(queue).toHaveLength(1);
    // A worker picks it up, possibly after a JSON round trip through a durable queue.
    const result = await r.process(JSON.parse(JSON.stringify(queue[0])));
    expect(result).toEqual({ ok: true, failures: [] });
    expect(handler).toHaveBeenCalledTimes(1);
    expect(JSON.parse((await r.handle(delivery({ id: 'q1' }))).body).duplicate).toBe(true);
  });

  it('a dispatcher that refuses the event releases the claim so the provider retries', async () => {
    let fail = true;
    const dispatcher: Dispatcher = {
      dispatch: async () => {
        if (fail) throw new Error('queue down');
      },
    };
    const r = make({ dispatcher });
    r.on('thing/created', () => {});
    const refused = await r.handle(delivery({ id: 'q2' }));
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('5');
    expect(JSON.parse(refused.body).error.code).toBe('queue_unavailable');
    fail = false;
    const retry = await r.handle(delivery({ id: 'q2' }));
    expect(JSON.parse(retry.body)).toEqual({ ok: true });
  });

  it('with a dispatcher, a copy that arrives while the first waits for the queue is told to come back, not acknowledged', async () => {
    let refuse!: (error: Error) => void;
    const dispatcher: Dispatcher = {
      dispatch: () =>
        new Promise<void>((_, reject) => {
          refuse = reject;
        }),
    };
    const r = make({ dispatcher });
    r.on('thing/created', () => {});
    const first = r.handle(delivery({ id: 'q3' }));
    await sleep(10);
    // Acknowledging this copy would lose the event: the queue may still refuse the first one.
    const copy = await r.handle(delivery({ id: 'q3' }));
    expect(copy.status).toBe(409);
    expect(JSON.parse(copy.body).error.code).toBe('in_flight');
    refuse(new Error('queue down'));
    expect((await first).status).toBe(503);
  });

  it('process() reports failures after retries', async () => {
    const r = make();
    r.on('thing/created', () => {
      throw new Error('x');
    });
    const result = await r.process({
      provider: 'test',
      name: 'thing/created',
      id: 'p1',
      payload: { id: 'p1' },
      meta: { signature: '' },
      receivedAt: new Date(),
    });
    expect(result.ok).toBe(false);
    expect(result.failures.map((f) => f.attempt)).toEqual([1, 2]);
  });
});

describe('close', () => {
  it('aborts the handler signal when the timeout passes', async () => {
    const r = make();
    let aborted = false;
    r.on('thing/created', async (_e, ctx) => {
      await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve()));
      aborted = ctx.signal.aborted;
    });
    await r.handle(delivery());
    await sleep(5);
    const result = await r.close({ timeoutMs: 20 });
    expect(result.drained).toBe(false);
    await sleep(5);
    expect(aborted).toBe(true);
  });

  it('waits for handlers still running and names those that outlive the timeout', async () => {
    const r = make();
    const slow = deferred();
    r.on('thing/created', async (e) => {
      if (e.payload.id === 'slow') await slow.promise;
    });
    await r.handle(delivery({ id: 'quick', payload: { id: 'quick' } }));
    await r.handle(delivery({ id: 'slow', payload: { id: 'slow' } }));
    await sleep(5);
    expect(r.stats().inFlight).toBe(1);
    const result = await r.close({ timeoutMs: 20 });
    expect(result.drained).toBe(false);
    expect(result.pending).toEqual([{ name: 'thing/created', id: expect.stringContaining('slow') }]);
    slow.resolve();
  });

  it('resolves drained once the last running handler ends', async () => {
    const r = make();
    const gate = deferred();
    let done = false;
    r.on('thing/created', async () => {
      await gate.promise;
      done = true;
    });
    await r.handle(delivery());
    const closing = r.close({ timeoutMs: 5_000 });
    await sleep(5);
    gate.resolve();
    expect(await closing).toEqual({ drained: true, pending: [] });
    expect(done).toBe(true);
  });

  it('with nothing in flight resolves at once', async () => {
    const r = make();
    expect(await r.close()).toEqual({ drained: true, pending: [] });
    const res = await r.handle(delivery());
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
  });
});

describe('HookinboxError', () => {
  it('maps codes to statuses and serialises without the cause', () => {
    const err = new HookinboxError('store_unavailable', 'down', { cause: new Error(`secret ${TEST_SECRET}`) });
    expect(err.status).toBe(503);
    expect(JSON.stringify(err)).toBe('{"error":{"code":"store_unavailable","message":"down"}}');
  });
});

describe('receive (for adapters)', () => {
  it('answers synchronously with the memory store, and a copy of the delivery is a duplicate at once', async () => {
    const r = make();
    const handler = vi.fn();
    r.on('thing/created', handler);
    const d = delivery();
    const first = r.receive(d);
    const second = r.receive(d);
    expect(first).not.toBeInstanceOf(Promise);
    expect(first).toMatchObject({ status: 200, body: '{"ok":true}' });
    expect(second).toMatchObject({ status: 200, body: '{"ok":true,"duplicate":true}' });
    await settle(r);
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it('answers with a promise when the store has to be awaited (a spread copy of the memory store), as handle() does', async () => {
    const memory = createMemoryStore();
    const r = make({ store: { ...memory } });
    r.on('thing/created', () => {});
    const answer = r.receive(delivery());
    expect(answer).toBeInstanceOf(Promise);
    expect(await answer).toMatchObject({ status: 200 });
    const forged = delivery({ id: 'forged' });
    forged.headers['x-test-signature'] = 'nope';
    expect(await r.receive(forged)).toMatchObject({ status: 401 });
    expect(await r.handle(delivery({ id: 'other' }))).toMatchObject({ status: 200 });
    await settle(r);
  });

  it('a store whose claim throws instead of rejecting answers 503 store_unavailable (fail-closed)', async () => {
    const store: DedupeStore = {
      claim: () => {
        throw 'not even an Error';
      },
      commit: async () => true,
      release: async () => true,
    };
    const r = createReceiver({ provider: testProvider(), logger: quiet(), store });
    const answer = await r.receive(delivery());
    expect(answer.status).toBe(503);
    expect(r.stats().rejected).toEqual({ store_unavailable: 1 });
  });

  it('never throws: a provider that returns nothing answers 500 internal_error, counted and logged', () => {
    const { logger, lines } = captureLogger();
    const provider = { name: 'odd', verify: () => null } as unknown as Provider;
    const r = createReceiver({ provider, logger });
    const answer = r.receive(delivery());
    expect(answer).toMatchObject({ status: 500 });
    expect(r.stats().rejected).toEqual({ internal_error: 1 });
    expect(lines.some((l) => l.level === 'error' && l.msg === '@hookinbox/core: a delivery failed unexpectedly')).toBe(
      true,
    );
  });

  it('refuse(): a request refused by the adapter is counted, hooked and logged like any refusal', () => {
    const { logger, lines } = captureLogger();
    const onRejected = vi.fn();
    const onReceived = vi.fn();
    const r = createReceiver({ provider: testProvider(), logger, hooks: { onRejected, onReceived } });
    const tooLarge = new HookinboxError('body_too_large', '@hookinbox/core: the request body is larger than 10 bytes');
    const response = r.refuse(tooLarge, { method: 'POST', url: '/webhooks/test' });
    expect(response.status).toBe(413);
    expect(JSON.parse(response.body)).toEqual({ error: { code: 'body_too_large', message: tooLarge.message } });
    expect(r.stats()).toMatchObject({ received: 1, rejected: { body_too_large: 1 } });
    expect(onReceived).toHaveBeenCalledWith({ method: 'POST', url: '/webhooks/test' });
    expect(onRejected).toHaveBeenCalledWith({ code: 'body_too_large', status: 413, message: tooLarge.message });
    expect(lines.some((l) => l.level === 'warn' && l.msg === tooLarge.message)).toBe(true);
    const odd = r.refuse(new Error(`secret ${TEST_SECRET}`), { method: 'POST', url: '/x' });
    expect(odd.status).toBe(500);
    expect(odd.body).not.toContain(TEST_SECRET);
    expect(r.stats().rejected).toEqual({ body_too_large: 1, internal_error: 1 });
  });
});
