import { HookinboxError } from './errors.js';
import type { ReadBodyOptions } from './read-body.js';
import type { RawDelivery } from './types.js';

/**
 * Reads a Fetch API body (`request.body`) into its exact bytes, as {@link readRawBody} does for a Node stream: the
 * declared `contentLength` is checked first, then the chunks are only concatenated, never decoded. At `limit` bytes or
 * after `timeoutMs` the stream is cancelled, so the rest of an oversized or stalled body is never buffered. Rejects with
 * a `HookinboxError`: `body_too_large` (413), `body_timeout` (408) or `body_aborted` (400).
 *
 * Uses only what every Fetch runtime has (streams, timers, Uint8Array); the last step is {@link asRawBody}.
 *
 * @example
 * const body = await readWebBody(request.body, { limit: 1_048_576, timeoutMs: 10_000, contentLength: request.headers.get('content-length') ?? undefined });
 */
export async function readWebBody(
  stream: ReadableStream<Uint8Array> | null,
  options: ReadBodyOptions,
): Promise<RawDelivery['body']> {
  const { limit, timeoutMs, contentLength } = options;
  if (contentLength !== undefined && Number(contentLength) > limit) {
    stream?.cancel().catch(ignore);
    throw tooLarge(limit);
  }
  if (stream === null) return asRawBody(EMPTY);
  if (stream.locked) {
    throw new HookinboxError(
      'body_already_parsed',
      '@hookinbox/core: the request body is being read by something else',
    );
  }
  const reader = stream.getReader();
  let failure: HookinboxError | undefined;
  // Cancelling ends a pending read with `done`, so the loop below needs no race per chunk.
  const stop = (error: HookinboxError) => {
    failure ??= error;
    reader.cancel(error).catch(ignore);
  };
  const timer = setTimeout(
    () =>
      stop(
        new HookinboxError('body_timeout', `@hookinbox/core: the request body did not arrive within ${timeoutMs} ms`),
      ),
    timeoutMs,
  );
  (timer as { unref?: () => void }).unref?.();
  const chunks: Uint8Array[] = [];
  let received = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done || failure) break;
      received += value.byteLength;
      if (received > limit) {
        stop(tooLarge(limit));
        break;
      }
      chunks.push(value);
    }
  } catch (error) {
    failure ??= new HookinboxError('body_aborted', '@hookinbox/core: the request body could not be read', {
      cause: error,
    });
  } finally {
    clearTimeout(timer);
  }
  if (failure) throw failure;
  reader.releaseLock();
  return asRawBody(chunks.length === 1 ? (chunks[0] as Uint8Array) : concat(chunks, received));
}

/**
 * Bytes as the receiver's body type. `RawDelivery.body` is still a Node `Buffer` because providers call its methods
 * (`toString('utf8')`, `copy`); a Buffer over the same memory costs no copy. This is the one place to change when
 * `RawDelivery.body` becomes a plain `Uint8Array` (which a Buffer already is), for runtimes without `Buffer`.
 */
export function asRawBody(bytes: Uint8Array): RawDelivery['body'] {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

const EMPTY = new Uint8Array(0);

function concat(chunks: Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

function tooLarge(limit: number): HookinboxError {
  return new HookinboxError('body_too_large', `@hookinbox/core: the request body is larger than ${limit} bytes`, {
    headers: { connection: 'close' },
  });
}

function ignore(): void {}
