import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMemoryStore } from './store.js';

describe('createMemoryStore', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('refuses a bad maxEntries', () => {
    expect(() => createMemoryStore({ maxEntries: 0 })).toThrow(/maxEntries/);
  });

  it('forgets a lease when it expires (fake timers)', async () => {
    vi.useFakeTimers();
    const store = createMemoryStore({ clock: Date });
    const first = await store.claim('k', 1_000);
    expect(first.status).toBe('claimed');
    expect((await store.claim('k', 1_000)).status).toBe('in-flight');
    vi.advanceTimersByTime(1_001);
    const second = await store.claim('k', 1_000);
    expect(second.status).toBe('claimed');
    // The first claimant's token no longer owns the key.
    if (first.status === 'claimed') expect(await store.commit('k', first.token, 10_000)).toBe(false);
  });

  it('forgets a done key after its ttl (fake timers)', async () => {
    vi.useFakeTimers();
    const store = createMemoryStore({ clock: Date });
    const claim = await store.claim('k', 1_000);
    if (claim.status !== 'claimed') throw new Error('expected a claim');
    expect(await store.commit('k', claim.token, 5_000)).toBe(true);
    vi.advanceTimersByTime(4_000);
    expect((await store.claim('k', 1_000)).status).toBe('done');
    vi.advanceTimersByTime(1_001);
    expect((await store.claim('k', 1_000)).status).toBe('claimed');
  });

  it('is bounded by entries: the least recently used key is forgotten', async () => {
    const store = createMemoryStore({ maxEntries: 2 });
    await store.claim('a', 10_000);
    await store.claim('b', 10_000);
    await store.claim('c', 10_000);
    expect((await store.claim('a', 10_000)).status).toBe('claimed');
    expect((await store.claim('c', 10_000)).status).toBe('in-flight');
  });

  it('tokens of two stores never collide', async () => {
    const a = createMemoryStore();
    const b = createMemoryStore();
    const ca = await a.claim('k', 1_000);
    const cb = await b.claim('k', 1_000);
    if (ca.status !== 'claimed' || cb.status !== 'claimed') throw new Error('expected claims');
    expect(ca.token).not.toBe(cb.token);
    expect(await a.commit('k', cb.token, 1_000)).toBe(false);
  });
});
