/** Request headers with lower-case names, as Node's `IncomingMessage.headers` has them. */
export type Headers = Record<string, string | string[] | undefined>;

/**
 * A delivery exactly as it arrived: what every adapter hands the core. `body` holds the exact raw bytes; nothing
 * has parsed or re-encoded them.
 */
export interface RawDelivery {
  method: string;
  /** Path and query as received, e.g. `/webhooks/geins/Order?action=create`. */
  url: string;
  headers: Headers;
  /** A Node `Buffer` from the Node adapters (a Buffer is a Uint8Array), a plain `Uint8Array` on other runtimes. */
  body: Uint8Array;
}

/** A delivery handed to `receiver.handle()`: the body may also be a string, taken as its UTF-8 bytes. */
export type DeliveryInput = Omit<RawDelivery, 'body'> & { body: RawDelivery['body'] | string };

/**
 * What a provider makes of an authentic delivery, before its payload is validated against a schema.
 */
export interface VerifiedDelivery<TMeta = Record<string, unknown>> {
  /** Routing name: a Genstore topic (`orders/create`) or a Geins `Entity.action`. */
  name: string;
  /** Stable key for deduplication: the same for every retry of one event. */
  dedupeKey: string;
  /** The parsed, not yet validated payload. */
  payload: unknown;
  /** Provider specific metadata (shop, timestamps, ids). */
  meta: TMeta;
  /**
   * Set when the delivery is authentic but cannot be processed (a body that is not JSON, that does not match the
   * configured template): why, in a few words. The receiver parks it (see `DeadLetter`) instead of refusing it, since
   * the provider would only resend the same bytes. `name` may then be empty, and `payload` is not used.
   */
  unprocessable?: string;
}

/** How {@link Provider.verify} is called. */
export interface VerifyOptions {
  /**
   * The delivery was authenticated when it first arrived and was kept redacted (see {@link Provider.redact}): check
   * everything but the credential it no longer carries.
   */
  authenticated?: boolean;
}

/** The part of a zod schema the core uses; any schema with `safeParse` fits. */
export interface PayloadSchema<T = unknown> {
  safeParse(value: unknown): { success: true; data: T } | { success: false; error: unknown };
}

/**
 * A provider authenticates and parses deliveries of one platform. The core never mentions a platform: everything
 * platform specific lives behind this contract.
 *
 * @typeParam TEvents - routing name → payload type, used to type handlers.
 * @typeParam TMeta - the metadata every event of this provider carries.
 * @typeParam TFallback - the payload type of names outside `TEvents` (and of the catch-all `*`).
 */
export interface Provider<TEvents extends EventMap = EventMap, TMeta = Record<string, unknown>, TFallback = unknown> {
  /** Short name, e.g. `genstore`; used in logs and on events. */
  readonly name: string;
  /**
   * Authenticate and parse. Throw a {@link HookinboxError} to refuse the delivery (401, 400, …); return the
   * verified delivery otherwise. Authentication must come first: an unauthenticated body is never parsed.
   */
  verify(delivery: RawDelivery, options?: VerifyOptions): VerifiedDelivery<TMeta> | Promise<VerifiedDelivery<TMeta>>;
  /**
   * The delivery without its credentials (a shared secret in a header or the query), as a dead letter keeps it: a
   * secret must not rest in a database or a queue. A provider whose deliveries carry no secret (a signature is none)
   * leaves this out, and a replay authenticates again with the current secrets. One that redacts is later given the
   * redacted delivery with `{ authenticated: true }`: it was authenticated when it arrived.
   */
  redact?(delivery: RawDelivery): RawDelivery;
  /** The schema for a routing name, if the provider has one. Returning undefined accepts the payload as is. */
  schemaFor?(name: string): PayloadSchema | undefined;
  /**
   * Called once when the first delivery arrives or `receiver.ready()` is called, with every name or pattern that
   * has a handler. Throw to refuse to start (e.g. a missing compliance handler).
   */
  checkHandlers?(patterns: readonly string[]): void;
  /** Phantom field carrying the event map for type inference; never set at run time. */
  readonly __events?: TEvents;
  /** Phantom field carrying the metadata type for type inference; never set at run time. */
  readonly __meta?: TMeta;
  /** Phantom field carrying the fallback payload type for type inference; never set at run time. */
  readonly __fallback?: TFallback;
}

/** Routing name → payload type. */
export type EventMap = Record<string, unknown>;

/** An authenticated, validated event, as a handler receives it. */
export interface WebhookEvent<TName extends string = string, TPayload = unknown, TMeta = Record<string, unknown>> {
  /** The provider's name, e.g. `genstore`. */
  provider: string;
  /** Routing name, e.g. `orders/create` or `Order.create`. */
  name: TName;
  /** The dedupe key: identical for every retry of the same event. */
  id: string;
  payload: TPayload;
  meta: TMeta;
  /** When hookinbox received the delivery. */
  receivedAt: Date;
}

/** Context for one handler call. */
export interface HandlerContext {
  /** 1 on the first call, 2 on the first retry, … */
  attempt: number;
  /** Aborted when the receiver is closed and its timeout passes; long handlers may stop early. */
  signal: AbortSignal;
  logger: Logger;
}

export type Handler<E extends WebhookEvent<string, unknown, any> = WebhookEvent> = (
  event: E,
  context: HandlerContext,
) => unknown;

/** pino-compatible logger; the Fastify adapter passes `request.log`. */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** A framework-neutral response; adapters only copy it to the wire. */
export interface WebhookResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}
