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

  it('keeps every key and the least-recently-used order while its table grows', async () => {
    // 3,000 keys outgrow the first table (1,024 slots) twice.
    const store = createMemoryStore({ maxEntries: 3_000 });
    for (let i = 0; i < 3_000; i++) {
      const claim = await store.claim(`key-${i}`, 60_000);
      if (claim.status !== 'claimed') throw new Error(`key-${i} was not new`);
      expect(await store.commit(`key-${i}`, claim.token, 60_000)).toBe(true);
    }
    expect((await store.claim('key-0', 1_000)).status).toBe('done'); // key-0 is now the most recently used
    expect((await store.claim('key-2999', 1_000)).status).toBe('done');
    expect((await store.claim('new-1', 1_000)).status).toBe('claimed'); // full: forgets key-1, the least recent
    expect((await store.claim('key-0', 1_000)).status).toBe('done');
    expect((await store.claim('key-1', 1_000)).status).toBe('claimed');
    expect((await store.claim('key-3', 1_000)).status).toBe('done');
  });

  it('reuses released and expired slots without losing the keys it still holds (fake timers)', async () => {
    vi.useFakeTimers();
    const store = createMemoryStore({ maxEntries: 100, clock: Date });
    for (let i = 0; i < 50; i++) {
      const claim = await store.claim(`kept-${i}`, 60_000);
      if (claim.status === 'claimed') await store.commit(`kept-${i}`, claim.token, 3_600_000);
    }
    // Thousands of short-lived claims, released or expired, leave removed slots behind and force the table to be
    // rebuilt in place many times.
    for (let i = 0; i < 5_000; i++) {
      const claim = await store.claim(`brief-${i}`, 10);
      if (claim.status !== 'claimed') throw new Error(`brief-${i} was not new`);
      if (i % 2 === 1) {
        vi.advanceTimersByTime(11);
        expect(await store.commit(`brief-${i}`, claim.token, 60_000)).toBe(false); // the lease had ended
        const again = await store.claim(`brief-${i}`, 10);
        if (again.status !== 'claimed') throw new Error(`expired brief-${i} was not claimable`);
        expect(await store.release(`brief-${i}`, again.token)).toBe(true);
      } else {
        expect(await store.release(`brief-${i}`, claim.token)).toBe(true);
      }
    }
    for (let i = 0; i < 50; i++) expect((await store.claim(`kept-${i}`, 1_000)).status).toBe('done');
    expect((await store.claim('brief-1', 1_000)).status).toBe('claimed');
  });
});
