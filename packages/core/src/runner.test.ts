import { describe, expect, it, vi } from 'vitest';
import { captureLogger, delivery, sleep, testProvider } from '../../../test/helpers/test-provider.js';
import { createMemoryStore } from './memory-store.js';
import type { Observer, RunEnd } from './observe.js';
import { createReceiver } from './receiver.js';
import type { DedupeStore } from './store.js';

// The handler runner (runner.ts), tried through a receiver by the handler set and filter that reach each path.

const settle = async (receiver: { stats(): { inFlight: number } }) => {
  for (let i = 0; i < 200 && receiver.stats().inFlight > 0; i++) await sleep(5);
};
const make = (hooks: Record<string, unknown>) =>
  createReceiver({
    provider: testProvider(),
    logger: captureLogger().logger,
    retry: { attempts: 3, minDelayMs: 1, maxDelayMs: 1 },
    hooks,
  });

describe('runner: a where filter that throws', () => {
  for (const handlers of [1, 2]) {
    it(`with ${handlers} handler(s): counts as that handler's failure at attempt 1, not retried, dead-lettered`, async () => {
      const onFailed = vi.fn();
      const onDeadLetter = vi.fn();
      const r = make({ onFailed, onDeadLetter });
      const handler = vi.fn();
      const boom = new Error('filter broke');
      r.on('thing/created', handler, {
        where: () => {
          throw boom;
        },
      });
      const other = vi.fn();
      if (handlers === 2) r.on('thing/*', other);
      expect((await r.handle(delivery({ id: `where-${handlers}` }))).status).toBe(200);
      await settle(r);
      expect(handler).not.toHaveBeenCalled();
      expect(other).toHaveBeenCalledTimes(handlers === 2 ? 1 : 0);
      expect(onFailed).toHaveBeenCalledTimes(1);
      expect(onFailed.mock.calls[0]?.[0]).toMatchObject({ pattern: 'thing/created', attempt: 1, error: boom });
      expect(onDeadLetter).toHaveBeenCalledTimes(1);
      expect(onDeadLetter.mock.calls[0]?.[0].failures).toMatchObject([{ attempt: 1, error: boom }]);
    });
  }
});

describe('runner: where filters beside another handler', () => {
  it('a filter that says no keeps its handler out; the other handler runs', async () => {
    const r = make({});
    const kept = vi.fn();
    const other = vi.fn();
    r.on('thing/created', kept, { where: () => false });
    r.on('thing/*', other);
    expect((await r.handle(delivery({ id: 'no' }))).status).toBe(200);
    await settle(r);
    expect(kept).not.toHaveBeenCalled();
    expect(other).toHaveBeenCalledTimes(1);
  });
});

describe('runner: what an observer is told of a run', () => {
  it('a handler that fails once then succeeds: outcome handled, and a duration within the time the run took', async () => {
    const r = make({});
    const ends: RunEnd[] = [];
    const observer: Observer = {
      delivery: () => undefined,
      run: () => ({ within: (fn) => fn(), end: (info) => ends.push(info) }),
    };
    r.observe(observer);
    let calls = 0;
    r.on('thing/created', () => {
      calls++;
      if (calls === 1) throw new Error('once');
    });
    const before = performance.now();
    expect((await r.handle(delivery({ id: 'observed' }))).status).toBe(200);
    await settle(r);
    const took = performance.now() - before;
    expect(ends).toHaveLength(1);
    expect(ends[0]).toMatchObject({ outcome: 'handled', deadLettered: false });
    expect(ends[0]?.durationMs).toBeGreaterThanOrEqual(0);
    expect(ends[0]?.durationMs).toBeLessThanOrEqual(took);
  });
});

describe('runner: what is remembered per handler', () => {
  it('after-handlers past the deadline: a lone handler is retried without a claim of its own', async () => {
    const memory = createMemoryStore();
    const claimed: string[] = [];
    const store: DedupeStore = {
      claim: (key, leaseMs) => {
        claimed.push(key);
        return memory.claim(key, leaseMs);
      },
      commit: (key, token, ttlMs) => memory.commit(key, token, ttlMs),
      release: (key, token) => memory.release(key, token),
    };
    const r = createReceiver({
      provider: testProvider(),
      logger: captureLogger().logger,
      store,
      ack: { mode: 'after-handlers', timeoutMs: 20 },
      retry: { attempts: 3, minDelayMs: 1, maxDelayMs: 1 },
    });
    let calls = 0;
    r.on('thing/created', async () => {
      calls++;
      if (calls === 1) {
        await sleep(60);
        throw new Error('late');
      }
    });
    expect((await r.handle(delivery({ id: 'lone-late' }))).status).toBe(200);
    await settle(r);
    expect(calls).toBe(2);
    expect(claimed).toEqual(['lone-late']);
  });
});
