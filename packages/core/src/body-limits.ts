import { HookinboxError } from './errors.js';

/** Default of `ReadBodyOptions.drainBytes`: how much of a refused oversized body is read and thrown away. */
export const DRAIN_BYTES = 16 * 1024 * 1024;

/**
 * `drained`: the rest of the body will be read and thrown away, so the connection can stay open. Otherwise it is
 * closed after the answer (a sender still writing may then see a reset instead of the 413: unavoidable).
 */
export function tooLarge(limit: number, drained: boolean): HookinboxError {
  return new HookinboxError(
    'body_too_large',
    `@hookinbox/core: the request body is larger than ${limit} bytes`,
    drained ? {} : { headers: { connection: 'close' } },
  );
}
