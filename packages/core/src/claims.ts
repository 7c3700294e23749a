import { HookinboxError } from './errors.js';
import type { Monitor } from './monitor.js';
import type { ClaimResult, DedupeStore, SyncDedupeOps } from './store.js';
import type { Logger } from './types.js';

export interface ClaimPolicy {
  leaseMs: number;
  ttlMs: number;
  onStoreError: 'fail-closed' | 'fail-open';
  retryAfterSeconds: number;
}

/**
 * The receiver's side of the dedupe store: claim, commit and release, through the store's synchronous operations
 * when it offers them (so a delivery on the memory store waits on no promise), with store failures reported and
 * never thrown past a commit or a release.
 */
export class Claims {
  private readonly sync: SyncDedupeOps | undefined;

  constructor(
    readonly store: DedupeStore,
    readonly policy: ClaimPolicy,
    private readonly monitor: Monitor,
  ) {
    this.sync = store.sync;
  }

  /** The store's answer; a store failure throws or rejects (the pipeline applies the policy). */
  claim(key: string): ClaimResult | Promise<ClaimResult> {
    return this.sync ? this.sync.claim(key, this.policy.leaseMs) : this.store.claim(key, this.policy.leaseMs);
  }

  /** Mark a delivery done; a synchronous store finishes before this returns (and returns nothing to wait for). */
  commit(key: string, token: string | undefined, log: Logger): void | Promise<void> {
    if (token === undefined) return;
    try {
      if (this.sync) {
        this.committed(this.sync.commit(key, token, this.policy.ttlMs), key, log);
        return;
      }
      return this.store.commit(key, token, this.policy.ttlMs).then(
        (ok) => this.committed(ok, key, log),
        (error: unknown) => this.failed(error, 'commit', key, log),
      );
    } catch (error) {
      this.failed(error, 'commit', key, log);
    }
  }

  /** Forget a claim so that the provider's retry is processed; a failure leaves it to end with its lease. */
  async release(key: string, token: string | undefined, log: Logger): Promise<void> {
    if (token === undefined) return;
    try {
      await this.store.release(key, token);
    } catch (error) {
      this.failed(error, 'release', key, log);
    }
  }

  /** The 503 for a store that failed or timed out. */
  unavailable(cause: unknown): HookinboxError {
    return new HookinboxError('store_unavailable', '@hookinbox/core: the dedupe store is unavailable; retry later', {
      headers: this.retryAfter(),
      cause,
    });
  }

  /** The Retry-After header of every 503 and 409 the receiver sends. */
  retryAfter(): Record<string, string> {
    return { 'retry-after': String(this.policy.retryAfterSeconds) };
  }

  private committed(ok: boolean, key: string, log: Logger): void {
    if (!ok) log.warn({ id: key }, '@hookinbox/core: the claim had expired before commit; raise dedupe.leaseMs');
  }

  private failed(error: unknown, operation: 'commit' | 'release', key: string, log: Logger): void {
    this.monitor.storeError(error, this.policy.onStoreError, operation);
    log.error(
      { err: error, id: key },
      operation === 'commit'
        ? '@hookinbox/core: could not mark the delivery done in the store'
        : '@hookinbox/core: could not release the claim; it ends with its lease',
    );
  }
}
