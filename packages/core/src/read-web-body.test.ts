import { describe, expect, it } from 'vitest';
import { readWebBody } from './read-web-body.js';

const opts = { limit: 10, timeoutMs: 1_000 };

/** A stream over `chunks` that records what its reader asked of it. */
function source(chunks: Uint8Array[], options: { endless?: boolean; stall?: boolean } = {}) {
  const seen = { pulls: 0, cancelled: undefined as unknown };
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
    expect(body.toString('utf8')).toBe('{€}');
  });

  it('hands providers a Buffer, whose methods they call', async () => {
    const { stream } = source([new TextEncoder().encode('abc')]);
    expect(Buffer.isBuffer(await readWebBody(stream, opts))).toBe(true);
  });

  it('no body (GET, HEAD) is an empty body', async () => {
    expect((await readWebBody(null, opts)).length).toBe(0);
  });

  it('refuses a declared content-length over the limit without reading, and cancels the stream', async () => {
    const { stream, seen } = source([new Uint8Array(11)]);
    await expect(readWebBody(stream, { ...opts, contentLength: '11' })).rejects.toMatchObject({
      code: 'body_too_large',
      status: 413,
    });
    expect(seen.pulls).toBe(0);
    expect(seen.cancelled).toBeUndefined(); // cancel() with no reason
  });

  it('stops at the limit while streaming and cancels the rest of an endless body', async () => {
    const { stream, seen } = source([], { endless: true });
    await expect(readWebBody(stream, opts)).rejects.toMatchObject({ code: 'body_too_large', status: 413 });
    expect(seen.pulls).toBe(2);
    expect(seen.cancelled).toMatchObject({ code: 'body_too_large' });
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
