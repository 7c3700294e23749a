import * as crypto from 'node:crypto';

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

const DONE_RESULT: ClaimResult = Object.freeze({ status: 'done' });
const IN_FLIGHT_RESULT: ClaimResult = Object.freeze({ status: 'in-flight' });

/**
 * The memory store never keeps a key itself: it keeps a SHA-256 digest of a per-store random salt and the key,
 * whatever the key's length or how it was built (a concatenated string can keep its parts alive). `crypto.hash`
 * (Node ≥ 20.12) is a one-shot digest about twice as fast as `createHash`; older Node 20 releases fall back to the
 * latter. The digest comes back as a one-byte string, the cheapest form to read words from.
 */
const digestOf: (input: string) => string =
  typeof crypto.hash === 'function'
    ? (input) => crypto.hash('sha256', input, 'binary')
    : (input) => crypto.createHash('sha256').update(input).digest('binary');

/** An in-flight claim. The digest is kept so that the commit does not compute it again. */
interface Lease {
  token: string;
  expires: number;
  digest: string;
}

/**
 * The default store: process memory. Right for a single instance; use `@hookinbox/redis` when more than one
 * instance receives deliveries.
 *
 * - A claim in flight is a lease in a plain map, held until its commit, its release or the end of the lease,
 *   whatever `maxEntries` says: forgetting a live lease would let a copy of the delivery run at the same time.
 * - A committed key is remembered in a {@link DigestTable}: 16 bytes of its salted digest in typed arrays, outside
 *   the JavaScript heap, with its expiry and its place in least-recently-used order. Two keys share an entry only
 *   with probability about n² / 2¹²⁹ (below 10⁻²⁶ for a million keys), so claims stay exact, and the random salt
 *   keeps anyone from choosing keys that pile up in one region of the table.
 *
 * Why not a cache library: a store holding hundreds of thousands of keys on the JavaScript heap (`lru-cache`
 * preallocates four arrays of `maxEntries` elements) puts V8's young-generation collections in a slower regime for
 * the whole process; in `pnpm bench` that cost 7 µs per request. Typed arrays are invisible to the collector.
 * A million remembered keys take about 90 MB.
 */
export function createMemoryStore(options: MemoryStoreOptions = {}): DedupeStore {
  const maxEntries = options.maxEntries ?? 500_000;
  if (!Number.isInteger(maxEntries) || maxEntries < 1) {
    throw new TypeError('@hookinbox/core: memory store maxEntries must be a positive integer');
  }
  const clock = options.clock ?? performance;
  const table = new DigestTable(maxEntries);
  const leases = new Map<string, Lease>();
  let sweepAt = 1_024;
  const salt = crypto.randomBytes(16).toString('hex');
  const prefix = `${crypto.randomBytes(4).toString('hex')}-`;
  let next = 1;

  /** True when the digest was committed and is still remembered; an expired entry is forgotten on the way. */
  const isDone = (digest: string, now: number): boolean => {
    table.load(digest);
    const slot = table.find();
    if (slot === NONE) return false;
    if ((table.expires[slot] as number) <= now) {
      table.remove(slot);
      return false;
    }
    table.touch(slot);
    return true;
  };

  /** The live lease `token` names, or undefined. */
  const leaseOf = (key: string, token: string, now: number): Lease | undefined => {
    const held = leases.get(key);
    if (held === undefined || held.token !== token) return undefined;
    if (held.expires <= now) {
      leases.delete(key);
      return undefined;
    }
    return held;
  };

  /** Forget leases that ended without a commit or a release, whenever the map has doubled since the last look. */
  const sweep = (now: number) => {
    for (const [key, held] of leases) if (held.expires <= now) leases.delete(key);
    sweepAt = Math.max(1_024, leases.size * 2);
  };

  return {
    async claim(key, leaseMs) {
      const now = clock.now();
      const held = leases.get(key);
      if (held !== undefined && held.expires > now) return IN_FLIGHT_RESULT;
      const digest = digestOf(salt + key);
      if (isDone(digest, now)) return DONE_RESULT;
      const token = prefix + next++;
      leases.set(key, { token, expires: now + leaseMs, digest });
      if (leases.size >= sweepAt) sweep(now);
      return { status: 'claimed', token };
    },
    async commit(key, token, ttlMs) {
      const now = clock.now();
      const held = leaseOf(key, token, now);
      if (held === undefined) return false;
      leases.delete(key);
      // Not in the table: the claim found it absent (or expired, and removed it), and the lease kept it from being
      // committed since.
      table.load(held.digest);
      table.insert(now + ttlMs);
      return true;
    },
    async release(key, token) {
      if (leaseOf(key, token, clock.now()) === undefined) return false;
      leases.delete(key);
      return true;
    },
  };
}

const NONE = -1;
const EMPTY = 0;
const FULL = 1;
/** A removed entry: probing goes on past it, an insert may reuse it. */
const GONE = 2;

/**
 * An open-addressing hash table of 128-bit digests with an LRU list, in typed arrays only. A key is the first 16
 * bytes of a salted SHA-256: two distinct keys share an entry with probability about n² / 2¹²⁹ (below 10⁻²⁶ for a
 * million keys), so claims stay exact. Slots stay where they are until the table is rebuilt, so the LRU list links
 * slot numbers; a rebuild (to grow, or to clear removed slots) walks the list and keeps its order. At most half the
 * slots are in use, so a probe is short.
 */
class DigestTable {
  expires = new Float64Array(0);
  private state = new Uint8Array(0);
  private words = new Uint32Array(0);
  private prev = new Int32Array(0);
  private next = new Int32Array(0);
  private capacity = 0;
  private mask = 0;
  private size = 0;
  private gone = 0;
  private head = NONE;
  private tail = NONE;
  // The digest of the current operation, set by load().
  private h0 = 0;
  private h1 = 0;
  private h2 = 0;
  private h3 = 0;

  constructor(private readonly max: number) {
    this.allocate(Math.min(1_024, capacityFor(max)));
  }

  /** Take the first 16 bytes of a binary digest string as the key of the next find() or insert(). */
  load(digest: string): void {
    this.h0 = word(digest, 0);
    this.h1 = word(digest, 4);
    this.h2 = word(digest, 8);
    this.h3 = word(digest, 12);
  }

  find(): number {
    const { state, words, mask } = this;
    for (let i = this.h0 & mask; ; i = (i + 1) & mask) {
      const s = state[i];
      if (s === EMPTY) return NONE;
      const w = i * 4;
      if (
        s === FULL &&
        words[w] === this.h0 &&
        words[w + 1] === this.h1 &&
        words[w + 2] === this.h2 &&
        words[w + 3] === this.h3
      ) {
        return i;
      }
    }
  }

  /** Add the loaded digest, which is not in the table; the least recently used entry makes room when full. */
  insert(expires: number): void {
    if (this.size >= this.max) this.remove(this.head);
    if ((this.size + 1) * 2 > this.capacity) this.rebuild(this.capacity * 2);
    else if ((this.size + this.gone + 1) * 4 > this.capacity * 3) this.rebuild(this.capacity);
    const { state, mask } = this;
    let i = this.h0 & mask;
    while (state[i] === FULL) i = (i + 1) & mask;
    if (state[i] === GONE) this.gone--;
    this.place(i, this.h0, this.h1, this.h2, this.h3, expires);
  }

  remove(slot: number): void {
    this.state[slot] = GONE;
    this.unlink(slot);
    this.size--;
    this.gone++;
  }

  /** Mark a slot the most recently used. */
  touch(slot: number): void {
    if (slot === this.tail) return;
    this.unlink(slot);
    this.append(slot);
  }

  private place(i: number, h0: number, h1: number, h2: number, h3: number, expires: number): void {
    const w = i * 4;
    this.state[i] = FULL;
    this.words[w] = h0;
    this.words[w + 1] = h1;
    this.words[w + 2] = h2;
    this.words[w + 3] = h3;
    this.expires[i] = expires;
    this.size++;
    this.append(i);
  }

  private allocate(capacity: number): void {
    this.capacity = capacity;
    this.mask = capacity - 1;
    this.state = new Uint8Array(capacity);
    this.words = new Uint32Array(capacity * 4);
    this.expires = new Float64Array(capacity);
    this.prev = new Int32Array(capacity);
    this.next = new Int32Array(capacity);
    this.size = 0;
    this.gone = 0;
    this.head = NONE;
    this.tail = NONE;
  }

  /** Re-insert every entry, least recently used first, into fresh arrays of `capacity` slots. */
  private rebuild(capacity: number): void {
    const { words, expires, next } = this;
    let slot = this.head;
    this.allocate(capacity);
    const { state, mask } = this;
    while (slot !== NONE) {
      const w = slot * 4;
      const h0 = words[w] as number;
      let i = h0 & mask;
      while (state[i] !== EMPTY) i = (i + 1) & mask;
      this.place(
        i,
        h0,
        words[w + 1] as number,
        words[w + 2] as number,
        words[w + 3] as number,
        expires[slot] as number,
      );
      slot = next[slot] as number;
    }
  }

  private append(slot: number): void {
    this.prev[slot] = this.tail;
    this.next[slot] = NONE;
    if (this.tail === NONE) this.head = slot;
    else this.next[this.tail] = slot;
    this.tail = slot;
  }

  private unlink(slot: number): void {
    const before = this.prev[slot] as number;
    const after = this.next[slot] as number;
    if (before === NONE) this.head = after;
    else this.next[before] = after;
    if (after === NONE) this.tail = before;
    else this.prev[after] = before;
  }
}

/** The smallest power of two that keeps `entries` at most half full. */
function capacityFor(entries: number): number {
  let capacity = 16;
  while (capacity < entries * 2) capacity *= 2;
  return capacity;
}

/** Four bytes of a binary string, little-endian, as an unsigned 32-bit number. */
function word(s: string, at: number): number {
  return (
    (s.charCodeAt(at) | (s.charCodeAt(at + 1) << 8) | (s.charCodeAt(at + 2) << 16) | (s.charCodeAt(at + 3) << 24)) >>> 0
  );
}
