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
const DONE_RESULT: ClaimResult = Object.freeze({ status: 'done' });
const IN_FLIGHT_RESULT: ClaimResult = Object.freeze({ status: 'in-flight' });
/** 30 bits of the digest name an entry in the main cache: numbers that small are never allocated on the heap. */
const NAME_BITS = 30;
/** Where {@link createMemoryStore}'s lookup found a key. */
const MISSING = 0;
const IN_MAIN = 1;
const IN_OVERFLOW = 2;

/**
 * The memory store never keeps a key itself: it keeps the SHA-256 digest of a per-store random salt and the key,
 * whatever the key's length or how it was built (a concatenated string can keep its parts alive). `crypto.hash`
 * (Node ≥ 20.12) is a one-shot digest about twice as fast as `createHash`; older Node 20 releases fall back to the
 * latter. The digest comes back as a one-byte string, the cheapest form to read words from.
 */
const digestOf: (input: string) => string =
  typeof crypto.hash === 'function'
    ? (input) => crypto.hash('sha256', input, 'binary')
    : (input) => crypto.createHash('sha256').update(input).digest('binary');

/** Four bytes of a one-byte string, little-endian, as an unsigned 32-bit number. */
function word(s: string, at: number): number {
  return (
    (s.charCodeAt(at) | (s.charCodeAt(at + 1) << 8) | (s.charCodeAt(at + 2) << 16) | (s.charCodeAt(at + 3) << 24)) >>> 0
  );
}

/**
 * The default store: process memory on `lru-cache`. Right for a single instance; use `@hookinbox/redis` when more
 * than one instance receives deliveries.
 *
 * How it stays cheap with hundreds of thousands of keys: `lru-cache` does what it does well (least-recently-used
 * order, the bound, each entry's TTL), but over small integers only, so the garbage collector has nothing to walk
 * per entry. Each key is reduced to a salted SHA-256 digest; 30 bits of it name the entry in the cache, whose value
 * is a slot in typed arrays holding 128 bits of the digest and the entry's state. A lookup matches all 128 bits, so
 * two keys share an entry only with probability about n² / 2¹²⁹ (below 10⁻²⁶ for a million keys): claims stay
 * exact. When two live keys share the same 30 bits (about one new key in a thousand with a million remembered), the
 * second goes to a small overflow cache keyed by its whole digest. A million remembered keys take about 100 MB.
 */
export function createMemoryStore(options: MemoryStoreOptions = {}): DedupeStore {
  return memoryStoreWithNameBits(options, NAME_BITS);
}

/**
 * {@link createMemoryStore} with fewer bits naming an entry: tests use it to make keys share a name, which happens
 * only about once in a thousand new keys otherwise. Not exported from the package.
 */
export function memoryStoreWithNameBits(options: MemoryStoreOptions, nameBits: number): DedupeStore {
  const nameMask = 2 ** nameBits - 1;
  const maxEntries = options.maxEntries ?? 500_000;
  if (!Number.isInteger(maxEntries) || maxEntries < 1) {
    throw new TypeError('@hookinbox/core: memory store maxEntries must be a positive integer');
  }
  const perf = options.clock ? { perf: options.clock } : {};
  // One slot more than entries: a new entry takes a free slot before lru-cache evicts the oldest and frees its slot.
  const slotCount = maxEntries + 1;
  const words = new Uint32Array(slotCount * 4);
  /** DONE, or the number of the lease that holds the slot's key. */
  const states = new Float64Array(slotCount);
  const freeSlots = new Int32Array(slotCount);
  let freeCount = 0;
  let neverUsed = 0; // slots are handed out in order first, so nothing is touched before it is needed

  const main = new LRUCache<number, number>({
    max: maxEntries,
    ttlAutopurge: false,
    allowStale: false,
    // Evicted, expired or deleted: the slot is free again. (Never called on commit, which sets the same slot.)
    dispose: (slot) => {
      freeSlots[freeCount++] = slot;
    },
    ...perf,
  });
  // With a million keys remembered, about a thousand sit here at a time: room for eight times that.
  const overflow = new LRUCache<string, number>({
    max: Math.max(1_024, Math.ceil(maxEntries / 128)),
    ttlAutopurge: false,
    allowStale: false,
    ...perf,
  });
  const salt = crypto.randomBytes(16).toString('latin1');
  const prefix = crypto.randomBytes(4).toString('hex');
  let next = 1;

  // The current operation's digest and where it was found; set by find().
  let digest = '';
  let w0 = 0;
  let w1 = 0;
  let w2 = 0;
  let w3 = 0;
  let name = 0;
  let slot = -1;
  let state = 0;

  /** Look the key up; expired entries are dropped on the way (lru-cache does not return them). */
  const find = (key: string): number => {
    digest = digestOf(salt + key);
    w0 = word(digest, 0);
    w1 = word(digest, 4);
    w2 = word(digest, 8);
    w3 = word(digest, 12);
    name = word(digest, 16) & nameMask;
    const found = main.get(name);
    slot = found ?? -1;
    if (found !== undefined) {
      const at = found * 4;
      if (words[at] === w0 && words[at + 1] === w1 && words[at + 2] === w2 && words[at + 3] === w3) {
        state = states[found] as number;
        return IN_MAIN;
      }
    }
    if (overflow.size > 0) {
      const value = overflow.get(digest);
      if (value !== undefined) {
        state = value;
        return IN_OVERFLOW;
      }
    }
    return MISSING;
  };

  const owns = (where: number, token: string): boolean =>
    where !== MISSING && state !== DONE && `${prefix}-${state}` === token;

  return {
    async claim(key, leaseMs) {
      if (find(key) !== MISSING) return state === DONE ? DONE_RESULT : IN_FLIGHT_RESULT;
      const lease = next++;
      if (slot === -1) {
        const fresh = freeCount > 0 ? (freeSlots[--freeCount] as number) : neverUsed++;
        const at = fresh * 4;
        words[at] = w0;
        words[at + 1] = w1;
        words[at + 2] = w2;
        words[at + 3] = w3;
        states[fresh] = lease;
        main.set(name, fresh, { ttl: leaseMs });
      } else {
        // Another live key holds these 30 bits: this one is remembered under its whole digest instead.
        overflow.set(digest, lease, { ttl: leaseMs });
      }
      return { status: 'claimed', token: `${prefix}-${lease}` };
    },
    async commit(key, token, ttlMs) {
      const where = find(key);
      if (!owns(where, token)) return false;
      if (where === IN_MAIN) {
        states[slot] = DONE;
        main.set(name, slot, { ttl: ttlMs });
      } else {
        overflow.set(digest, DONE, { ttl: ttlMs });
      }
      return true;
    },
    async release(key, token) {
      const where = find(key);
      if (!owns(where, token)) return false;
      if (where === IN_MAIN) main.delete(name);
      else overflow.delete(digest);
      return true;
    },
  };
}
