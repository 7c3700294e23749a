import * as crypto from 'node:crypto';
import { LRUCache } from 'lru-cache';

/**
 * Result of {@link DedupeStore.claim}:
 * - `claimed`: this caller owns the delivery until the lease ends, and must `commit` or `release` with `token`;
 * - `in-flight`: another caller holds an unexpired lease;
 * - `done`: the delivery was committed earlier; do not process it again.
 */
export type ClaimResult = { status: 'claimed'; token: string } | { status: 'in-flight' } | { status: 'done' };

/**
 * The dedupe store contract. Every operation is atomic and touches a single key.
 *
 * A claim is a lease: if the claimant crashes, the claim expires after `leaseMs` and a retry can claim again.
 * `commit` and `release` only act while the caller's token still owns the key, so a claimant whose lease expired
 * cannot overwrite a newer claim.
 */
export interface DedupeStore {
  /** Atomically claim `key` for `leaseMs` unless it is in flight or done. */
  claim(key: string, leaseMs: number): Promise<ClaimResult>;
  /** Mark `key` done for `ttlMs`. Returns false when `token` no longer owns the key. */
  commit(key: string, token: string, ttlMs: number): Promise<boolean>;
  /** Forget the claim so that a retry is processed. Returns false when `token` no longer owns the key. */
  release(key: string, token: string): Promise<boolean>;
  /** Release resources the store created itself (never an injected client). */
  close?(): Promise<void>;
}

export interface MemoryStoreOptions {
  /** Most keys remembered at once; the least recently used is forgotten first. Default 500,000. */
  maxEntries?: number;
  /** Time source in milliseconds (default `performance`); tests pass one that follows fake timers. */
  clock?: { now(): number };
}

const DONE = 0;
const NO_AGE_UPDATE = { updateAgeOnGet: false } as const;

/**
 * The memory store keeps a SHA-256 digest of each key instead of the key: 32 bytes as a one-byte string, whatever
 * the key's length or how it was built (a concatenated string can keep its parts alive). That is what fits a
 * million keys in well under 256 MB. Two keys share an entry only if their SHA-256 digests collide, which nobody
 * has ever produced, by chance or on purpose, so claims stay exact. `crypto.hash` (Node ≥ 20.12) is a one-shot
 * digest about twice as fast as `createHash`; older Node 20 releases fall back to the latter.
 */
const digestOf: (key: string) => string =
  typeof crypto.hash === 'function'
    ? (key) => crypto.hash('sha256', key, 'binary')
    : (key) => crypto.createHash('sha256').update(key).digest('binary');

/**
 * The default store: process memory on lru-cache. Right for a single instance; use `@hookinbox/redis` when more
 * than one instance receives deliveries.
 *
 * Each key costs one entry: a 32-byte digest of the key and a small integer, so a million remembered keys fit in
 * about 160 MB.
 */
export function createMemoryStore(options: MemoryStoreOptions = {}): DedupeStore {
  const maxEntries = options.maxEntries ?? 500_000;
  if (!Number.isInteger(maxEntries) || maxEntries < 1) {
    throw new TypeError('@hookinbox/core: memory store maxEntries must be a positive integer');
  }
  // Values: DONE, or a positive lease number. Numbers keep each entry small (no per-entry token string).
  const cache = new LRUCache<string, number>({
    max: maxEntries,
    ttlAutopurge: false,
    allowStale: false,
    ...(options.clock ? { perf: options.clock } : {}),
  });
  const prefix = crypto.randomBytes(4).toString('hex');
  let next = 1;

  const owner = (digest: string, token: string): boolean => {
    const value = cache.get(digest, NO_AGE_UPDATE);
    return value !== undefined && value !== DONE && `${prefix}-${value}` === token;
  };

  return {
    async claim(key, leaseMs) {
      const digest = digestOf(key);
      const value = cache.get(digest, NO_AGE_UPDATE);
      if (value === DONE) return { status: 'done' };
      if (value !== undefined) return { status: 'in-flight' };
      const lease = next++;
      cache.set(digest, lease, { ttl: leaseMs });
      return { status: 'claimed', token: `${prefix}-${lease}` };
    },
    async commit(key, token, ttlMs) {
      const digest = digestOf(key);
      if (!owner(digest, token)) return false;
      cache.set(digest, DONE, { ttl: ttlMs });
      return true;
    },
    async release(key, token) {
      const digest = digestOf(key);
      if (!owner(digest, token)) return false;
      cache.delete(digest);
      return true;
    },
  };
}
