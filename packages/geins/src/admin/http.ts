import {
  PlatformApiError,
  type PlatformApiErrorDetails,
  type PlatformApiFetch,
  type PlatformApiRetryOptions,
  parseRetryAfter,
  platformApiRetrySchema,
} from '@hookinbox/core';

/** Retry policy of the Geins admin client: the shared one of `@hookinbox/core` (`platformApiRetrySchema`). */
export const geinsAdminRetrySchema = platformApiRetrySchema;

export type GeinsAdminRetryOptions = PlatformApiRetryOptions;

/** The `fetch` the clients call: the platform's global one by default. */
export type GeinsAdminFetch = PlatformApiFetch;

/**
 * A call to the Geins Management API that failed: the server answered with a non-2xx status (after retries, for
 * 429 and 5xx), the answer did not have the documented shape, or no answer arrived (`status` 0). The credentials
 * never appear in it: they travel in headers.
 *
 * It is a client-side error, unrelated to the receiver's `HookinboxError`.
 */
export class GeinsAdminError extends PlatformApiError {
  override readonly name = 'GeinsAdminError';
  declare readonly platform: 'geins';

  constructor(message: string, details: PlatformApiErrorDetails) {
    super(message, 'geins', details);
  }
}

/** True for a {@link GeinsAdminError}. */
export function isGeinsAdminError(value: unknown): value is GeinsAdminError {
  return value instanceof GeinsAdminError;
}

/**
 * Milliseconds to wait from a `Retry-After` value: delta-seconds or an HTTP date (RFC 9110 §10.2.3). Undefined
 * when absent or unreadable.
 */
export const parseGeinsRetryAfter = parseRetryAfter;
