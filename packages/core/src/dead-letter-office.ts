import { type DeadLetter, type DeadLetterSink, storeDelivery, storeEvent, storeFailures } from './dead-letters.js';
import type { Monitor } from './monitor.js';
import type { HandlerFailure } from './receiver-types.js';
import type { AnyEvent } from './routes.js';
import type { Logger, Provider, RawDelivery } from './types.js';

/**
 * Writes the dead letters: parked deliveries (authentic, not processable) and events whose handlers failed every
 * attempt, to the receiver's sink, counted and logged by the monitor.
 */
export class DeadLetterOffice {
  constructor(
    readonly sink: DeadLetterSink,
    private readonly monitor: Monitor,
    private readonly provider: Pick<Provider, 'name' | 'redact'>,
  ) {}

  /** The delivery as a letter keeps it: without the credentials the provider names. */
  private store(delivery: RawDelivery) {
    const { redact } = this.provider;
    return redact ? storeDelivery(redact(delivery), true) : storeDelivery(delivery);
  }

  /** Park an authentic delivery that cannot be processed. Rejects or throws when the sink could not keep it. */
  park(event: AnyEvent, delivery: RawDelivery, reason: string, log: Logger): void | Promise<void> {
    const letter: DeadLetter = {
      kind: 'parked',
      id: event.id,
      provider: this.provider.name,
      name: event.name,
      reason,
      receivedAt: event.receivedAt.toISOString(),
      delivery: this.store(delivery),
    };
    this.monitor.parked(letter, log);
    return this.sink.put(letter);
  }

  /**
   * Keep an event whose handlers failed every attempt, with the delivery when there is one (a replay then goes
   * through authentication and parsing again). Never rejects: a sink that fails is logged (the hook had the event).
   */
  failed(event: AnyEvent, failures: HandlerFailure[], delivery: RawDelivery | undefined, log: Logger): Promise<void> {
    this.monitor.deadLettered(event, failures, log);
    const letter: DeadLetter = {
      kind: 'failed',
      id: event.id,
      provider: this.provider.name,
      name: event.name,
      reason: `${failures.length === 1 ? 'a handler' : 'handlers'} failed every attempt`,
      receivedAt: event.receivedAt.toISOString(),
      event: storeEvent(event),
      failures: storeFailures(failures),
    };
    if (delivery) letter.delivery = this.store(delivery);
    return Promise.resolve()
      .then(() => this.sink.put(letter))
      .catch((error: unknown) => {
        log.error(
          { err: error, event: event.name, id: event.id },
          '@hookinbox/core: the dead-letter sink could not keep a failed event; only the log and onDeadLetter have it',
        );
      });
  }

  /** A replay processed the letter: it can go. */
  async processed(kind: DeadLetter['kind'], id: string, log: Logger): Promise<void> {
    try {
      await this.sink.delete?.(kind, id);
    } catch (error) {
      log.warn({ err: error, id }, '@hookinbox/core: the dead-letter sink could not delete a replayed letter');
    }
  }
}

/** A schema's error in a few words: the first issues' paths and messages (zod's shape, or the error's message). */
export function schemaReason(error: unknown): string {
  const issues = (error as { issues?: { path?: PropertyKey[]; message?: string }[] } | null)?.issues;
  const detail = Array.isArray(issues)
    ? issues
        .slice(0, 3)
        .map((i) => `${(i.path ?? []).map(String).join('.') || '(payload)'}: ${i.message ?? 'invalid'}`)
        .join('; ')
    : error instanceof Error
      ? error.message
      : String(error);
  return `the payload failed its schema: ${detail}`;
}
