import { fromBase64, toBase64 } from '#platform';
import type { HandlerFailure } from './receiver-types.js';
import type { RawDelivery, WebhookEvent } from './types.js';

/** A delivery as received, in a form that can be stored as JSON and sent through the receiver again. */
export interface StoredDelivery {
  method: string;
  url: string;
  headers: Record<string, string | string[]>;
  /** The exact body bytes, base64. */
  body: string;
  /**
   * The provider removed its credentials before the delivery was kept (a shared secret must not rest in a sink): a
   * replay takes it as authenticated when it first arrived, and checks everything else.
   */
  redacted?: true;
}

/** An event as JSON: `receivedAt` as an ISO string. */
export type StoredEvent = Omit<WebhookEvent<string, unknown, unknown>, 'receivedAt'> & { receivedAt: string };

/**
 * A delivery the receiver could not process, kept so that nothing authentic is lost:
 * - `parked`: authentic, but it failed its schema or the provider could not parse it (`reason` says why); it was
 *   acknowledged, so the provider stops resending, and it waits here until the schema or the configuration is fixed;
 * - `failed`: its handlers failed every attempt (`failures`).
 *
 * `receiver.replay(letter)` runs it again.
 */
export interface DeadLetter {
  kind: 'parked' | 'failed';
  /** The dedupe key. */
  id: string;
  provider: string;
  /** The routing name, when the provider could tell it. */
  name: string;
  reason: string;
  /** When the delivery was received (ISO 8601). */
  receivedAt: string;
  /** The delivery as received: a replay authenticates and parses it again with the receiver's current options. */
  delivery?: StoredDelivery;
  /** The event, for a letter that has no delivery (kept by a queue): a replay runs its handlers again. */
  event?: StoredEvent;
  /** Each failed call, for `failed` letters; errors as their messages. */
  failures?: { handlerId: string; pattern: string; attempt: number; error: string }[];
}

/** Where dead letters go: memory by default, a database table or a queue's failed set for durability. */
export interface DeadLetterSink {
  /**
   * Keep a letter (a second letter with the same `kind` and `id` replaces the first). For a parked delivery the
   * receiver waits for this before it answers, and answers 503 `dead_letter_unavailable` when it throws or rejects,
   * so the provider resends.
   */
  put(letter: DeadLetter): void | Promise<void>;
  /** Forget a letter once a replay processed it (optional; what it returns is ignored). */
  delete?(kind: DeadLetter['kind'], id: string): unknown;
}

export interface MemoryDeadLetters extends DeadLetterSink {
  /** The letters kept, oldest first. */
  list(): DeadLetter[];
  get(kind: DeadLetter['kind'], id: string): DeadLetter | undefined;
  delete(kind: DeadLetter['kind'], id: string): boolean;
  readonly size: number;
}

/**
 * The default sink: the most recent `max` letters in memory (default 1,000). Every letter is also logged and handed
 * to `hooks.onDeadLetter`, but memory does not survive a restart: give the receiver a durable sink (your database, a
 * queue) in production.
 */
export function createMemoryDeadLetters(options: { max?: number } = {}): MemoryDeadLetters {
  const max = options.max ?? 1_000;
  if (!Number.isInteger(max) || max < 1)
    throw new TypeError('@hookinbox/core: dead letters max must be a positive integer');
  const letters = new Map<string, DeadLetter>();
  const keyOf = (kind: string, id: string) => `${kind}\u0000${id}`;
  return {
    put(letter) {
      const key = keyOf(letter.kind, letter.id);
      letters.delete(key); // a newer letter goes to the end
      letters.set(key, letter);
      if (letters.size > max) letters.delete(letters.keys().next().value as string);
    },
    list: () => [...letters.values()],
    get: (kind, id) => letters.get(keyOf(kind, id)),
    delete: (kind, id) => letters.delete(keyOf(kind, id)),
    get size() {
      return letters.size;
    },
  };
}

/** The delivery as JSON; the body as base64 of its exact bytes. */
export function storeDelivery(delivery: RawDelivery, redacted = false): StoredDelivery {
  const headers: StoredDelivery['headers'] = {};
  for (const name in delivery.headers) {
    const value = delivery.headers[name];
    if (value !== undefined) headers[name] = value;
  }
  const stored: StoredDelivery = {
    method: delivery.method,
    url: delivery.url,
    headers,
    body: toBase64(delivery.body),
  };
  if (redacted) stored.redacted = true;
  return stored;
}

/** A stored delivery back as the receiver takes it. */
export function restoreDelivery(stored: StoredDelivery): RawDelivery {
  return { method: stored.method, url: stored.url, headers: stored.headers, body: fromBase64(stored.body) };
}

export function storeEvent(event: WebhookEvent<string, unknown, unknown>): StoredEvent {
  return { ...event, receivedAt: event.receivedAt.toISOString() };
}

export function restoreEvent(stored: StoredEvent): WebhookEvent<string, unknown, any> {
  return { ...stored, receivedAt: new Date(stored.receivedAt) };
}

/** The failures as JSON: the error's message (a stack or a cause would be the app's to log, not to store). */
export function storeFailures(failures: readonly HandlerFailure[]): NonNullable<DeadLetter['failures']> {
  return failures.map(({ handlerId, pattern, attempt, error }) => ({
    handlerId,
    pattern,
    attempt,
    error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
  }));
}
