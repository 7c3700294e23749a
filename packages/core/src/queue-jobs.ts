import { sha256HexOf } from '#platform';
import { type DeadLetter, restoreEvent, type StoredEvent, storeEvent } from './dead-letters.js';
import { type TraceCarrier, traceCarrierOf } from './observe.js';
import type { HandlerFailure, Receiver } from './receiver-types.js';
import type { WebhookEvent } from './types.js';

/**
 * What a durable queue keeps for the receiver: an event to run its handlers for, or a dead letter (a parked delivery,
 * a failed event) waiting in the queue's failed set until it is retried from a dashboard or redriven.
 */
export type QueueJob =
  | {
      kind: 'event';
      event: StoredEvent;
      /**
       * The trace context of the delivery the event came from (W3C `traceparent`, `tracestate`), when an observer
       * traces it: the worker's run of the handlers links to the delivery across the queue.
       */
      trace?: TraceCarrier;
    }
  | { kind: 'letter'; letter: DeadLetter };

/**
 * The job for an event handed to a dispatcher. The delivery's trace context comes along by itself when the receiver
 * is traced (the event is the one the receiver dispatched); `trace` sets it by hand.
 */
export function eventJob(event: WebhookEvent<string, unknown, unknown>, trace = traceCarrierOf(event)): QueueJob {
  const job: QueueJob = { kind: 'event', event: storeEvent(event) };
  if (trace) job.trace = trace;
  return job;
}

export function letterJob(letter: DeadLetter): QueueJob {
  return { kind: 'letter', letter };
}

/**
 * A job id for a dedupe key: the same key always gives the same id, so a copy of a delivery that slipped past the
 * dedupe store (its claim expired, a store failed open) cannot become a second job. Hex of a SHA-256: any length of key
 * fits, and no character a queue reserves (BullMQ refuses `:` in custom ids) appears. `prefix` keeps event jobs and
 * letters apart.
 */
export function queueJobId(dedupeKey: string, prefix: 'event' | 'parked' | 'failed' = 'event'): string {
  return `${prefix}-${sha256HexOf(dedupeKey)}`;
}

/** A job whose handlers failed this attempt (the queue retries it, and keeps it once its attempts are spent). */
export class QueueJobFailed extends Error {
  override readonly name = 'QueueJobFailed';
  constructor(
    message: string,
    readonly failures: readonly HandlerFailure[],
  ) {
    super(message);
  }
}

/**
 * What a queue's worker does with a job. An event: each handler once, with the queue's attempt number in its context
 * (successes are remembered, so the queue's retry runs only the handlers that failed). A letter retried from the
 * queue's failed set: `receiver.replay`, so a parked delivery is authenticated and parsed again and what was done
 * since stays done. Throws {@link QueueJobFailed} when the job did not succeed: the queue then retries it with the
 * receiver's retry policy and keeps it once its attempts are spent.
 */
export async function runQueueJob(
  receiver: Pick<Receiver<any, any, any>, 'process' | 'replay'>,
  job: QueueJob,
  options: { attempt: number },
): Promise<void> {
  if (job.kind === 'event') {
    const event = restoreEvent(job.event);
    const { ok, failures } = await receiver.process(event, {
      attempt: options.attempt,
      retries: 'once',
      ...(job.trace ? { trace: job.trace } : {}),
    });
    if (!ok) {
      const first = failures[0]?.error;
      const detail = first instanceof Error ? first.message : String(first);
      throw new QueueJobFailed(`${failures.length} handler(s) of ${event.name} failed: ${detail}`, failures);
    }
    return;
  }
  const result = await receiver.replay(job.letter);
  if (result.outcome !== 'handled' && result.outcome !== 'duplicate') {
    throw new QueueJobFailed(
      `replay of ${job.letter.kind} ${job.letter.name || job.letter.id}: ${result.outcome} (${result.status})`,
      result.failures,
    );
  }
}
