import { type DeadLetter, type QueueJob, queueJobId } from '@hookinbox/core';

/** The shape of a BullMQ job this package reads. */
export interface JobLike {
  id?: string | undefined;
  data: QueueJob;
  failedReason?: string;
}

/** A failed job as a dead letter: a letter job is its letter (with the latest reason); an event job, a `failed` one. */
export function letterOf(job: JobLike): DeadLetter {
  const data = job.data;
  if (data.kind === 'letter') {
    return job.failedReason && data.letter.kind === 'failed'
      ? { ...data.letter, reason: job.failedReason }
      : data.letter;
  }
  return {
    kind: 'failed',
    id: data.event.id,
    provider: data.event.provider,
    name: data.event.name,
    reason: job.failedReason ?? 'failed',
    receivedAt: data.event.receivedAt,
    event: data.event,
  };
}

/** The job ids a letter can be kept under, most likely first: a failed event's own job, else a letter job. */
export function jobIdsOf(letter: Pick<DeadLetter, 'kind' | 'id'>): string[] {
  return letter.kind === 'parked'
    ? [queueJobId(letter.id, 'parked')]
    : [queueJobId(letter.id), queueJobId(letter.id, 'failed')];
}
