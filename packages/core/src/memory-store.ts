import { LRUCache } from 'lru-cache';
import { randomHex, sha256Latin1 } from '#platform';
import type { ClaimResult, DedupeStore, SyncDedupeOps } from './store.js';

export interface MemoryStoreOptions {
  /**
   * Most deliveries remembered at once, claims in flight included; the least recently seen is forgotten first (a claim
   * still in flight never is). Default 500,000.
   */
  maxEntries?: number;
  /** Time source in milliseconds (default `performance`); tests pass one that follows fake timers. */
  clock?: { now(): number };
}

/** The memory store, with its operations also offered synchronously (see {@link DedupeStore.sync}). */
export interface MemoryStore extends DedupeStore {
  readonly sync: SyncDedupeOps;
  /** Deliveries remembered now, claims in flight included (expired ones count until looked up or pushed out). */
  readonly size: number;
}

const DONE_RESULT: ClaimResult = Object.freeze({ status: 'done' });
const IN_FLIGHT_RESULT: ClaimResult = Object.freeze({ status: 'in-flight' });

/**
 * A remembered delivery is kept as the SHA-256 digest of its key, not the key: every entry has the same small size
 * whatever the key's length, and a key built by slicing or concatenating a larger string (a body, a URL) does not keep
 * that string alive for its TTL (only a claim in flight, and the last {@link RECENT} claims, hold their key).
 * Two keys share a digest with probability about n² / 2²⁵⁷: claims stay exact. (No salt: it would not make SHA-256
 * collisions any less likely, and each operation would pay for one more string.)
 */
const digestOf: (input: string) => string = sha256Latin1;

/** A claim in flight: the token that owns it and when it ends (clock time), and whose it is. */
interface Lease {
  token: string;
  expires: number;
  key: string;
  digest: string;
}

/**
 * Claims remembered by their token's number, so that a commit or release finds its key's digest without computing the
 * SHA-256 again (24,166 against 14,567 instructions a claim and commit at a bound of 100,000, under callgrind). Checked
 * against the key, since a caller may hand in the token of another delivery; a claim more than this many claims old is
 * digested again. Holds at most this many keys alive after their deliveries are done.
 */
const RECENT = 1_024;

/**
 * What the store remembers of a digest: a claim in flight, or once committed the clock time (whole milliseconds) until
 * which it is done. The end is kept in the entry rather than as an lru-cache TTL: lru-cache then keeps no arrays of
 * start times and TTLs beside its entries (16 bytes an entry), and reads no clock of its own. An integer time below
 * 2³¹ ms (24.8 days on the default clock, which starts with the process: the first 17.8 days with the default 7-day TTL)
 * is a small integer to V8, stored in the entry's slot with nothing allocated; a later one takes a heap number (16
 * bytes, what the TTL arrays cost).
 */
type Entry = Lease | number;

/**
 * The default store: process memory, on `lru-cache`. Right for a single instance; use `@hookinbox/redis` or
 * `@hookinbox/postgres` when more than one instance receives deliveries.
 *
 * - One `LRUCache` keyed by digest holds both kinds of entry: a claim in flight (its lease: token and end) and, once
 *   committed, a done marker with the delivery's TTL. A claim therefore costs one lookup and one write, and a
 *   commit one lookup and one write, with no second table churned by every delivery.
 * - The bound is set through `maxSize` (each entry counting 1) rather than `max`: with `max`, lru-cache allocates its
 *   arrays for every entry up front, and arrays that large, reachable from the old generation, slow every
 *   young-generation collection of the whole process; with `maxSize` they grow as entries come.
 * - A live lease is never forgotten to make room (a copy of the delivery would run at the same time): one the LRU
 *   order pushes out is kept aside until it ends. That takes a handler still running after `maxEntries` newer
 *   deliveries, so the side table is almost always empty.
 *
 * @example
 * const receiver = createReceiver({ provider, store: createMemoryStore({ maxEntries: 1_000_000 }) });
 */
export function createMemoryStore(options: MemoryStoreOptions = {}): MemoryStore {
  const maxEntries = options.maxEntries ?? 500_000;
  if (!Number.isInteger(maxEntries) || maxEntries < 1) {
    throw new TypeError('@hookinbox/core: memory store maxEntries must be a positive integer');
  }
  const claims = new DigestClaims(maxEntries, options.clock ?? performance);
  // Plain functions, so that `const { claim } = store.sync` works as well as the method calls the receiver makes.
  const sync: SyncDedupeOps = {
    claim: (key, leaseMs) => claims.claim(key, leaseMs),
    commit: (key, token, ttlMs) => claims.commit(key, token, ttlMs),
    release: (key, token) => claims.release(key, token),
  };
  const store = {
    get size() {
      return claims.size;
    },
    async claim(key: string, leaseMs: number) {
      return claims.claim(key, leaseMs);
    },
    async commit(key: string, token: string, ttlMs: number) {
      return claims.commit(key, token, ttlMs);
    },
    async release(key: string, token: string) {
      return claims.release(key, token);
    },
  };
  // Not enumerable: a copy that replaces a method (`{ ...store, commit: spy }`) loses `sync` and is awaited through
  // its own methods, instead of going around them.
  Object.defineProperty(store, 'sync', { value: sync, enumerable: false });
  return store as MemoryStore;
}

/** The store's table: claims in flight and done markers by digest, with the recent claims and the pushed-out leases. */
class DigestClaims {
  private readonly entries: LRUCache<string, Entry>;
  private readonly pushedOut = new PushedOut();
  private readonly prefix = `${randomHex(4)}-`;
  private next = 1;
  // Stryker disable next-line ArrayDeclaration: an array that grows to its size answers the same
  private readonly recent = new Array<Lease | undefined>(RECENT);

  constructor(
    maxEntries: number,
    private readonly clock: { now(): number },
  ) {
    this.entries = digestCache(maxEntries, clock, this.pushedOut);
  }

  get size(): number {
    return this.entries.size;
  }

  claim(key: string, leaseMs: number): ClaimResult {
    const now = this.clock.now();
    const digest = digestOf(key);
    const entry = this.entries.get(digest);
    if (typeof entry === 'number') {
      // Done up to and including its end (as lru-cache counts a TTL); past it, a delivery forgotten, which the claim
      // below replaces.
      if (entry >= now) return DONE_RESULT;
    } else if (entry !== undefined && entry.expires > now) return IN_FLIGHT_RESULT;
    if (this.pushedOut.live(digest, now)) return IN_FLIGHT_RESULT;
    // Stryker disable next-line UpdateOperator: counting down makes tokens as unique
    const n = this.next++;
    const token = this.prefix + n;
    const lease: Lease = { token, expires: now + leaseMs, key, digest };
    // Stryker disable next-line ArithmeticOperator: a lease kept where no commit looks is digested again
    this.recent[n % RECENT] = lease;
    // No lru-cache TTL on a lease: its end is in the lease, read by every operation, and an ended lease is
    // overwritten by the next claim, forgotten by its owner's commit or release, or pushed out like any entry.
    this.entries.set(digest, lease);
    return { status: 'claimed', token };
  }

  commit(key: string, token: string, ttlMs: number): boolean {
    const digest = this.digestFor(key, token);
    const now = this.clock.now();
    if (!this.owns(digest, token, now)) return false;
    // Rounded up: a delivery is forgotten no earlier than its TTL, and less than a millisecond later.
    this.entries.set(digest, Math.ceil(now + ttlMs));
    return true;
  }

  release(key: string, token: string): boolean {
    const digest = this.digestFor(key, token);
    if (!this.owns(digest, token, this.clock.now())) return false;
    this.entries.delete(digest);
    return true;
  }

  /** The key's digest, from its claim when that is recent. The token's number only says where to look: the key decides. */
  private digestFor(key: string, token: string): string {
    // Looking in the wrong place, or not at all, computes the digest again: the same answer, only slower. (That the
    // key decides is checked by the contract suite's commit with another delivery's token.)
    // Stryker disable next-line ArithmeticOperator,MethodExpression: see above
    const lease = this.recent[Number(token.slice(this.prefix.length)) % RECENT];
    // Stryker disable next-line ConditionalExpression: see above
    return lease !== undefined && lease.key === key ? lease.digest : digestOf(key);
  }

  /** Whether `token` owns a live lease on `digest`; the lease is forgotten when it ended. */
  private owns(digest: string, token: string, now: number): boolean {
    const entry = this.entries.peek(digest);
    // A digest that is done is never also aside (its lease was taken back from there by the commit), so reading a
    // done marker as a lease, whose token never matches, answers the same.
    // Stryker disable next-line ConditionalExpression,BooleanLiteral,StringLiteral: see above
    if (entry !== undefined && typeof entry !== 'number') {
      if (entry.token !== token) return false;
      if (entry.expires > now) return true;
      this.entries.delete(digest);
      return false;
    }
    return this.pushedOut.take(digest, token, now);
  }
}

/** The one `LRUCache` of a store, bounded at `maxEntries`; a live lease it pushes out goes to `pushedOut`. */
function digestCache(maxEntries: number, clock: { now(): number }, pushedOut: PushedOut): LRUCache<string, Entry> {
  return new LRUCache<string, Entry>({
    maxSize: maxEntries,
    sizeCalculation: one,
    dispose(entry, digest, reason) {
      // A done marker set aside would be forgotten at its first lookup: the same answers, only memory held longer.
      // Stryker disable next-line ConditionalExpression,BooleanLiteral,StringLiteral: see above
      if (reason === 'evict' && typeof entry !== 'number') pushedOut.keep(digest, entry, clock.now());
    },
  });
}

function one(): number {
  return 1;
}

/** Live leases the LRU order pushed out, kept until they end; a `Map` is fine here, as it almost never changes. */
class PushedOut {
  private readonly leases = new Map<string, Lease>();

  // An ended lease kept aside is never counted (live() and take() read its end): the checks on the end below only
  // spare memory. Likewise the size checks only spare a lookup.
  // Stryker disable ConditionalExpression,EqualityOperator: see above
  keep(digest: string, lease: Lease, now: number): void {
    if (lease.expires <= now) return;
    // Pushing out is rare, so each time is a fine moment to forget the leases that ended meanwhile.
    for (const [held, { expires }] of this.leases) if (expires <= now) this.leases.delete(held);
    this.leases.set(digest, lease);
  }

  /** True when a live lease on `digest` was pushed out; an ended one is forgotten. */
  live(digest: string, now: number): boolean {
    if (this.leases.size === 0) return false;
    // Stryker restore ConditionalExpression,EqualityOperator
    const held = this.leases.get(digest);
    if (held === undefined) return false;
    if (held.expires > now) return true;
    this.leases.delete(digest);
    return false;
  }

  /** Whether `token` owned a live lease on `digest` that was pushed out; the lease is forgotten either way. */
  take(digest: string, token: string, now: number): boolean {
    // Stryker disable next-line ConditionalExpression: only spares a lookup
    if (this.leases.size === 0) return false;
    const held = this.leases.get(digest);
    if (held === undefined || held.token !== token) return false;
    this.leases.delete(digest);
    return held.expires > now;
  }
}
