import type { ClaimResult, DedupeStore } from '@hookinbox/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

/** What a contract run needs: a store whose keys no other run sees, and a way to delete them afterwards. */
export interface ContractStore {
  store: DedupeStore;
  /** Called after each test, e.g. to delete the keys under the test's prefix. */
  cleanup?: () => Promise<void>;
}

const LONG = 60_000;
// Short enough to keep the suite fast, long enough that a loaded machine still runs each step well within it.
const SHORT_LEASE = 150;
const PAST_LEASE = 400;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function tokenOf(result: ClaimResult): string {
  if (result.status !== 'claimed') throw new Error(`expected a claim, got ${result.status}`);
  return result.token;
}

/**
 * The dedupe store contract of `@hookinbox/core`, as a vitest suite: every store the project ships passes it, and a
 * store of your own can be checked with it. `makeStore` is called before each test and must give a store whose keys
 * no other test or run can see (a unique key prefix, a fresh instance); `cleanup` is called after each test.
 *
 * @example
 * // my-store.test.ts (vitest)
 * import { describeDedupeStore } from '@hookinbox/testing/store-contract';
 * describeDedupeStore('my store', async () => ({ store: createMyStore({ prefix: crypto.randomUUID() }) }));
 */
// A test suite: one `it` per promise of the contract, sharing the store under test, in one describe block.
export function describeDedupeStore(name: string, makeStore: () => Promise<ContractStore> | ContractStore): void {
  describe(`store contract: ${name}`, () => {
    let store: DedupeStore;
    let cleanup: (() => Promise<void>) | undefined;

    beforeEach(async () => {
      const made = await makeStore();
      store = made.store;
      cleanup = made.cleanup;
    });

    afterEach(async () => {
      await cleanup?.();
      cleanup = undefined;
    });

    it('claims a fresh key and hands out a token', async () => {
      const result = await store.claim('delivery-1', LONG);
      expect(result.status).toBe('claimed');
      expect(tokenOf(result)).toEqual(expect.any(String));
      expect(tokenOf(result).length).toBeGreaterThan(0);
    });

    it('answers in-flight to a second claim while the lease runs', async () => {
      await store.claim('delivery-1', LONG);
      expect(await store.claim('delivery-1', LONG)).toEqual({ status: 'in-flight' });
    });

    it('commit with the owning token marks the key done; later claims answer done', async () => {
      const token = tokenOf(await store.claim('delivery-1', LONG));
      expect(await store.commit('delivery-1', token, LONG)).toBe(true);
      expect(await store.claim('delivery-1', LONG)).toEqual({ status: 'done' });
      expect(await store.claim('delivery-1', LONG)).toEqual({ status: 'done' });
    });

    it('release with the owning token lets the next claim win with a new token', async () => {
      const first = tokenOf(await store.claim('delivery-1', LONG));
      expect(await store.release('delivery-1', first)).toBe(true);
      const second = tokenOf(await store.claim('delivery-1', LONG));
      expect(second).not.toBe(first);
      // The old token is worthless against the new claim.
      expect(await store.release('delivery-1', first)).toBe(false);
      expect(await store.commit('delivery-1', first, LONG)).toBe(false);
      expect(await store.claim('delivery-1', LONG)).toEqual({ status: 'in-flight' });
    });

    it('a wrong token can neither commit nor release, and the owner still can', async () => {
      const token = tokenOf(await store.claim('delivery-1', LONG));
      const other = tokenOf(await store.claim('delivery-2', LONG));
      for (const wrong of [other, `${token}x`, token.slice(0, -1), '', '1']) {
        expect(await store.commit('delivery-1', wrong, LONG)).toBe(false);
        expect(await store.release('delivery-1', wrong)).toBe(false);
      }
      expect(await store.claim('delivery-1', LONG)).toEqual({ status: 'in-flight' });
      expect(await store.commit('delivery-1', token, LONG)).toBe(true);
      expect(await store.claim('delivery-1', LONG)).toEqual({ status: 'done' });
    });

    it('commit and release of a key never claimed return false and leave it claimable', async () => {
      expect(await store.commit('never-claimed', 'c:made-up', LONG)).toBe(false);
      expect(await store.release('never-claimed', 'c:made-up')).toBe(false);
      expect((await store.claim('never-claimed', LONG)).status).toBe('claimed');
    });

    it('a done key stays done: release and a second commit by the old token return false', async () => {
      const token = tokenOf(await store.claim('delivery-1', LONG));
      expect(await store.commit('delivery-1', token, LONG)).toBe(true);
      expect(await store.release('delivery-1', token)).toBe(false);
      expect(await store.commit('delivery-1', token, LONG)).toBe(false);
      expect(await store.claim('delivery-1', LONG)).toEqual({ status: 'done' });
    });

    it('keys are independent', async () => {
      const a = tokenOf(await store.claim('delivery-a', LONG));
      expect((await store.claim('delivery-b', LONG)).status).toBe('claimed');
      expect(await store.commit('delivery-a', a, LONG)).toBe(true);
      expect(await store.claim('delivery-a', LONG)).toEqual({ status: 'done' });
      expect(await store.claim('delivery-b', LONG)).toEqual({ status: 'in-flight' });
      expect((await store.claim('delivery-c', LONG)).status).toBe('claimed');
    });

    it('an expired lease lets a retry claim', async () => {
      tokenOf(await store.claim('delivery-1', SHORT_LEASE));
      expect(await store.claim('delivery-1', LONG)).toEqual({ status: 'in-flight' });
      await sleep(PAST_LEASE);
      expect((await store.claim('delivery-1', LONG)).status).toBe('claimed');
    });

    it('a done key is forgotten once its ttl passes', async () => {
      const token = tokenOf(await store.claim('delivery-1', LONG));
      expect(await store.commit('delivery-1', token, SHORT_LEASE)).toBe(true);
      expect(await store.claim('delivery-1', LONG)).toEqual({ status: 'done' });
      await sleep(PAST_LEASE);
      expect((await store.claim('delivery-1', LONG)).status).toBe('claimed');
    });

    it('after its lease expired, the old token cannot commit or release a newer claim', async () => {
      const old = tokenOf(await store.claim('delivery-1', SHORT_LEASE));
      await sleep(PAST_LEASE);
      const fresh = tokenOf(await store.claim('delivery-1', LONG));
      expect(await store.commit('delivery-1', old, LONG)).toBe(false);
      expect(await store.release('delivery-1', old)).toBe(false);
      expect(await store.claim('delivery-1', LONG)).toEqual({ status: 'in-flight' });
      expect(await store.commit('delivery-1', fresh, LONG)).toBe(true);
      expect(await store.claim('delivery-1', LONG)).toEqual({ status: 'done' });
    });

    it('after its lease expired with no newer claim, the old token cannot commit', async () => {
      const old = tokenOf(await store.claim('delivery-1', SHORT_LEASE));
      await sleep(PAST_LEASE);
      expect(await store.commit('delivery-1', old, LONG)).toBe(false);
      expect((await store.claim('delivery-1', LONG)).status).toBe('claimed');
    });

    it('1,000 concurrent claims of one key produce exactly one winner', async () => {
      const results = await Promise.all(Array.from({ length: 1_000 }, () => store.claim('contended', LONG)));
      const winners = results.filter((r) => r.status === 'claimed');
      expect(winners).toHaveLength(1);
      expect(results.filter((r) => r.status === 'in-flight')).toHaveLength(999);
      // The winner's token is the one that owns the key.
      expect(await store.commit('contended', tokenOf(winners[0] as ClaimResult), LONG)).toBe(true);
      expect(await store.claim('contended', LONG)).toEqual({ status: 'done' });
    });

    it('concurrent claims of 200 different keys all win, each with its own token', async () => {
      const keys = Array.from({ length: 200 }, (_, i) => `parallel-${i}`);
      const results = await Promise.all(keys.map((key) => store.claim(key, LONG)));
      const tokens = results.map(tokenOf);
      expect(new Set(tokens).size).toBe(keys.length);
    });
  });
}
