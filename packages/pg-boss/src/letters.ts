import type { DeadLetter, QueueJob } from '@hookinbox/core';

/** A row of the dead-letter queue as {@link DEAD_LETTER_ROWS} reads it. */
export interface DeadLetterRow {
  id: string;
  data: QueueJob;
  output: { message?: unknown; failures?: unknown } | null;
}

/**
 * The dead-letter queue's waiting jobs, oldest first. pg-boss 10 has no call that lists a queue without taking its
 * jobs (`fetch` makes them active), so this reads its job table, as its own `getQueueSize` does.
 */
export const deadLetterRows = (schema: string) =>
  `SELECT id, data, output FROM ${schema}.job WHERE name = $1 AND state < 'active' ` +
  `AND ($2::text IS NULL OR (data->'letter'->>'kind' = $3 AND data->'letter'->>'id' = $2) ` +
  `OR ($3 = 'failed' AND data->'event'->>'id' = $2)) ORDER BY created_on, id LIMIT $4`;

/**
 * A dead-letter job as the receiver's {@link DeadLetter}: a letter put there (a parked delivery, a failed replay) as it
 * was kept; an event job that pg-boss moved there once its retries were spent as a `failed` letter with its event, the
 * last error as the reason and the failures the worker recorded.
 */
export function toDeadLetter(row: DeadLetterRow): DeadLetter {
  const { data, output } = row;
  if (data.kind === 'letter') return data.letter;
  const letter: DeadLetter = {
    kind: 'failed',
    id: data.event.id,
    provider: data.event.provider,
    name: data.event.name,
    reason: typeof output?.message === 'string' ? output.message : 'the job failed every attempt',
    receivedAt: data.event.receivedAt,
    event: data.event,
  };
  if (Array.isArray(output?.failures)) letter.failures = output.failures as NonNullable<DeadLetter['failures']>;
  return letter;
}
