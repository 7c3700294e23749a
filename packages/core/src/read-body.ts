import type { Readable } from 'node:stream';
import { HookinboxError } from './errors.js';

export interface ReadBodyOptions {
  /** Largest body accepted, in bytes. */
  limit: number;
  /** Longest wait for the whole body, in milliseconds. */
  timeoutMs: number;
  /** The request's `content-length` header, when it has one: an oversized body is refused before reading. */
  contentLength?: string | undefined;
}

/**
 * Reads a request body into one Buffer of its exact bytes. Chunks are only concatenated, never decoded, so
 * multi-byte characters split across chunks survive. Refuses bodies over `limit` without buffering the rest,
 * and senders slower than `timeoutMs`.
 */
export function readRawBody(stream: Readable, options: ReadBodyOptions): Promise<Buffer> {
  const { limit, timeoutMs, contentLength } = options;
  if (contentLength !== undefined) {
    const declared = Number(contentLength);
    if (declared > limit) {
      return Promise.reject(tooLarge(limit));
    }
  }
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    let settled = false;

    const finish = (error: HookinboxError | null, body?: Buffer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
      stream.off('close', onClose);
      if (error) {
        // Stop reading: the rest of an oversized or stalled body is never buffered.
        stream.pause();
        reject(error);
      } else {
        resolve(body as Buffer);
      }
    };
    const onData = (chunk: Buffer | string) => {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      received += buf.length;
      if (received > limit) {
        finish(tooLarge(limit));
        return;
      }
      chunks.push(buf);
    };
    const onEnd = () => finish(null, chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, received));
    const onError = (err: Error) =>
      finish(new HookinboxError('body_aborted', '@hookinbox/core: the request body could not be read', { cause: err }));
    const onClose = () =>
      finish(new HookinboxError('body_aborted', '@hookinbox/core: the request was aborted before its body ended'));
    const timer = setTimeout(
      () =>
        finish(
          new HookinboxError('body_timeout', `@hookinbox/core: the request body did not arrive within ${timeoutMs} ms`),
        ),
      timeoutMs,
    );
    timer.unref?.();

    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onError);
    stream.on('close', onClose);
    if (stream.isPaused?.()) stream.resume();
  });
}

function tooLarge(limit: number): HookinboxError {
  return new HookinboxError('body_too_large', `@hookinbox/core: the request body is larger than ${limit} bytes`, {
    headers: { connection: 'close' },
  });
}
