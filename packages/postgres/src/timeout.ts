import { failed, unavailable } from './errors.js';

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
