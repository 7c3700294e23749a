import { PlatformApiError, type PlatformApiErrorDetails } from '@hookinbox/core';

// Every admin client retries and fails the same way; these names stay for code written against this package.
export {
  type PlatformApiFetch as GenstoreAdminFetch,
  type PlatformApiRetryOptions as GenstoreAdminRetryOptions,
  parseRetryAfter as parseGenstoreRetryAfter,
  platformApiRetrySchema as genstoreAdminRetrySchema,
} from '@hookinbox/core';

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
 * Genstore ids are 64-bit integers sent as JSON numbers; above 2^53 JSON.parse would round them silently. Quoting
 * long `id` values first keeps every digit (ids are normalised to strings anyway).
 */
export function parseGenstoreJson(text: string): unknown {
  return JSON.parse(text.replace(/(?<!\\)"id"(\s*):(\s*)(\d{16,})(?=\s*[,}\]])/g, '"id"$1:$2"$3"'));
}
