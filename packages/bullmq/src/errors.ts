/**
 * The codes of {@link BullmqError}: configuration problems found at start (the receiver's own `queue_unavailable`
 * covers a Redis that does not take a job).
 */
export const BULLMQ_ERROR_CODES = {
  /** Redis may evict keys (maxmemory-policy is not noeviction): queued jobs could vanish. */
  redis_eviction_policy: 'redis_eviction_policy',
  /** The job did not reach Redis within `enqueueTimeoutMs`. */
  enqueue_timeout: 'enqueue_timeout',
  /** The worker's receiver asks for more attempts than the queue allows. */
  too_many_attempts: 'too_many_attempts',
} as const;

export type BullmqErrorCode = keyof typeof BULLMQ_ERROR_CODES;

export class BullmqError extends Error {
  override readonly name = 'BullmqError';
  constructor(
    readonly code: BullmqErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
