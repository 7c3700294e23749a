import { queueJobId } from '@hookinbox/core';

/**
 * pg-boss 10 keys a job by `(queue, id)` with `id` a UUID, and skips an insert whose id is taken (`ON CONFLICT DO
 * NOTHING`). So the id is derived from the dedupe key: the first 32 hex digits of {@link queueJobId}'s SHA-256, in
 * UUID form. A copy of a delivery that slipped past the dedupe store gets the id of the job already there and makes no
 * second job, for as long as pg-boss keeps the first (until it is archived, 12 hours after completion by default).
 */
export function jobUuid(dedupeKey: string, prefix: 'event' | 'parked' | 'failed' = 'event'): string {
  const hex = queueJobId(dedupeKey, prefix).slice(prefix.length + 1, prefix.length + 33);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
