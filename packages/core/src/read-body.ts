import type { Readable } from 'node:stream';
import { DRAIN_BYTES, tooLarge } from './body-limits.js';
import { HookinboxError } from './errors.js';

export interface ReadBodyOptions {
  /** Largest body accepted, in bytes. */
  limit: number;
  /** Longest wait for the whole body, in milliseconds. */
  timeoutMs: number;
  /** The request's `content-length` header, when it has one: an oversized body is refused before reading. */
  contentLength?: string | undefined;
  /**
   * After refusing an oversized body, how many more bytes are read and thrown away so that the sender, still
   * writing, sees the 413 instead of a reset connection (default 16 MiB). A body declared larger than that is
   * answered with `connection: close` and not read at all.
   */
  drainBytes?: number;
}

/** Called once with the body, or with the error that ended the read (and an empty Buffer). */
export type ReadBodyCallback = (error: HookinboxError | null, body: Buffer) => void;

/**
 * Reads a request body into one Buffer of its exact bytes. Chunks are only concatenated, never decoded, so
 * multi-byte characters split across chunks survive. Refuses bodies over `limit` without buffering the rest,
 * and senders slower than `timeoutMs`.
 *
 * With a callback (as raw-body takes one), the outcome goes to it and no promise is made: what the adapters use, since
 * a promise per delivery costs a microtask turn on the path to the acknowledgement. The callback is called once, never
 * before `readRawBody` returns, from the stream's own event; an exception it throws is not caught. Without a callback,
 * `readRawBody` returns a promise.
 *
 * @example
 * const body = await readRawBody(req, { limit: 1_048_576, timeoutMs: 10_000, contentLength: req.headers['content-length'] });
 */
export function readRawBody(stream: Readable, options: ReadBodyOptions): Promise<Buffer>;
export function readRawBody(stream: Readable, options: ReadBodyOptions, callback: ReadBodyCallback): void;
export function readRawBody(
  stream: Readable,
  options: ReadBodyOptions,
  callback?: ReadBodyCallback,
): Promise<Buffer> | undefined {
  if (callback === undefined) {
    return new Promise<Buffer>((resolve, reject) => {
      read(stream, options, (error, body) => (error ? reject(error) : resolve(body)));
    });
  }
  read(stream, options, callback);
  return undefined;
}

function read(stream: Readable, options: ReadBodyOptions, callback: ReadBodyCallback): void {
  const { limit, timeoutMs, contentLength, drainBytes = DRAIN_BYTES } = options;
  if (contentLength !== undefined) {
    const declared = Number(contentLength);
    if (declared > limit) {
      const drained = declared <= drainBytes;
      if (drained) discard(stream, drainBytes);
      // Never before readRawBody returns: a callback is always called later.
      process.nextTick(callback, tooLarge(limit, drained), emptyBody());
      return;
    }
  }
  // A second read of a stream still being read shares the first one's outcome.
  const reading = (stream as ReadableWithState)[STATE];
  if (reading) {
    if (reading.waiting) reading.waiting.push(callback);
    else reading.waiting = [callback];
    return;
  }
  const state: ReadState = {
    stream,
    limit,
    timeoutMs,
    drainBytes,
    chunks: [],
    received: 0,
    callback,
    waiting: undefined,
    timer: undefined,
  };
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
}

const STATE = Symbol('hookinbox.readBody');
let noBody: Buffer | undefined;
/**
 * What a callback gets beside an error. Made on first use, not when the module loads: the core's entry loads this
 * module on runtimes that have no `Buffer` (and never call it there).
 */
const emptyBody = (): Buffer => (noBody ??= Buffer.alloc(0));

interface ReadState {
  stream: Readable;
  limit: number;
  timeoutMs: number;
  drainBytes: number;
  chunks: Buffer[];
  received: number;
  callback: ReadBodyCallback;
  /** Later reads of the same stream, told the same outcome. */
  waiting: ReadBodyCallback[] | undefined;
  timer: ReturnType<typeof setTimeout> | undefined;
}

type ReadableWithState = Readable & { [STATE]?: ReadState | undefined };

function finish(state: ReadState, error: HookinboxError | null, body: Buffer = emptyBody()): void {
  const { stream } = state;
  if ((stream as ReadableWithState)[STATE] !== state) return; // settled already
  (stream as ReadableWithState)[STATE] = undefined;
  clearTimeout(state.timer);
  stream.off('data', onData);
  stream.off('end', onEnd);
  stream.off('error', onError);
  stream.off('close', onClose);
  if (error?.code === 'body_too_large') {
    // The rest is read and thrown away (never buffered), so that the sender sees the answer.
    discard(stream, state.drainBytes - state.received);
  } else if (error) {
    // A stalled or broken sender: stop reading.
    stream.pause();
  }
  state.callback(error, body);
  if (state.waiting) for (const waiting of state.waiting) waiting(error, body);
}

function onData(this: ReadableWithState, chunk: Buffer | string): void {
  const state = this[STATE];
  if (!state) return;
  const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
  state.received += buf.length;
  if (state.received > state.limit) {
    finish(state, tooLarge(state.limit, true));
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

/**
 * Read and throw away the rest of a refused body, up to `bound` bytes, then cut the connection. A server that answers
 * before the request ends must do this: closing while the sender still writes resets the connection, and most
 * clients then report the reset, not the answer (RFC 9112, section 9.6).
 */
function discard(stream: Readable, bound: number): void {
  let seen = 0;
  const onData = (chunk: Buffer | string) => {
    seen += chunk.length;
    if (seen > bound) {
      stream.off('data', onData);
      stream.destroy();
    }
  };
  stream.on('data', onData);
  stream.once('end', () => stream.off('data', onData));
  // The sender may give up meanwhile; there is nobody left to tell.
  stream.on('error', noop);
  stream.resume();
}

function noop(): void {}
