/**
 * Every way hookinbox refuses a delivery, with its HTTP status. Codes are stable: apps and dashboards may match on
 * them. The README lists them all.
 */
export const ERROR_CODES = {
  /** The body is larger than `limits.bodyBytes`. */
  body_too_large: 413,
  /** The sender did not finish the body within `limits.bodyTimeoutMs`. */
  body_timeout: 408,
  /** The request was aborted before its body was complete. */
  body_aborted: 400,
  /** The body was consumed by a body parser mounted before hookinbox, and no raw copy was saved. */
  body_already_parsed: 500,
  /** A header the provider requires is absent. */
  missing_header: 400,
  /** The signature header is absent (signed providers). */
  missing_signature: 401,
  /** The signature does not match the raw body under any configured secret. */
  invalid_signature: 401,
  /** The shared secret is absent or wrong (unsigned providers). */
  unauthorized: 401,
  /** The body is not what the provider sends (not JSON, too deeply nested, not an object). */
  invalid_body: 400,
  /** The delivery is older than the provider's configured maximum age. */
  stale_delivery: 400,
  /** The HTTP method is not one the provider delivers with. */
  method_not_allowed: 405,
  /** A copy of this delivery is being handled right now (after-handlers mode); retry later. */
  in_flight: 409,
  /** A handler failed (after-handlers mode); the claim was released so the provider's retry is processed. */
  handler_failed: 500,
  /** The dedupe store did not answer in time or failed; retry later. */
  store_unavailable: 503,
  /** The dispatcher (a durable queue) did not take the event; nothing was acknowledged, retry later. */
  queue_unavailable: 503,
  /** An authentic delivery that cannot be processed could not be parked in the dead-letter sink; retry later. */
  dead_letter_unavailable: 503,
  /** The receiver is shutting down; retry later. */
  closing: 503,
  /** Something unexpected went wrong inside hookinbox. */
  internal_error: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface HookinboxErrorOptions {
  /** Extra response headers, e.g. `Retry-After`. */
  headers?: Record<string, string>;
  cause?: unknown;
}

/**
 * The one error class of hookinbox. `code` is stable, `status` is the HTTP status it answers with, and `message`
 * is safe to send to the caller: it never contains a secret or a signature.
 */
export class HookinboxError extends Error {
  override readonly name = 'HookinboxError';
  readonly code: ErrorCode;
  readonly status: number;
  readonly headers: Record<string, string> | undefined;

  constructor(code: ErrorCode, message: string, options: HookinboxErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = ERROR_CODES[code];
    this.headers = options.headers;
  }

  /** The JSON body sent to the caller. */
  toJSON(): { error: { code: ErrorCode; message: string } } {
    return { error: { code: this.code, message: this.message } };
  }
}

export function isHookinboxError(value: unknown): value is HookinboxError {
  return value instanceof HookinboxError;
}
