import type { DeadLetter, DeadLetterSink } from './dead-letters.js';
import type { Outcome } from './delivery-context.js';
import type { EventFor } from './match.js';
import type { Observer, TraceCarrier } from './observe.js';
import type { ParsedReceiverOptions } from './options.js';
import type { DedupeStore } from './store.js';
import type { DeliveryInput, EventMap, Handler, Logger, Provider, WebhookEvent, WebhookResponse } from './types.js';

/** One failed call of one handler. */
export interface HandlerFailure {
  /** The pattern the handler was registered for. */
  pattern: string;
  /** Which handler: its registration order and pattern (`"2:orders/*"`), unique even when patterns repeat. */
  handlerId: string;
  attempt: number;
  error: unknown;
}

/** Lifecycle hooks. Each is called synchronously; an exception thrown by a hook is logged and ignored. */
export interface ReceiverHooks<TEvent extends WebhookEvent<string, unknown, any> = WebhookEvent> {
  onReceived?(info: { method: string; url: string }): void;
  onRejected?(info: { code: string; status: number; message: string }): void;
  onDuplicate?(info: { name: string; id: string; state: 'done' | 'in-flight' }): void;
  /**
   * An authentic delivery whose payload failed its schema. It is acknowledged with 200 (a 4xx would make the provider
   * resend the same bytes until it gives up) and handed here instead of to the handlers.
   */
  onInvalid?(info: { event: WebhookEvent<string, unknown, TEvent['meta']>; error: unknown }): void;
  onAcknowledged?(info: { name: string; id: string; status: number; latencyMs: number }): void;
  onHandled?(info: { event: TEvent; durationMs: number }): void;
  onFailed?(info: { event: TEvent; pattern: string; attempt: number; error: unknown; willRetry: boolean }): void;
  /** Every handler that still failed after its last attempt, with every error. Nothing is dropped silently. */
  onDeadLetter?(info: { event: TEvent; failures: HandlerFailure[] }): void;
  /** The dedupe store failed; `policy` says what the receiver did about it. */
  onStoreError?(info: { error: unknown; policy: 'fail-closed' | 'fail-open'; operation: string }): void;
}

/**
 * Replaces in-process dispatch, e.g. with a durable queue. The receiver awaits `dispatch(event)`, marks the delivery
 * done and answers 200; the app's worker later calls `receiver.process(event)` to run the handlers.
 */
export interface Dispatcher<TEvent extends WebhookEvent<string, unknown, any> = WebhookEvent<string, unknown, any>> {
  dispatch(event: TEvent): void | Promise<void>;
}

export interface ReceiverOptions<P extends Provider<any, any, any> = Provider> {
  /** The platform: `genstore({ secret })`, `geins({ ... })`, or your own {@link Provider}. */
  provider: P;
  /** Dedupe store. Default: `createMemoryStore()` (one instance only). */
  store?: DedupeStore;
  /**
   * When to answer. `immediate` (default): 200 once the delivery is authenticated, parsed and claimed, before any
   * handler runs. `after-handlers`: wait for the handlers up to `timeoutMs`.
   */
  ack?: { mode: 'immediate' } | { mode: 'after-handlers'; timeoutMs?: number; timeoutStatus?: 200 | 202 };
  limits?: { bodyBytes?: number; bodyTimeoutMs?: number };
  dedupe?: {
    leaseMs?: number;
    ttlMs?: number;
    onStoreError?: 'fail-closed' | 'fail-open';
    retryAfterSeconds?: number;
  };
  /** In-process retries of a failing handler after the acknowledgement. */
  retry?: { attempts?: number; minDelayMs?: number; maxDelayMs?: number; factor?: number };
  logger?: Logger;
  hooks?: ReceiverHooks<ProviderEvent<P>>;
  dispatcher?: Dispatcher<ProviderEvent<P>>;
  /**
   * Where deliveries that could not be processed go: authentic ones that failed their schema or could not be parsed
   * (parked), and events whose handlers failed every attempt. Default: {@link createMemoryDeadLetters}, the most
   * recent 1,000 in memory; pass a durable sink (a database table, a queue) in production.
   */
  deadLetters?: DeadLetterSink;
}

export type ProviderEvents<P> = P extends Provider<infer E, any> ? E : EventMap;
export type ProviderMeta<P> = P extends Provider<any, infer M> ? M : Record<string, unknown>;
export type ProviderFallback<P> = P extends Provider<any, any, infer F> ? F : unknown;
export type ProviderEvent<P> = WebhookEvent<string, unknown, ProviderMeta<P>>;

/**
 * Keeps a serverless runtime alive until `promise` settles, after the response went out: Cloudflare's
 * `ctx.waitUntil`, Vercel's `waitUntil` (`@vercel/functions`), Next.js' `after`.
 */
export type WaitUntil = (promise: Promise<unknown>) => void;

export interface HandleOptions {
  /** Logger for this delivery (the Fastify adapter passes `request.log`). */
  logger?: Logger;
  /**
   * Called, before the answer is returned, with the promise of the work this delivery still owes once answered: its
   * handlers with their retries and the commit to the dedupe store (`immediate` mode), or the handlers that outlast
   * the deadline (`after-handlers` mode). The promise always resolves; failures go to the hooks as usual. For runtimes
   * that freeze the process once the response is sent.
   */
  waitUntil?: WaitUntil;
  /**
   * The header names are lower-case already, as in Node's `req.headers`: the receiver skips lower-casing them. Leave
   * it unset for headers built by hand or taken from another runtime.
   */
  lowerCaseHeaders?: boolean;
}

export interface RegisterOptions<E> {
  /** Only events for which this returns true reach the handler (e.g. a Geins sub-entity). */
  where?: (event: E) => boolean;
}

export interface ReceiverStats {
  received: number;
  rejected: Record<string, number>;
  duplicates: number;
  invalid: number;
  acknowledged: number;
  handled: number;
  failed: number;
  deadLettered: number;
  /** Authentic deliveries that could not be processed, kept in the dead-letter sink. */
  parked: number;
  /** Deliveries whose handlers are running or waiting for a retry. */
  inFlight: number;
  ackLatencyMs: { count: number; total: number; max: number };
}

export interface CloseResult {
  /** True when every in-flight delivery finished within the timeout. */
  drained: boolean;
  /** Deliveries still running when the timeout passed. */
  pending: { name: string; id: string }[];
}

/** A response, or a promise of one when a step of the delivery had to wait (see {@link Receiver.receive}). */
export type MaybePromise<T> = T | Promise<T>;

/** What {@link Receiver.replay} did. */
export interface ReplayResult {
  outcome: Outcome;
  /** The answer the delivery would have had (for an event-only letter, the status of the run). */
  status: number;
  /** The handlers' failures when the outcome is `failed`. */
  failures: HandlerFailure[];
}

export interface ProcessOptions {
  /** The number of this call, given to handlers as `context.attempt` (a queue passes its attempts made + 1). */
  attempt?: number;
  /**
   * `in-process` (default): failing handlers are retried here with the receiver's `retry`, then dead-lettered.
   * `once`: each handler is called once (successes remembered, so a retry runs only what failed) and failures are
   * returned: the caller (a queue) retries, and keeps what still fails.
   */
  retries?: 'in-process' | 'once';
  /** The trace context the event's delivery had (a queued job's `trace`): the run's span links to it. */
  trace?: TraceCarrier;
}

export interface Receiver<E extends EventMap = EventMap, TMeta = Record<string, unknown>, TFallback = unknown> {
  /** The provider's name. */
  readonly provider: string;
  /**
   * Register a handler for a routing name or a pattern (`orders/*`, `Order.*`, `*.delete`, `*`). Every matching
   * handler runs; one failing does not stop the others.
   */
  on<P extends (keyof E & string) | (string & {})>(
    pattern: P,
    handler: Handler<EventFor<E, TMeta, P, TFallback>>,
    options?: RegisterOptions<EventFor<E, TMeta, P, TFallback>>,
  ): this;
  /**
   * Handle one delivery; resolves to the response to send. Handlers are scheduled, not awaited (by default). A string
   * body is taken as its UTF-8 bytes.
   */
  handle(delivery: DeliveryInput, options?: HandleOptions): Promise<WebhookResponse>;
  /**
   * {@link handle} for framework adapters: the response itself when no step had to wait (with the memory store and
   * a synchronous provider, every acknowledgement), so the adapter can send it in the same turn; a promise otherwise.
   * It never throws: anything unexpected becomes a 500 `internal_error` response.
   *
   * @example
   * const response = receiver.receive({ method, url, headers, body });
   * if (response instanceof Promise) response.then(send);
   * else send(response);
   */
  receive(delivery: DeliveryInput, options?: HandleOptions): MaybePromise<WebhookResponse>;
  /**
   * For framework adapters: the response to a request refused before it became a delivery (a body too large, too
   * slow, aborted or consumed by another parser). It is counted, reported to `onReceived` and `onRejected`, and logged,
   * as refusals inside the receiver are.
   */
  refuse(error: unknown, request: { method: string; url: string }, options?: HandleOptions): WebhookResponse;
  /** Run the handlers for an event with retries and dead-lettering (what a {@link Dispatcher}'s worker calls). */
  process(
    event: WebhookEvent<string, unknown, TMeta>,
    options?: ProcessOptions,
  ): Promise<{ ok: boolean; failures: HandlerFailure[] }>;
  /**
   * Run a dead letter again. A letter with its delivery goes through every stage with today's secrets, schemas and
   * templates, and its handlers run before this resolves; one with only its event runs the handlers. Dedupe still
   * holds: what was done since stays done. A processed letter is deleted from the sink (when it can delete).
   */
  replay(letter: DeadLetter): Promise<ReplayResult>;
  /** The dead-letter sink in use (the memory one unless `deadLetters` was given). */
  readonly deadLetters: DeadLetterSink;
  /** Check the handler set against the provider's requirements now; throws with what is missing. */
  ready(): void;
  /** Every pattern that has a handler, in registration order. */
  patterns(): string[];
  /** Counters since the receiver was built. */
  stats(): ReceiverStats;
  /**
   * Add an observer (tracing, metrics: `@hookinbox/otel`, `@hookinbox/prometheus`), told where each delivery and each
   * run of handlers starts and ends. Returns a function that removes it. With no observer, observing costs nothing.
   */
  observe(observer: Observer): () => void;
  /** Stop taking deliveries (503 `closing`), wait up to `timeoutMs` for in-flight handlers, report the rest. */
  close(options?: { timeoutMs?: number }): Promise<CloseResult>;
  /** Resolved options, e.g. `limits.bodyBytes` for adapters. */
  readonly options: Readonly<ParsedReceiverOptions>;
}
