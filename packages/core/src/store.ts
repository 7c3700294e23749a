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
 * cannot overwrite a newer claim. `describeDedupeStore` in `@hookinbox/testing/store-contract` checks all of it.
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
  /**
   * The same operations answered synchronously, offered by a store that never waits on I/O (the memory store). The
   * receiver uses them when present, which spares each delivery its promises; they must behave exactly as the async
   * methods. Define it as a non-enumerable property, as the memory store does, so that a copy of the store made by
   * spreading it (`{ ...store, commit: spy }`) goes through its own methods rather than around them.
   */
  readonly sync?: SyncDedupeOps;
}

/** {@link DedupeStore}'s operations, answered without a promise. */
export interface SyncDedupeOps {
  claim(key: string, leaseMs: number): ClaimResult;
  commit(key: string, token: string, ttlMs: number): boolean;
  release(key: string, token: string): boolean;
}
