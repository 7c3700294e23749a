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

/**
 * The same operations answered synchronously, by a store that never waits on I/O (the memory store). The receiver
 * uses them when present, which spares each delivery its promises; they must behave exactly as the async methods.
 * Internal: a store wrapped by something else (a spy, a proxy, a spread copy) loses them and is awaited as usual.
 */
export interface SyncDedupeOps {
  claim(key: string, leaseMs: number): ClaimResult;
  commit(key: string, token: string, ttlMs: number): boolean;
  release(key: string, token: string): boolean;
}

/** Where a store keeps its {@link SyncDedupeOps}. */
export const SYNC_OPS: unique symbol = Symbol('hookinbox.syncDedupeOps');

/** The synchronous operations of `store`, when it has them. */
export function syncOpsOf(store: DedupeStore): SyncDedupeOps | undefined {
  return (store as { [SYNC_OPS]?: SyncDedupeOps })[SYNC_OPS];
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
  // The epoch sits just before the first reading of the clock, so that every expiry the table holds is positive.
  const table = new DigestTable(maxEntries, clock.now() - 1);
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
    if (table.expiresAt(slot) <= now) {
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

  const ops: SyncDedupeOps = {
    claim(key, leaseMs) {
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
    commit(key, token, ttlMs) {
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
    release(key, token) {
      if (leaseOf(key, token, clock.now()) === undefined) return false;
      leases.delete(key);
      return true;
    },
  };

  const store: DedupeStore = {
    async claim(key, leaseMs) {
      return ops.claim(key, leaseMs);
    },
    async commit(key, token, ttlMs) {
      return ops.commit(key, token, ttlMs);
    },
    async release(key, token) {
      return ops.release(key, token);
    },
  };
  // Not enumerable: a copy that replaces a method (`{ ...store, commit }`) must not keep the originals through it.
  Object.defineProperty(store, SYNC_OPS, { value: ops });
  return store;
}

const NONE = -1;
/** 32-bit words per slot: four of digest, two for the expiry (a float64), the LRU list's previous and next slot. */
const STRIDE = 8;
/** The expiry's float64 index within a slot, counted in float64s. */
const EXPIRY = 2;
const PREV = 6;
const NEXT = 7;
/** Expiry values that mark a slot empty (never used since the last rebuild) or removed. */
const EMPTY = 0;
const GONE = -1;

/**
 * An open-addressing hash table of 128-bit digests with an LRU list, in one ArrayBuffer. A key is the first 16
 * bytes of a salted SHA-256: two distinct keys share an entry with probability about n² / 2¹²⁹ (below 10⁻²⁶ for a
 * million keys), so claims stay exact.
 *
 * Each slot is one 32-byte record (digest, expiry, LRU links), so an operation touches one or two cache lines
 * instead of one per field: on a table of tens of megabytes nearly every access misses the cache, and that is most of
 * what the table costs. An expiry is stored relative to the table's epoch, so that it is always positive, and doubles
 * as the slot's state (0 empty, -1 removed). Slots stay where they are until the table is rebuilt, so the LRU list
 * links slot numbers; a rebuild (to grow, or to clear removed slots) moves every entry and keeps the list's order.
 * At most half the slots are in use, so a probe is short.
 */
class DigestTable {
  private u32 = new Uint32Array(0);
  private i32 = new Int32Array(0);
  private f64 = new Float64Array(0);
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

  /**
   * @param max - most entries kept
   * @param epoch - a time before any expiry the table will hold, in the store clock's milliseconds
   */
  constructor(
    private readonly max: number,
    private readonly epoch: number,
  ) {
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
    const { u32, f64, mask } = this;
    for (let i = this.h0 & mask; ; i = (i + 1) & mask) {
      const e = f64[i * 4 + EXPIRY] as number;
      if (e === EMPTY) return NONE;
      const w = i * STRIDE;
      if (
        e !== GONE &&
        u32[w] === this.h0 &&
        u32[w + 1] === this.h1 &&
        u32[w + 2] === this.h2 &&
        u32[w + 3] === this.h3
      ) {
        return i;
      }
    }
  }

  /** The expiry of a slot, in the store clock's milliseconds. */
  expiresAt(slot: number): number {
    return (this.f64[slot * 4 + EXPIRY] as number) + this.epoch;
  }

  /** Add the loaded digest, which is not in the table; the least recently used entry makes room when full. */
  insert(expires: number): void {
    if (this.size >= this.max) this.remove(this.head);
    if ((this.size + 1) * 2 > this.capacity) this.rebuild(this.capacity * 2);
    else if ((this.size + this.gone + 1) * 4 > this.capacity * 3) this.rebuild(this.capacity);
    const { f64, mask } = this;
    let i = this.h0 & mask;
    for (;;) {
      const e = f64[i * 4 + EXPIRY] as number;
      if (e === EMPTY) break;
      if (e === GONE) {
        this.gone--;
        break;
      }
      i = (i + 1) & mask;
    }
    // Positive even if a custom clock stepped back past the epoch: 0 and -1 mean empty and removed.
    this.place(i, this.h0, this.h1, this.h2, this.h3, Math.max(expires - this.epoch, Number.MIN_VALUE));
  }

  remove(slot: number): void {
    this.f64[slot * 4 + EXPIRY] = GONE;
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

  /** Fill slot `i`; `stored` is the expiry relative to the epoch (positive). */
  private place(i: number, h0: number, h1: number, h2: number, h3: number, stored: number): void {
    const w = i * STRIDE;
    const { u32 } = this;
    u32[w] = h0;
    u32[w + 1] = h1;
    u32[w + 2] = h2;
    u32[w + 3] = h3;
    this.f64[i * 4 + EXPIRY] = stored;
    this.size++;
    this.append(i);
  }

  private allocate(capacity: number): void {
    const buffer = new ArrayBuffer(capacity * STRIDE * 4);
    this.u32 = new Uint32Array(buffer);
    this.i32 = new Int32Array(buffer);
    this.f64 = new Float64Array(buffer);
    this.capacity = capacity;
    this.mask = capacity - 1;
    this.size = 0;
    this.gone = 0;
    this.head = NONE;
    this.tail = NONE;
  }

  /**
   * Move every entry into a fresh buffer of `capacity` slots, keeping the LRU order. The old slots are read in
   * address order and the links translated through a slot map afterwards: walking the list instead would chase one
   * cache miss after another, which on a table of a few hundred thousand entries stalled the event loop several
   * times as long.
   */
  private rebuild(capacity: number): void {
    const { u32, i32, f64, head, tail, size } = this;
    const old = this.capacity;
    this.allocate(capacity);
    const mask = this.mask;
    const to32 = this.u32;
    const toI32 = this.i32;
    const to64 = this.f64;
    const moved = new Int32Array(old);
    for (let slot = 0; slot < old; slot++) {
      const e = f64[slot * 4 + EXPIRY] as number;
      if (e === EMPTY || e === GONE) continue;
      const w = slot * STRIDE;
      const h0 = u32[w] as number;
      let i = h0 & mask;
      while (to64[i * 4 + EXPIRY] !== EMPTY) i = (i + 1) & mask;
      const v = i * STRIDE;
      to32[v] = h0;
      to32[v + 1] = u32[w + 1] as number;
      to32[v + 2] = u32[w + 2] as number;
      to32[v + 3] = u32[w + 3] as number;
      to64[i * 4 + EXPIRY] = e;
      moved[slot] = i;
    }
    for (let slot = 0; slot < old; slot++) {
      const e = f64[slot * 4 + EXPIRY] as number;
      if (e === EMPTY || e === GONE) continue;
      const w = slot * STRIDE;
      const v = (moved[slot] as number) * STRIDE;
      const before = i32[w + PREV] as number;
      const after = i32[w + NEXT] as number;
      toI32[v + PREV] = before === NONE ? NONE : (moved[before] as number);
      toI32[v + NEXT] = after === NONE ? NONE : (moved[after] as number);
    }
    this.head = head === NONE ? NONE : (moved[head] as number);
    this.tail = tail === NONE ? NONE : (moved[tail] as number);
    this.size = size;
  }

  private append(slot: number): void {
    const { i32 } = this;
    const w = slot * STRIDE;
    i32[w + PREV] = this.tail;
    i32[w + NEXT] = NONE;
    if (this.tail === NONE) this.head = slot;
    else i32[this.tail * STRIDE + NEXT] = slot;
    this.tail = slot;
  }

  private unlink(slot: number): void {
    const { i32 } = this;
    const w = slot * STRIDE;
    const before = i32[w + PREV] as number;
    const after = i32[w + NEXT] as number;
    if (before === NONE) this.head = after;
    else i32[before * STRIDE + NEXT] = after;
    if (after === NONE) this.tail = before;
    else i32[after * STRIDE + PREV] = before;
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
