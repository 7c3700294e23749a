import { HookinboxError } from '@hookinbox/core';

/** Every failure of the store, so the receiver answers 503 with Retry-After (or processes, with fail-open). */
export const unavailable = (message: string, cause?: unknown): HookinboxError =>
  new HookinboxError('store_unavailable', `@hookinbox/postgres: ${message}`, cause === undefined ? {} : { cause });

// SQLSTATE 42P01, undefined_table: the commonest first-run mistake deserves its remedy in the message.
const UNDEFINED_TABLE = '42P01';

/** The store_unavailable for an error of `operation`, with a hint when the table was never created. */
export function failed(operation: string, error: unknown): HookinboxError {
  const reason = error instanceof Error ? error.message : String(error);
  const hint =
    (error as { code?: unknown } | null)?.code === UNDEFINED_TABLE
      ? ' (run migrate(pool) from @hookinbox/postgres, or pass createTable: true)'
      : '';
  return unavailable(`${operation} failed: ${reason}${hint}`, error);
}
