import type { EventFor } from './match.js';
import type { ParsedReceiverOptions } from './options.js';
import type { DedupeStore } from './store.js';
import type { EventMap, Handler, Logger, Provider, RawDelivery, WebhookEvent, WebhookResponse } from './types.js';

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
export interface Dispatcher<TEvent extends WebhookEvent<string, unknown, any> = WebhookEvent> {
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
}

export type ProviderEvents<P> = P extends Provider<infer E, any> ? E : EventMap;
export type ProviderMeta<P> = P extends Provider<any, infer M> ? M : Record<string, unknown>;
export type ProviderFallback<P> = P extends Provider<any, any, infer F> ? F : unknown;
export type ProviderEvent<P> = WebhookEvent<string, unknown, ProviderMeta<P>>;

export interface HandleOptions {
  /** Logger for this delivery (the Fastify adapter passes `request.log`). */
  logger?: Logger;
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
  /** Handle one delivery; resolves to the response to send. Handlers are scheduled, not awaited (by default). */
  handle(delivery: RawDelivery, options?: HandleOptions): Promise<WebhookResponse>;
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
  receive(delivery: RawDelivery, options?: HandleOptions): MaybePromise<WebhookResponse>;
  /**
   * For framework adapters: the response to a request refused before it became a delivery (a body too large, too
   * slow, aborted or consumed by another parser). It is counted, reported to `onReceived` and `onRejected`, and logged,
   * as refusals inside the receiver are.
   */
  refuse(error: unknown, request: { method: string; url: string }, options?: HandleOptions): WebhookResponse;
  /** Run the handlers for an event with retries and dead-lettering (what a custom {@link Dispatcher}'s worker calls). */
  process(event: WebhookEvent<string, unknown, TMeta>): Promise<{ ok: boolean; failures: HandlerFailure[] }>;
  /** Check the handler set against the provider's requirements now; throws with what is missing. */
  ready(): void;
  /** Every pattern that has a handler, in registration order. */
  patterns(): string[];
  /** Counters since the receiver was built. */
  stats(): ReceiverStats;
  /** Stop taking deliveries (503 `closing`), wait up to `timeoutMs` for in-flight handlers, report the rest. */
  close(options?: { timeoutMs?: number }): Promise<CloseResult>;
  /** Resolved options, e.g. `limits.bodyBytes` for adapters. */
  readonly options: Readonly<ParsedReceiverOptions>;
}
