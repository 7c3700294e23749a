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
  // A second read of a stream still being read shares the first one's outcome.
  const reading = (stream as ReadableWithState)[STATE];
  if (reading) return reading.promise;
  const state: ReadState = {
    stream,
    limit,
    timeoutMs,
    chunks: [],
    received: 0,
    resolve: settled,
    reject: settled,
    timer: undefined,
    promise: undefined as unknown as Promise<Buffer>,
  };
  state.promise = new Promise<Buffer>((resolve, reject) => {
    state.resolve = resolve;
    state.reject = reject;
    (stream as ReadableWithState)[STATE] = state;
    // One set of listeners shared by every request, with the per-request state on the stream: no closures to allocate
    // per request on the hot path.
    state.timer = setTimeout(onTimeout, timeoutMs, state);
    state.timer.unref?.();
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onError);
    stream.on('close', onClose);
    if (stream.isPaused?.()) stream.resume();
  });
  return state.promise;
}

const STATE = Symbol('hookinbox.readBody');
const settled = () => {};

interface ReadState {
  stream: Readable;
  limit: number;
  timeoutMs: number;
  chunks: Buffer[];
  received: number;
  resolve: (body: Buffer) => void;
  reject: (error: HookinboxError) => void;
  timer: ReturnType<typeof setTimeout> | undefined;
  promise: Promise<Buffer>;
}

type ReadableWithState = Readable & { [STATE]?: ReadState | undefined };

function finish(state: ReadState, error: HookinboxError | null, body?: Buffer): void {
  const { stream } = state;
  if ((stream as ReadableWithState)[STATE] !== state) return; // settled already
  (stream as ReadableWithState)[STATE] = undefined;
  clearTimeout(state.timer);
  stream.off('data', onData);
  stream.off('end', onEnd);
  stream.off('error', onError);
  stream.off('close', onClose);
  if (error) {
    // Stop reading: the rest of an oversized or stalled body is never buffered.
    stream.pause();
    state.reject(error);
  } else {
    state.resolve(body as Buffer);
  }
}

function onData(this: ReadableWithState, chunk: Buffer | string): void {
  const state = this[STATE];
  if (!state) return;
  const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
  state.received += buf.length;
  if (state.received > state.limit) {
    finish(state, tooLarge(state.limit));
    return;
  }
  state.chunks.push(buf);
}

function onEnd(this: ReadableWithState): void {
  const state = this[STATE];
  if (!state) return;
  const { chunks } = state;
  finish(state, null, chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, state.received));
}

function onError(this: ReadableWithState, err: Error): void {
  const state = this[STATE];
  if (!state) return;
  finish(
    state,
    new HookinboxError('body_aborted', '@hookinbox/core: the request body could not be read', { cause: err }),
  );
}

function onClose(this: ReadableWithState): void {
  const state = this[STATE];
  if (!state) return;
  finish(state, new HookinboxError('body_aborted', '@hookinbox/core: the request was aborted before its body ended'));
}

function onTimeout(state: ReadState): void {
  finish(
    state,
    new HookinboxError('body_timeout', `@hookinbox/core: the request body did not arrive within ${state.timeoutMs} ms`),
  );
}

function tooLarge(limit: number): HookinboxError {
  return new HookinboxError('body_too_large', `@hookinbox/core: the request body is larger than ${limit} bytes`, {
    headers: { connection: 'close' },
  });
}
