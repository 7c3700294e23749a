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

/**
 * Race `work` against `timeoutMs`, the wait for a pool connection included (pg's own query_timeout starts only once
 * a connection runs the query, and an injected pool may have no connectionTimeoutMillis). Work that loses the race
 * may still complete: `onLate` sees its result, so a late claim can be undone.
 */
export function withTimeout<T>(
  operation: string,
  work: Promise<T>,
  timeoutMs: number,
  detail: () => string,
  onLate?: (value: T) => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => {
      settled = true;
      reject(unavailable(`PostgreSQL did not answer ${operation} within ${timeoutMs} ms${detail()}`));
    }, timeoutMs);
    work.then(
      (value) => {
        if (settled) return onLate?.(value);
        settled = true;
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(failed(operation, error));
      },
    );
  });
}
