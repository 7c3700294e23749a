import { asBytes } from '#platform';
import { DRAIN_BYTES, tooLarge } from './body-limits.js';
import { HookinboxError } from './errors.js';
import type { ReadBodyOptions } from './read-body.js';
import type { RawDelivery } from './types.js';

type Reader = ReadableStreamDefaultReader<Uint8Array>;

/**
 * Reads a Fetch API body (`request.body`) into its exact bytes, as {@link readRawBody} does for a Node stream: the
 * declared `contentLength` is checked first, then the chunks are only concatenated, never decoded. Rejects with a
 * `HookinboxError`: `body_too_large` (413), `body_timeout` (408), `body_aborted` (400), or `body_already_parsed` (500)
 * for a stream another reader holds.
 *
 * An oversized body is never buffered: past the limit its rest is read and thrown away, up to `drainBytes`, while the
 * 413 goes out (a sender still writing sees the answer, not a reset), then the stream is cancelled; a body declared
 * larger than `drainBytes` is cancelled at once and answered with `connection: close`. A stalled body is cancelled
 * after `timeoutMs`. Uses only what every Fetch runtime has (streams, timers, Uint8Array); the last step is
 * {@link asRawBody}.
 *
 * @example
 * const body = await readWebBody(request.body, { limit: 1_048_576, timeoutMs: 10_000, contentLength: request.headers.get('content-length') ?? undefined });
 */
export async function readWebBody(
  stream: ReadableStream<Uint8Array> | null,
  options: ReadBodyOptions,
): Promise<RawDelivery['body']> {
  const { limit, timeoutMs, contentLength, drainBytes = DRAIN_BYTES } = options;
  if (stream?.locked) {
    throw new HookinboxError(
      'body_already_parsed',
      '@hookinbox/core: the request body is being read by something else',
    );
  }
  const declared = contentLength === undefined ? Number.NaN : Number(contentLength);
  if (declared > limit) {
    const drained = declared <= drainBytes;
    if (stream && drained) void discard(stream.getReader(), drainBytes);
    else stream?.cancel().catch(ignore);
    throw tooLarge(limit, drained);
  }
  if (stream === null) return asRawBody(EMPTY);
  const reader = stream.getReader();
  let failure: HookinboxError | undefined;
  // Cancelling ends a pending read with `done`, so the loop below needs no race per chunk.
  const timer = setTimeout(() => {
    failure ??= new HookinboxError(
      'body_timeout',
      `@hookinbox/core: the request body did not arrive within ${timeoutMs} ms`,
    );
    reader.cancel(failure).catch(ignore);
  }, timeoutMs);
  (timer as { unref?: () => void }).unref?.();
  const chunks: Uint8Array[] = [];
  let received = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done || failure) break;
      received += value.byteLength;
      if (received > limit) {
        failure = tooLarge(limit, true);
        void discard(reader, drainBytes - received);
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
 * Bytes as the receiver's body type: on Node a `Buffer` over the same memory (no copy), the type the Node adapters
 * hand over and whose text and base64 paths are Node's fastest; elsewhere the bytes as they are.
 */
export function asRawBody(bytes: Uint8Array): RawDelivery['body'] {
  return asBytes(bytes);
}

/**
 * Read and throw away the rest of a refused body, up to `bound` bytes, then cancel it: the Fetch counterpart of the
 * Node reader's drain (closing while the sender still writes resets the connection, RFC 9112, section 9.6).
 */
async function discard(reader: Reader, bound: number): Promise<void> {
  let seen = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      seen += value.byteLength;
      if (seen > bound) {
        await reader.cancel();
        return;
      }
    }
  } catch {
    // The sender gave up meanwhile; there is nobody left to tell.
  }
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

function ignore(): void {}
