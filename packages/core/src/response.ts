import { HookinboxError } from './errors.js';
import type { WebhookResponse } from './types.js';

const JSON_TYPE = 'application/json; charset=utf-8';

export const OK_BODY = '{"ok":true}';
export const DUPLICATE_BODY = '{"ok":true,"duplicate":true}';
export const ACCEPTED_BODY = '{"ok":true,"pending":true}';
export const PARKED_BODY = '{"ok":true,"parked":true}';

/** A JSON response; extra headers (Retry-After, Allow, …) are laid over the content type. */
export function respond(status: number, body: string, headers?: Record<string, string>): WebhookResponse {
  return {
    status,
    // A literal, not a spread, on the path every acknowledgement takes; each response still gets its own object.
    headers: headers ? { 'content-type': JSON_TYPE, ...headers } : { 'content-type': JSON_TYPE },
    body,
  };
}

/** Anything thrown, as a {@link HookinboxError}: unexpected errors become `internal_error` (their message unsent). */
export function toHookinboxError(error: unknown, label = '@hookinbox/core'): HookinboxError {
  if (error instanceof HookinboxError) return error;
  return new HookinboxError('internal_error', `${label}: the delivery could not be handled`, { cause: error });
}

/**
 * The response for an error: its status, headers and `{"error":{"code","message"}}` body. Anything that is not a
 * {@link HookinboxError} answers 500 `internal_error`, so no message of an unexpected error reaches the caller.
 */
export function toResponse(error: unknown): WebhookResponse {
  const err = toHookinboxError(error);
  return respond(err.status, JSON.stringify(err.toJSON()), err.headers);
}
