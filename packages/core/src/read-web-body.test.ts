import { describe, expect, it, vi } from 'vitest';
import { readWebBody } from './read-web-body.js';

const opts = { limit: 10, timeoutMs: 1_000 };

/** A stream over `chunks` that records what its reader asked of it. */
function source(chunks: Uint8Array[], options: { endless?: boolean; stall?: boolean } = {}) {
  const seen = { pulls: 0, cancelled: false as unknown };
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        seen.pulls++;
        if (options.stall) return new Promise<void>(() => {});
        const next = chunks.shift() ?? (options.endless ? new Uint8Array(8) : undefined);
        if (next) controller.enqueue(next);
        else controller.close();
      },
      cancel(reason) {
        seen.cancelled = reason;
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, seen };
}

describe('readWebBody', () => {
  it('concatenates chunks into the exact bytes: a character split across chunks survives', async () => {
    const { stream } = source([new Uint8Array([0x7b, 0xe2, 0x82]), new Uint8Array([0xac, 0x7d])]);
    const body = await readWebBody(stream, opts);
    expect(Buffer.from(body).toString('utf8')).toBe('{€}');
  });

  it('hands providers a Buffer, whose methods they call', async () => {
    const { stream } = source([new TextEncoder().encode('abc')]);
    expect(Buffer.isBuffer(await readWebBody(stream, opts))).toBe(true);
  });

  it('no body (GET, HEAD) is an empty body', async () => {
    expect((await readWebBody(null, opts)).length).toBe(0);
  });

  it('refuses a declared content-length over the limit at once, then reads the rest to throw it away', async () => {
    const { stream, seen } = source([new Uint8Array(8), new Uint8Array(8)]);
    const error = await readWebBody(stream, { ...opts, contentLength: '16' }).catch((e) => e);
    expect(error).toMatchObject({ code: 'body_too_large', status: 413 });
    // The connection stays open: the sender, still writing, gets to read the 413.
    expect(error.headers).toBeUndefined();
    await vi.waitFor(() => expect(seen.pulls).toBe(3));
    expect(seen.cancelled).toBe(false);
  });

  it('a body declared larger than drainBytes is cancelled unread and answered with connection: close', async () => {
    const { stream, seen } = source([new Uint8Array(8)]);
    const error = await readWebBody(stream, { ...opts, contentLength: '100', drainBytes: 64 }).catch((e) => e);
    expect(error).toMatchObject({ code: 'body_too_large', headers: { connection: 'close' } });
    expect(seen.pulls).toBe(0);
    expect(seen.cancelled).toBeUndefined(); // cancel() with no reason
  });

  it('stops buffering at the limit while streaming, throws away up to drainBytes more, then cancels', async () => {
    const { stream, seen } = source([], { endless: true });
    const error = await readWebBody(stream, { ...opts, drainBytes: 32 }).catch((e) => e);
    expect(error).toMatchObject({ code: 'body_too_large', status: 413 });
    expect(error.headers).toBeUndefined();
    // 16 bytes read (over the limit of 10), then 8-byte chunks thrown away until more than 32 - 16 more went by.
    await vi.waitFor(() => expect(seen.cancelled).toBeUndefined());
    expect(seen.pulls).toBe(5);
  });

  it('times out a sender that never finishes, and cancels its stream', async () => {
    const { stream, seen } = source([], { stall: true });
    await expect(readWebBody(stream, { limit: 10, timeoutMs: 30 })).rejects.toMatchObject({
      code: 'body_timeout',
      status: 408,
    });
    expect(seen.cancelled).toMatchObject({ code: 'body_timeout' });
  });

  it('a stream that errors (the client went away) is body_aborted', async () => {
    const stream = new ReadableStream({
      start(controller) {
        controller.error(new Error('socket hang up'));
      },
    });
    await expect(readWebBody(stream, opts)).rejects.toMatchObject({ code: 'body_aborted', status: 400 });
  });

  it('a stream another reader holds is body_already_parsed', async () => {
    const { stream } = source([new Uint8Array(1)]);
    stream.getReader();
    await expect(readWebBody(stream, opts)).rejects.toMatchObject({ code: 'body_already_parsed', status: 500 });
  });
});
