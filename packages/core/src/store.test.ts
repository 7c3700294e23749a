import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMemoryStore, memoryStoreWithNameBits } from './store.js';

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

  it('keeps every key and the least-recently-used order up to its bound', async () => {
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
    // Thousands of short-lived claims, released or expired, free their slots again and again for new keys.
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

  describe('keys that share the 30 bits naming an entry', () => {
    // Two bits: only 4 names, so nearly every key shares its name with another and goes to the overflow cache.
    const crowded = (maxEntries: number) => memoryStoreWithNameBits({ maxEntries, clock: Date }, 2);

    it('are told apart by their whole digest: each claim, commit and release acts on its own key', async () => {
      const store = crowded(1_000);
      const tokens: string[] = [];
      for (let i = 0; i < 200; i++) {
        const claim = await store.claim(`key-${i}`, 60_000);
        if (claim.status !== 'claimed') throw new Error(`key-${i} was not new`);
        tokens.push(claim.token);
      }
      for (let i = 0; i < 200; i++) expect((await store.claim(`key-${i}`, 60_000)).status).toBe('in-flight');
      // Another key's token never commits or releases a key.
      expect(await store.commit('key-1', tokens[0] as string, 60_000)).toBe(false);
      expect(await store.release('key-1', tokens[0] as string)).toBe(false);
      for (let i = 0; i < 200; i += 2) expect(await store.commit(`key-${i}`, tokens[i] as string, 60_000)).toBe(true);
      for (let i = 1; i < 200; i += 2) expect(await store.release(`key-${i}`, tokens[i] as string)).toBe(true);
      for (let i = 0; i < 200; i++) {
        expect((await store.claim(`key-${i}`, 60_000)).status).toBe(i % 2 === 0 ? 'done' : 'claimed');
      }
    });

    it('stay remembered when the key holding their name is forgotten', async () => {
      vi.useFakeTimers();
      const store = crowded(1_000);
      // Short leases on the first keys, which take the 4 names; the rest go to the overflow cache and are committed.
      for (let i = 0; i < 100; i++) {
        const claim = await store.claim(`key-${i}`, i < 50 ? 10 : 60_000);
        if (claim.status === 'claimed' && i >= 50) await store.commit(`key-${i}`, claim.token, 3_600_000);
      }
      vi.advanceTimersByTime(11); // every short lease ends; their names are free again
      for (let i = 50; i < 100; i++) expect((await store.claim(`key-${i}`, 1_000)).status).toBe('done');
      for (let i = 0; i < 50; i++) expect((await store.claim(`key-${i}`, 1_000)).status).toBe('claimed');
      for (let i = 50; i < 100; i++) expect((await store.claim(`key-${i}`, 1_000)).status).toBe('done');
    });

    it('expire like any other key (fake timers)', async () => {
      vi.useFakeTimers();
      const store = crowded(1_000);
      const claims = [];
      for (let i = 0; i < 20; i++) claims.push(await store.claim(`key-${i}`, 1_000));
      for (let i = 0; i < 20; i++) {
        const claim = claims[i];
        if (claim?.status === 'claimed') expect(await store.commit(`key-${i}`, claim.token, 5_000)).toBe(true);
      }
      vi.advanceTimersByTime(4_000);
      for (let i = 0; i < 20; i++) expect((await store.claim(`key-${i}`, 1_000)).status).toBe('done');
      vi.advanceTimersByTime(1_001);
      for (let i = 0; i < 20; i++) expect((await store.claim(`key-${i}`, 1_000)).status).toBe('claimed');
    });
  });
});
