import {
  PlatformApiError,
  type PlatformApiErrorDetails,
  type PlatformApiFetch,
  type PlatformApiRetryOptions,
  parseRetryAfter,
  platformApiRetrySchema,
} from '@hookinbox/core';

/** Retry policy of the Genstore admin client: the shared one of `@hookinbox/core` (`platformApiRetrySchema`). */
export const genstoreAdminRetrySchema = platformApiRetrySchema;

export type GenstoreAdminRetryOptions = PlatformApiRetryOptions;

/** The `fetch` the clients call: the platform's global one by default. */
export type GenstoreAdminFetch = PlatformApiFetch;

/**
 * A call to the Genstore Admin API that failed: the server answered with a non-2xx status (after retries, for
 * 429 and 5xx), the answer did not have the documented shape, or no answer arrived (`status` 0). The access token
 * never appears in it: it travels in a header.
 *
 * It is a client-side error, unrelated to the receiver's `HookinboxError`.
 */
export class GenstoreAdminError extends PlatformApiError {
  override readonly name = 'GenstoreAdminError';
  declare readonly platform: 'genstore';

  constructor(message: string, details: PlatformApiErrorDetails) {
    super(message, 'genstore', details);
  }
}

/** True for a {@link GenstoreAdminError}. */
export function isGenstoreAdminError(value: unknown): value is GenstoreAdminError {
  return value instanceof GenstoreAdminError;
}

/**
 * Milliseconds to wait from a `Retry-After` value: delta-seconds or an HTTP date (RFC 9110 §10.2.3). Undefined
 * when absent or unreadable.
 */
export const parseGenstoreRetryAfter = parseRetryAfter;

/**
 * Genstore ids are 64-bit integers sent as JSON numbers; above 2^53 JSON.parse would round them silently. Quoting
 * long `id` values first keeps every digit (ids are normalised to strings anyway).
 */
export function parseGenstoreJson(text: string): unknown {
  return JSON.parse(text.replace(/(?<!\\)"id"(\s*):(\s*)(\d{16,})(?=\s*[,}\]])/g, '"id"$1:$2"$3"'));
}
