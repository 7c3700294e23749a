import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMemoryStore } from './memory-store.js';
import type { DedupeStore } from './store.js';

describe('createMemoryStore', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('refuses a bad maxEntries', () => {
    expect(() => createMemoryStore({ maxEntries: 0 })).toThrow(/maxEntries/);
  });

  it('maxEntries 1.5, -1 and NaN are refused; 1 keeps one delivery', async () => {
    for (const maxEntries of [1.5, -1, Number.NaN]) {
      expect(() => createMemoryStore({ maxEntries }), String(maxEntries)).toThrow(
        '@hookinbox/core: memory store maxEntries must be a positive integer',
      );
    }
    const store = createMemoryStore({ maxEntries: 1 });
    for (const key of ['a', 'b']) {
      const claim = await store.claim(key, 1_000);
      if (claim.status !== 'claimed') throw new Error(`${key} was not new`);
      expect(await store.commit(key, claim.token, 60_000)).toBe(true);
    }
    expect(store.size).toBe(1);
    expect((await store.claim('b', 1_000)).status).toBe('done');
    expect((await store.claim('a', 1_000)).status).toBe('claimed');
  });

  it('a delivery committed 1 ms after the store was made still expires after its ttl (fake timers)', async () => {
    vi.useFakeTimers();
    const store = createMemoryStore({ clock: Date });
    vi.advanceTimersByTime(1);
    const claim = await store.claim('k', 1_000);
    if (claim.status !== 'claimed') throw new Error('expected a claim');
    expect(await store.commit('k', claim.token, 100)).toBe(true);
    vi.advanceTimersByTime(100);
    expect((await store.claim('k', 1_000)).status).toBe('done');
    vi.advanceTimersByTime(1);
    expect((await store.claim('k', 1_000)).status).toBe('claimed');
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
    for (const key of ['a', 'b', 'c']) {
      const claim = await store.claim(key, 10_000);
      if (claim.status !== 'claimed') throw new Error(`${key} was not new`);
      await store.commit(key, claim.token, 10_000);
    }
    expect((await store.claim('a', 10_000)).status).toBe('claimed');
    expect((await store.claim('c', 10_000)).status).toBe('done');
  });

  it('never forgets a claim in flight to make room: a copy would run at the same time', async () => {
    const store = createMemoryStore({ maxEntries: 2 });
    const first = await store.claim('in-flight', 10_000);
    for (let i = 0; i < 10; i++) {
      const claim = await store.claim(`other-${i}`, 10_000);
      if (claim.status === 'claimed') await store.commit(`other-${i}`, claim.token, 10_000);
    }
    expect((await store.claim('in-flight', 10_000)).status).toBe('in-flight');
    if (first.status !== 'claimed') throw new Error('expected a claim');
    expect(await store.commit('in-flight', first.token, 10_000)).toBe(true);
    expect((await store.claim('in-flight', 10_000)).status).toBe('done');
  });

  it('forgets claims whose lease ended without a commit or a release (fake timers)', async () => {
    vi.useFakeTimers();
    const store = createMemoryStore({ clock: Date });
    for (let i = 0; i < 3_000; i++) await store.claim(`abandoned-${i}`, 10);
    vi.advanceTimersByTime(11);
    for (let i = 0; i < 3_000; i++) expect((await store.claim(`abandoned-${i}`, 10)).status).toBe('claimed');
  });

  it('a clock that reads 0, 1 and 2: a delivery committed at each of those instants expires after its ttl', async () => {
    for (const at of [0, 1, 2]) {
      let now = 0;
      const store = createMemoryStore({ clock: { now: () => now } });
      now = at;
      const claim = await store.claim('k', 1_000);
      if (claim.status !== 'claimed') throw new Error('expected a claim');
      expect(await store.commit('k', claim.token, 10)).toBe(true);
      now = at + 10;
      expect((await store.claim('k', 1_000)).status, `committed at ${at}`).toBe('done');
      now = at + 11;
      expect((await store.claim('k', 1_000)).status, `committed at ${at}`).toBe('claimed');
    }
  });

  it('a commit at the very instant the lease ends is refused, and so is a release (fake timers)', async () => {
    vi.useFakeTimers();
    const store = createMemoryStore({ clock: Date });
    const first = await store.claim('k', 1_000);
    if (first.status !== 'claimed') throw new Error('expected a claim');
    vi.advanceTimersByTime(1_000);
    expect(await store.commit('k', first.token, 60_000)).toBe(false);
    const second = await store.claim('k', 1_000);
    if (second.status !== 'claimed') throw new Error('the ended lease still held the key');
    vi.advanceTimersByTime(1_000);
    expect(await store.release('k', second.token)).toBe(false);
  });

  it('at the very instant a lease ends a claim takes the delivery, and a lease pushed out to make room ends the same (fake timers)', async () => {
    vi.useFakeTimers();
    const store = createMemoryStore({ maxEntries: 1, clock: Date });
    await store.claim('k', 1_000);
    vi.advanceTimersByTime(1_000);
    expect((await store.claim('k', 1_000)).status).toBe('claimed');
    // Store of one: each claim below pushes the one before it out, still live.
    const aside = await store.claim('aside', 1_000);
    await store.claim('other', 60_000);
    const later = await store.claim('aside-later', 1_000);
    await store.claim('other-later', 60_000);
    if (aside.status !== 'claimed' || later.status !== 'claimed') throw new Error('expected claims');
    vi.advanceTimersByTime(999);
    expect((await store.claim('aside', 1_000)).status).toBe('in-flight');
    vi.advanceTimersByTime(1);
    expect(await store.commit('aside', aside.token, 60_000)).toBe(false);
    expect((await store.claim('aside', 1_000)).status).toBe('claimed');
    expect((await store.claim('aside-later', 1_000)).status).toBe('claimed');
  });

  it('1,100 live leases in a store of 100: those pushed out to make room are still in flight and commit', async () => {
    vi.useFakeTimers();
    const store = createMemoryStore({ maxEntries: 100, clock: Date });
    const tokens: string[] = [];
    // Half end early, so the leases pushed out later find ended ones aside to forget, and live ones to keep.
    for (let i = 0; i < 1_100; i++) {
      const claim = await store.claim(`live-${i}`, i % 2 === 0 ? 60_000 : 10);
      if (claim.status !== 'claimed') throw new Error(`live-${i} was not new`);
      tokens.push(claim.token);
      if (i === 600) vi.advanceTimersByTime(11);
    }
    for (let i = 0; i < 1_100; i++) {
      const ended = i % 2 === 1 && i <= 600;
      expect((await store.claim(`live-${i}`, 60_000)).status, `live-${i}`).toBe(ended ? 'claimed' : 'in-flight');
    }
    for (let i = 0; i < 1_100; i += 2) expect(await store.commit(`live-${i}`, tokens[i] as string, 60_000)).toBe(true);
    for (let i = 1_000; i < 1_100; i += 2) expect((await store.claim(`live-${i}`, 60_000)).status).toBe('done');
  });

  it('keys named like object internals or array indexes (__proto__, constructor, toString, 0, 4294967295) are keys like any other', async () => {
    const store = createMemoryStore();
    const keys = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', '0', '4294967295', ''];
    const tokens = new Map<string, string>();
    for (const key of keys) {
      const claim = await store.claim(key, 60_000);
      expect(claim.status, key).toBe('claimed');
      if (claim.status === 'claimed') tokens.set(key, claim.token);
    }
    for (const key of keys) expect((await store.claim(key, 60_000)).status, key).toBe('in-flight');
    for (const key of keys) expect(await store.commit(key, tokens.get(key) as string, 60_000), key).toBe(true);
    for (const key of keys) expect((await store.claim(key, 60_000)).status, key).toBe('done');
  });

  it('churn at the bound: 5,000 deliveries through a store of 100 keep the last 100, and size stays 100', async () => {
    const store = createMemoryStore({ maxEntries: 100 });
    for (let i = 0; i < 5_000; i++) {
      const claim = await store.claim(`churn-${i}`, 1_000);
      if (claim.status !== 'claimed') throw new Error(`churn-${i} was not new`);
      expect(await store.commit(`churn-${i}`, claim.token, 60_000)).toBe(true);
      expect(store.size).toBe(Math.min(i + 1, 100));
    }
    for (let i = 4_900; i < 5_000; i++) expect((await store.claim(`churn-${i}`, 1_000)).status).toBe('done');
    expect((await store.claim('churn-4899', 1_000)).status).toBe('claimed');
  });

  it('store.sync answers like the store; a copy ({...store}) has no sync to go around its methods', async () => {
    const store = createMemoryStore();
    const claim = store.sync.claim('k', 1_000);
    if (claim.status !== 'claimed') throw new Error('expected a claim');
    expect((await store.claim('k', 1_000)).status).toBe('in-flight');
    expect(store.sync.commit('k', claim.token, 60_000)).toBe(true);
    expect((await store.claim('k', 1_000)).status).toBe('done');
    const again = await store.claim('other', 1_000);
    if (again.status !== 'claimed') throw new Error('expected a claim');
    expect(store.sync.release('other', again.token)).toBe(true);
    expect(Object.keys(store)).not.toContain('sync');
    expect({ ...store }).not.toHaveProperty('sync');
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
    const fresh = await store.claim('new-1', 1_000);
    if (fresh.status !== 'claimed') throw new Error('new-1 was not new');
    await store.commit('new-1', fresh.token, 60_000); // full: forgets key-1, the least recent
    expect((await store.claim('key-0', 1_000)).status).toBe('done');
    expect((await store.claim('key-1', 1_000)).status).toBe('claimed');
    expect((await store.claim('key-3', 1_000)).status).toBe('done');
  });

  it('keeps the least-recently-used order of a key touched in the middle', async () => {
    const store = createMemoryStore({ maxEntries: 3_000 });
    const remember = async (key: string) => {
      const claim = await store.claim(key, 60_000);
      if (claim.status !== 'claimed') throw new Error(`${key} was not new`);
      expect(await store.commit(key, claim.token, 60_000)).toBe(true);
    };
    for (let i = 0; i < 3_000; i++) await remember(`key-${i}`);
    expect((await store.claim('key-0', 1_000)).status).toBe('done');
    expect((await store.claim('key-1500', 1_000)).status).toBe('done');
    // 1,600 new keys forget the 1,600 least recent: key-1 … key-1499, then key-1501 … key-1601.
    for (let i = 0; i < 1_600; i++) await remember(`new-${i}`);
    for (const kept of ['key-0', 'key-1500', 'key-1602', 'key-2999', 'new-0', 'new-1599']) {
      expect((await store.claim(kept, 1_000)).status, kept).toBe('done');
    }
    for (const forgotten of ['key-1', 'key-1499', 'key-1501', 'key-1601']) {
      expect((await store.claim(forgotten, 1_000)).status, forgotten).toBe('claimed');
    }
  });

  it('thousands of released and expired keys never push out the keys it still holds (fake timers)', async () => {
    vi.useFakeTimers();
    const store = createMemoryStore({ maxEntries: 100, clock: Date });
    for (let i = 0; i < 50; i++) {
      const claim = await store.claim(`kept-${i}`, 60_000);
      if (claim.status === 'claimed') await store.commit(`kept-${i}`, claim.token, 3_600_000);
    }
    // Thousands of short-lived keys: claims released or expired, and commits that expire and are claimed again.
    for (let i = 0; i < 5_000; i++) {
      const claim = await store.claim(`brief-${i}`, 10);
      if (claim.status !== 'claimed') throw new Error(`brief-${i} was not new`);
      if (i % 3 === 0) {
        expect(await store.release(`brief-${i}`, claim.token)).toBe(true);
      } else if (i % 3 === 1) {
        vi.advanceTimersByTime(11);
        expect(await store.commit(`brief-${i}`, claim.token, 60_000)).toBe(false); // the lease had ended
      } else {
        expect(await store.commit(`brief-${i}`, claim.token, 5)).toBe(true);
        vi.advanceTimersByTime(6);
        const again = await store.claim(`brief-${i}`, 10);
        if (again.status !== 'claimed') throw new Error(`expired brief-${i} was not claimable`);
        expect(await store.release(`brief-${i}`, again.token)).toBe(true);
      }
    }
    for (let i = 0; i < 50; i++) expect((await store.claim(`kept-${i}`, 1_000)).status).toBe('done');
    expect((await store.claim('brief-1', 1_000)).status).toBe('claimed');
  });

  it('answers like a reference model over any sequence of claims, commits, releases and waits', async () => {
    // The reference: claims and committed keys in one Map kept in least-recently-used order, each with its expiry.
    type Op =
      | { op: 'claim'; key: number; leaseMs: number }
      | { op: 'commit'; key: number; ttlMs: number; stale: boolean }
      | { op: 'release'; key: number; stale: boolean }
      | { op: 'wait'; ms: number };
    const key = fc.nat(4);
    const op: fc.Arbitrary<Op> = fc.oneof(
      {
        weight: 4,
        arbitrary: fc.record({ op: fc.constant('claim' as const), key, leaseMs: fc.integer({ min: 1, max: 100 }) }),
      },
      {
        weight: 4,
        arbitrary: fc.record({
          op: fc.constant('commit' as const),
          key,
          ttlMs: fc.integer({ min: 1, max: 400 }),
          stale: fc.boolean(),
        }),
      },
      { weight: 1, arbitrary: fc.record({ op: fc.constant('release' as const), key, stale: fc.boolean() }) },
      { weight: 1, arbitrary: fc.record({ op: fc.constant('wait' as const), ms: fc.integer({ min: 1, max: 60 }) }) },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(op, { minLength: 20, maxLength: 120 }),
        fc.integer({ min: 1, max: 4 }),
        async (ops, maxEntries) => {
          let now = 0;
          const store: DedupeStore = createMemoryStore({ maxEntries, clock: { now: () => now } });
          // key → what the store remembers, least recently used first; a claim in flight takes a place like a
          // committed delivery, but a live one that the order pushes out is kept aside until it ends.
          type Held = { lease: { token: string; expires: number } } | { doneUntil: number };
          const held = new Map<string, Held>();
          const aside = new Map<string, { token: string; expires: number }>();
          const tokens = new Map<string, string[]>(); // every token a key was given, newest last
          const expired = (h: Held) => ('lease' in h ? h.lease.expires : h.doneUntil) < now;
          const touch = (key: string, h: Held) => {
            held.delete(key);
            held.set(key, h);
            while (held.size > maxEntries) {
              const [oldest, h] = held.entries().next().value as [string, Held];
              held.delete(oldest);
              if ('lease' in h && h.lease.expires > now) aside.set(oldest, h.lease);
            }
          };
          for (const step of ops) {
            if (step.op === 'wait') {
              now += step.ms;
              continue;
            }
            const key = `key-${step.key}`;
            let h = held.get(key);
            if (step.op === 'claim') {
              const result = await store.claim(key, step.leaseMs);
              if (h !== undefined && expired(h)) {
                held.delete(key);
                h = undefined;
              }
              if (h !== undefined) touch(key, h); // looked up: now the most recently used
              const lease = h !== undefined && 'lease' in h ? h.lease : aside.get(key);
              if (h !== undefined && 'doneUntil' in h) {
                // Remembered for at least its TTL: forgotten once more than ttlMs has passed.
                expect(result.status).toBe('done');
              } else if (lease !== undefined && lease.expires > now) {
                expect(result.status).toBe('in-flight');
              } else {
                aside.delete(key);
                expect(result.status).toBe('claimed');
                if (result.status === 'claimed') {
                  touch(key, { lease: { token: result.token, expires: now + step.leaseMs } });
                  tokens.set(key, [...(tokens.get(key) ?? []), result.token]);
                }
              }
              continue;
            }
            const given = tokens.get(key) ?? [];
            // A stale token is an older one of the same key, or none at all.
            const token = step.stale ? (given.at(-2) ?? 'not-a-token') : (given.at(-1) ?? 'not-a-token');
            const lease = h !== undefined ? ('lease' in h ? h.lease : undefined) : aside.get(key);
            const owns = lease !== undefined && lease.token === token && lease.expires > now;
            // A lease that ended is forgotten when its owner comes back to it.
            if (lease !== undefined && lease.token === token) {
              if (h !== undefined) held.delete(key);
              else aside.delete(key);
            }
            if (step.op === 'commit') {
              expect(await store.commit(key, token, step.ttlMs)).toBe(owns);
              if (owns) touch(key, { doneUntil: now + step.ttlMs });
            } else {
              expect(await store.release(key, token)).toBe(owns);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
