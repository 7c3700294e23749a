import { LRUCache } from 'lru-cache';
import { randomHex, randomLatin1, sha256Latin1 } from '#platform';
import type { ClaimResult, DedupeStore, SyncDedupeOps } from './store.js';

export interface MemoryStoreOptions {
  /** Most processed deliveries remembered at once; the least recently seen is forgotten first. Default 500,000. */
  maxEntries?: number;
  /** Time source in milliseconds (default `performance`); tests pass one that follows fake timers. */
  clock?: { now(): number };
}

/** The memory store, with its operations also offered synchronously (see {@link DedupeStore.sync}). */
export interface MemoryStore extends DedupeStore {
  readonly sync: SyncDedupeOps;
  /** Processed deliveries remembered now (expired ones may still count until they are looked up or evicted). */
  readonly size: number;
}

const DONE_RESULT: ClaimResult = Object.freeze({ status: 'done' });
const IN_FLIGHT_RESULT: ClaimResult = Object.freeze({ status: 'in-flight' });

/**
 * The store never keeps a key itself but a SHA-256 digest of a per-store random salt and the key: every entry has the
 * same small size whatever the key's length, and a key built by slicing or concatenating a larger string (a body, a
 * URL) does not keep that string alive. Two keys share a digest with probability about n² / 2²⁵⁷: claims stay exact.
 */
const digestOf: (input: string) => string = sha256Latin1;

/** A claim in flight. The digest is kept so that the commit does not compute it again. */
interface Lease {
  token: string;
  expires: number;
  digest: string;
}

/**
 * The default store: process memory, on `lru-cache`. Right for a single instance; use `@hookinbox/redis` or
 * `@hookinbox/postgres` when more than one instance receives deliveries.
 *
 * - A processed delivery is remembered in an `LRUCache` under its digest, with its TTL, up to `maxEntries`; the least
 *   recently seen is forgotten first. The bound is set through `maxSize` (each entry counting 1) rather than `max`:
 *   with `max`, lru-cache allocates its arrays for every entry up front, and arrays that large, reachable from the old
 *   generation, slow every young-generation collection of the whole process; with `maxSize` they grow as entries come.
 * - A claim in flight is a lease in a plain table, held until its commit, its release or the end of the lease, whatever
 *   `maxEntries` says: forgetting a live lease would let a copy of the delivery run at the same time.
 *
 * @example
 * const receiver = createReceiver({ provider, store: createMemoryStore({ maxEntries: 1_000_000 }) });
 */
export function createMemoryStore(options: MemoryStoreOptions = {}): MemoryStore {
  const maxEntries = options.maxEntries ?? 500_000;
  if (!Number.isInteger(maxEntries) || maxEntries < 1) {
    throw new TypeError('@hookinbox/core: memory store maxEntries must be a positive integer');
  }
  const clock = options.clock ?? performance;
  // lru-cache takes a start time of 0 for "no TTL": its clock counts from just before the store's first reading.
  const epoch = clock.now() - 1;
  const done = new LRUCache<string, true>({
    maxSize: maxEntries,
    sizeCalculation: one,
    // Expired entries are dropped when looked up or evicted: no timer per entry.
    // Stryker disable next-line BooleanLiteral: purged or not, an expired entry is absent when looked up
    ttlAutopurge: false,
    // Read the clock at each operation rather than cache it behind a timer.
    ttlResolution: 0,
    perf: { now: () => clock.now() - epoch },
  });
  const leases = new Leases();
  const salt = randomLatin1(16);
  const prefix = `${randomHex(4)}-`;
  let next = 1;

  const sync: SyncDedupeOps = {
    claim(key, leaseMs) {
      const now = clock.now();
      if (leases.live(key, now)) return IN_FLIGHT_RESULT;
      const digest = digestOf(salt + key);
      if (done.get(digest) === true) return DONE_RESULT;
      // Stryker disable next-line UpdateOperator: counting down makes tokens as unique
      const token = prefix + next++;
      leases.hold(key, { token, expires: now + leaseMs, digest }, now);
      return { status: 'claimed', token };
    },
    commit(key, token, ttlMs) {
      const held = leases.take(key, token, clock.now());
      if (held === undefined) return false;
      done.set(held.digest, true, { ttl: ttlMs });
      return true;
    },
    release(key, token) {
      return leases.take(key, token, clock.now()) !== undefined;
    },
  };

  const store = {
    get size() {
      return done.size;
    },
    async claim(key: string, leaseMs: number) {
      return sync.claim(key, leaseMs);
    },
    async commit(key: string, token: string, ttlMs: number) {
      return sync.commit(key, token, ttlMs);
    },
    async release(key: string, token: string) {
      return sync.release(key, token);
    },
  };
  // Not enumerable: a copy that replaces a method (`{ ...store, commit: spy }`) loses `sync` and is awaited through
  // its own methods, instead of going around them.
  Object.defineProperty(store, 'sync', { value: sync, enumerable: false });
  return store as MemoryStore;
}

function one(): number {
  return 1;
}

/**
 * Claims in flight, by key. Never bounded by `maxEntries` (forgetting a live lease would let a copy run at the same
 * time); leases that ended without a commit or a release are swept whenever the table has doubled since the last
 * sweep, so a sweep's cost is shared by as many claims as it looks at.
 *
 * A null-prototype object rather than a `Map`, on purpose: every claim adds a lease and every commit removes it, and a
 * Map churned like that has its hash table replaced again and again, each replaced table left pointing at the next.
 * Once one of them is promoted, the dead table keeps its successors, and the leases and keys they hold, alive through
 * every young-generation collection (the same effect as in `in-flight.ts`). Measured on the Fastify memory row at 32
 * connections, built: 256–294 KB surviving each scavenge with the Map, 113–135 KB with this table.
 */
class Leases {
  private table: Record<string, Lease> = Object.create(null);
  private size = 0;
  private sweepAt = 1_024;

  /** True when `key` has a lease that has not ended. */
  live(key: string, now: number): boolean {
    const held = this.table[key];
    return held !== undefined && held.expires > now;
  }

  hold(key: string, lease: Lease, now: number): void {
    if (this.table[key] === undefined) this.size++;
    this.table[key] = lease;
    // When sweeps run changes memory, not answers: live() and take() never count an ended lease.
    // Stryker disable next-line ConditionalExpression,EqualityOperator: sweeping more or less often answers the same
    if (this.size >= this.sweepAt) this.sweep(now);
  }

  /** The live lease `token` names, removed; undefined when the token does not own a live lease (an ended one goes). */
  take(key: string, token: string, now: number): Lease | undefined {
    const held = this.table[key];
    if (held === undefined || held.token !== token) return undefined;
    delete this.table[key];
    this.size--;
    return held.expires > now ? held : undefined;
  }

  private sweep(now: number): void {
    const kept: Record<string, Lease> = Object.create(null);
    let size = 0;
    for (const key in this.table) {
      const held = this.table[key] as Lease;
      // Keeping an ended lease changes memory only; dropping a live one is caught (the 1,100 live leases test).
      // Stryker disable next-line ConditionalExpression,EqualityOperator: an ended lease kept is never counted
      if (held.expires > now) {
        kept[key] = held;
        size++;
      }
    }
    // A fresh table rather than deletes in place: after a sweep it holds only the live leases, in a table their size.
    this.table = kept;
    this.size = size;
    this.sweepAt = Math.max(1_024, size * 2);
  }
}
