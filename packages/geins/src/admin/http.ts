import { PlatformApiError, type PlatformApiErrorDetails } from '@hookinbox/core';

// Every admin client retries and fails the same way; these names stay for code written against this package.
export {
  type PlatformApiFetch as GeinsAdminFetch,
  type PlatformApiRetryOptions as GeinsAdminRetryOptions,
  parseRetryAfter as parseGeinsRetryAfter,
  platformApiRetrySchema as geinsAdminRetrySchema,
} from '@hookinbox/core';

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
