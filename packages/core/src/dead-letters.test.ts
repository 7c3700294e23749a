import { describe, expect, it, vi } from 'vitest';
import { captureLogger, delivery, sign, sleep, testProvider } from '../../../test/helpers/test-provider.js';
import { createMemoryDeadLetters, type DeadLetter, type MemoryDeadLetters, restoreDelivery } from './dead-letters.js';
import { HookinboxError } from './errors.js';
import { createReceiver } from './receiver.js';
import type { ReceiverOptions } from './receiver-types.js';
import type { Provider, RawDelivery } from './types.js';

const quiet = () => captureLogger().logger;
const make = (extra: Partial<ReceiverOptions> = {}) =>
  createReceiver({
    provider: testProvider(),
    logger: quiet(),
    retry: { attempts: 2, minDelayMs: 1, maxDelayMs: 2 },
    ...extra,
  });
const letters = (r: { deadLetters: unknown }) => (r.deadLetters as MemoryDeadLetters).list();
const settle = async (r: { stats(): { inFlight: number } }) => {
  for (let i = 0; i < 200 && r.stats().inFlight > 0; i++) await sleep(5);
};

/**
 * The test provider, except that a body it cannot read as `key=value` lines is authentic but unprocessable (as a
 * Geins body that no longer matches its template), until `strict` is turned off.
 */
function templatedProvider(settings: { strict: boolean }): Provider {
  return {
    name: 'templated',
    verify(d: RawDelivery) {
      if (d.headers['x-test-signature'] !== sign(d.body)) {
        throw new HookinboxError('invalid_signature', 'templated: signature does not match');
      }
      const text = Buffer.from(d.body).toString('utf8');
      const base = { name: 'thing/created', dedupeKey: 'templated-1', meta: {} };
      if (settings.strict && !text.startsWith('id=')) {
        return { ...base, payload: undefined, unprocessable: 'the body does not match the template' };
      }
      return { ...base, payload: { id: text.replace(/^id=/, '') } };
    },
  };
}

describe('parked deliveries', () => {
  it('a payload that fails its schema: 200 parked, kept with its exact bytes and the reason, no handler, onInvalid told', async () => {
    const onInvalid = vi.fn();
    const r = make({ hooks: { onInvalid } });
    const handler = vi.fn();
    r.on('thing/created', handler);
    const d = delivery({ payload: { id: 42, text: 'ünïcode' } });
    const res = await r.handle(d);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ ok: true, parked: true });
    await settle(r);
    expect(handler).not.toHaveBeenCalled();
    expect(onInvalid).toHaveBeenCalledTimes(1);
    const [letter] = letters(r);
    expect(letter).toMatchObject({ kind: 'parked', name: 'thing/created', provider: 'test' });
    expect(letter?.reason).toMatch(/^the payload failed its schema: id: /);
    expect(
      Buffer.from(restoreDelivery(letter?.delivery as NonNullable<DeadLetter['delivery']>).body).equals(d.body),
    ).toBe(true);
    expect(letter?.delivery?.headers['x-test-signature']).toBe(d.headers['x-test-signature']);
    expect(r.stats()).toMatchObject({ parked: 1, invalid: 1, acknowledged: 1 });
  });

  it('the provider says unprocessable: parked with its reason; after the fix, replay runs the handler once', async () => {
    const settings = { strict: true };
    const r = make({ provider: templatedProvider(settings) });
    const handler = vi.fn();
    r.on('thing/created', handler);
    const d = delivery({ body: 'something the template never produced' });
    expect(JSON.parse((await r.handle(d)).body)).toEqual({ ok: true, parked: true });
    const [letter] = letters(r);
    expect(letter).toMatchObject({ kind: 'parked', id: 'templated-1', reason: 'the body does not match the template' });
    // Still wrong: parked again, nothing ran.
    expect(await r.replay(letter as DeadLetter)).toMatchObject({ outcome: 'parked', status: 200 });
    settings.strict = false;
    expect(await r.replay(letter as DeadLetter)).toEqual({ outcome: 'handled', status: 200, failures: [] });
    expect(handler).toHaveBeenCalledTimes(1);
    expect(handler.mock.calls[0]?.[0].payload).toEqual({ id: 'something the template never produced' });
    // Processed: deleted from the sink; a second replay, or the provider's resend, is a duplicate.
    expect(letters(r)).toEqual([]);
    expect(await r.replay(letter as DeadLetter)).toMatchObject({ outcome: 'duplicate' });
    expect(JSON.parse((await r.handle(d)).body)).toEqual({ ok: true, duplicate: true });
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it('a sink that cannot keep the delivery: 503 dead_letter_unavailable with Retry-After, and the resend is parked', async () => {
    let down = true;
    const kept: DeadLetter[] = [];
    const r = make({
      deadLetters: {
        put: async (letter) => {
          if (down) throw new Error('database down');
          kept.push(letter);
        },
      },
    });
    const d = delivery({ payload: { id: 7 } });
    const refused = await r.handle(d);
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('5');
    expect(JSON.parse(refused.body).error.code).toBe('dead_letter_unavailable');
    down = false;
    expect(JSON.parse((await r.handle(d)).body)).toEqual({ ok: true, parked: true });
    expect(kept).toHaveLength(1);
  });

  it('a replayed delivery is authenticated again: a letter whose signature no longer verifies is refused', async () => {
    const r = make();
    const d = delivery({ payload: { id: 7 } });
    await r.handle(d);
    const [letter] = letters(r);
    const other = createReceiver({
      provider: testProvider('a rotated secret'),
      logger: quiet(),
      deadLetters: r.deadLetters,
    });
    other.on('thing/created', () => {});
    expect(await other.replay(letter as DeadLetter)).toMatchObject({ outcome: 'refused', status: 401 });
  });
});

describe('failed events', () => {
  it('handlers that fail every attempt: kept with the delivery and the event; replay runs only the one that failed', async () => {
    const r = make();
    let down = true;
    const flaky = vi.fn(async () => {
      if (down) throw new Error('downstream is down');
    });
    const fine = vi.fn();
    r.on('thing/created', flaky).on('thing/*', fine);
    const d = delivery({ id: 'order-9' });
    expect((await r.handle(d)).status).toBe(200);
    await settle(r);
    expect(flaky).toHaveBeenCalledTimes(2);
    const [letter] = letters(r);
    expect(letter).toMatchObject({ kind: 'failed', id: 'order-9', name: 'thing/created' });
    expect(letter?.failures).toEqual([
      { handlerId: '0:thing/created', pattern: 'thing/created', attempt: 1, error: 'Error: downstream is down' },
      { handlerId: '0:thing/created', pattern: 'thing/created', attempt: 2, error: 'Error: downstream is down' },
    ]);
    expect(letter?.event).toMatchObject({ name: 'thing/created', id: 'order-9', payload: { id: 'order-9' } });
    down = false;
    expect(await r.replay(letter as DeadLetter)).toMatchObject({ outcome: 'handled' });
    expect(flaky).toHaveBeenCalledTimes(3);
    expect(fine).toHaveBeenCalledTimes(1);
    expect(letters(r)).toEqual([]);
  });

  it('an event-only letter (as a queue keeps it) runs its handlers; a second replay is a duplicate', async () => {
    const r = make();
    const handler = vi.fn();
    r.on('thing/created', handler);
    const letter: DeadLetter = {
      kind: 'failed',
      id: 'from-a-queue',
      provider: 'test',
      name: 'thing/created',
      reason: 'handlers failed every attempt',
      receivedAt: '2026-01-01T00:00:00.000Z',
      event: {
        provider: 'test',
        name: 'thing/created',
        id: 'from-a-queue',
        payload: { id: 'q' },
        meta: {},
        receivedAt: '2026-01-01T00:00:00.000Z',
      },
    };
    expect(await r.replay(letter)).toEqual({ outcome: 'handled', status: 200, failures: [] });
    expect(handler.mock.calls[0]?.[0].receivedAt).toEqual(new Date('2026-01-01T00:00:00.000Z'));
    expect(await r.replay(letter)).toMatchObject({ outcome: 'duplicate' });
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it('a letter with neither delivery nor event is refused with a clear error', async () => {
    const r = make();
    await expect(
      r.replay({ kind: 'failed', id: 'x', provider: 'test', name: '', reason: '', receivedAt: '' }),
    ).rejects.toThrow(/needs a dead letter with its delivery or its event/);
  });
});

describe('process() for a queue', () => {
  it("retries: 'once' calls each handler once with the queue's attempt, dead-letters nothing, and remembers successes", async () => {
    const onDeadLetter = vi.fn();
    const r = make({ hooks: { onDeadLetter } });
    const attempts: number[] = [];
    let down = true;
    const flaky = vi.fn(async (_e: unknown, ctx: { attempt: number }) => {
      attempts.push(ctx.attempt);
      if (down) throw new Error('down');
    });
    const fine = vi.fn();
    r.on('thing/created', flaky).on('thing/*', fine);
    const event = {
      provider: 'test',
      name: 'thing/created',
      id: 'job-1',
      payload: {},
      meta: {},
      receivedAt: new Date(),
    };
    const first = await r.process(event, { attempt: 1, retries: 'once' });
    expect(first.ok).toBe(false);
    expect(first.failures).toMatchObject([{ pattern: 'thing/created', attempt: 1 }]);
    down = false;
    expect(await r.process(event, { attempt: 2, retries: 'once' })).toEqual({ ok: true, failures: [] });
    expect(attempts).toEqual([1, 2]);
    expect(fine).toHaveBeenCalledTimes(1);
    expect(onDeadLetter).not.toHaveBeenCalled();
    expect(letters(r)).toEqual([]);
  });
});

describe('handle() with a string body', () => {
  it('takes the string as its UTF-8 bytes: a signature over those bytes verifies', async () => {
    const r = make();
    const handler = vi.fn();
    r.on('thing/created', handler);
    const d = delivery({ payload: { id: 'strïng' } });
    const res = await r.handle({ ...d, body: d.body.toString('utf8') });
    expect(res.status).toBe(200);
    await settle(r);
    expect(handler.mock.calls[0]?.[0].payload).toEqual({ id: 'strïng' });
  });
});

describe('createMemoryDeadLetters', () => {
  const letter = (id: string, kind: DeadLetter['kind'] = 'parked'): DeadLetter => ({
    kind,
    id,
    provider: 'p',
    name: 'n',
    reason: 'r',
    receivedAt: '',
  });

  it('keeps the most recent max letters; a letter of the same kind and id replaces the older one', () => {
    const sink = createMemoryDeadLetters({ max: 2 });
    sink.put(letter('a'));
    sink.put(letter('b'));
    sink.put({ ...letter('a'), reason: 'again' });
    expect(sink.list().map((l) => [l.id, l.reason])).toEqual([
      ['b', 'r'],
      ['a', 'again'],
    ]);
    sink.put(letter('c'));
    expect(sink.list().map((l) => l.id)).toEqual(['a', 'c']);
    sink.put(letter('c', 'failed'));
    expect(sink.size).toBe(2);
    expect(sink.get('failed', 'c')).toMatchObject({ kind: 'failed' });
    expect(sink.delete('failed', 'c')).toBe(true);
    expect(sink.get('failed', 'c')).toBeUndefined();
  });

  it('refuses a bad bound', () => {
    expect(() => createMemoryDeadLetters({ max: 0 })).toThrow(/max must be a positive integer/);
  });
});
