/** How a failing call is retried: calls in all, and an exponential delay between them. */
export interface RetryPolicy {
  /** Calls in all, the first included. */
  attempts: number;
  /** Delay before the first retry, in milliseconds. */
  minDelayMs: number;
  /** Longest delay between two calls. */
  maxDelayMs: number;
  /** Each delay is the previous one times this. */
  factor: number;
}

/** The delay before call `attempt + 1`, after call `attempt` (1-based) failed. */
export function backoffDelay(policy: RetryPolicy, attempt: number): number {
  return Math.min(policy.maxDelayMs, policy.minDelayMs * policy.factor ** (attempt - 1));
}

/**
 * Resolves after `ms`, or as soon as `signal` aborts (never rejects: a retry loop that is told to stop ends its wait
 * and makes its last call at once).
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0 || signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
