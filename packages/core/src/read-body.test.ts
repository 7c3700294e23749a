import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { HookinboxError } from './errors.js';
import { readRawBody } from './read-body.js';

const opts = { limit: 10, timeoutMs: 1_000 };

describe('readRawBody', () => {
  it('concatenates chunks into the exact bytes', async () => {
    const s = new PassThrough();
    const p = readRawBody(s, opts);
    s.write(Buffer.from([0xe2, 0x82]));
    s.end(Buffer.from([0xac]));
    expect((await p).toString('utf8')).toBe('€');
  });

  it('refuses a declared content-length over the limit before reading', async () => {
    const s = new PassThrough();
    await expect(readRawBody(s, { ...opts, contentLength: '11' })).rejects.toMatchObject({ code: 'body_too_large' });
  });

  it('stops reading once the streamed body passes the limit', async () => {
    const s = new PassThrough();
    const p = readRawBody(s, opts);
    s.write(Buffer.alloc(8));
    s.write(Buffer.alloc(8));
    await expect(p).rejects.toMatchObject({ code: 'body_too_large', status: 413 });
  });

  it('after refusing an oversized body, reads the rest and throws it away, so the sender sees the answer', async () => {
    const s = new PassThrough();
    const p = readRawBody(s, { ...opts, drainBytes: 100 });
    s.write(Buffer.alloc(16));
    await expect(p).rejects.toMatchObject({ code: 'body_too_large' });
    s.write(Buffer.alloc(40));
    s.end(Buffer.alloc(40));
    await new Promise((resolve) => s.once('end', resolve));
    expect(s.readableEnded).toBe(true); // read to its end, not cut off
  });

  it('a refused body longer than drainBytes is cut off once the bound is passed', async () => {
    const s = new PassThrough();
    const p = readRawBody(s, { ...opts, drainBytes: 100 });
    s.write(Buffer.alloc(16));
    await expect(p).rejects.toMatchObject({ code: 'body_too_large' });
    s.write(Buffer.alloc(60));
    s.write(Buffer.alloc(60));
    await new Promise((resolve) => setImmediate(resolve));
    expect(s.destroyed).toBe(true);
    expect(s.readableEnded).toBe(false);
  });

  it('a declared length over drainBytes is refused with connection: close, and nothing is read', async () => {
    const s = new PassThrough();
    const err = await readRawBody(s, { ...opts, drainBytes: 100, contentLength: '101' }).catch((e) => e);
    expect(err).toMatchObject({ code: 'body_too_large', headers: { connection: 'close' } });
    const within = await readRawBody(new PassThrough(), { ...opts, drainBytes: 100, contentLength: '100' }).catch(
      (e) => e,
    );
    expect(within.headers).toBeUndefined();
  });

  it('times out a sender that never finishes', async () => {
    const s = new PassThrough();
    s.write('abc');
    const err = await readRawBody(s, { limit: 10, timeoutMs: 30 }).catch((e) => e);
    expect(err).toBeInstanceOf(HookinboxError);
    expect(err.code).toBe('body_timeout');
    expect(err.status).toBe(408);
  });

  it('an aborted request is body_aborted', async () => {
    const s = new PassThrough();
    const p = readRawBody(s, opts);
    s.write('ab');
    s.destroy();
    await expect(p).rejects.toMatchObject({ code: 'body_aborted' });
  });

  it('a stream error is body_aborted', async () => {
    const s = new PassThrough();
    const p = readRawBody(s, opts);
    s.destroy(new Error('socket hang up'));
    await expect(p).rejects.toMatchObject({ code: 'body_aborted' });
  });

  it('a second read of a stream being read shares the outcome of the first', async () => {
    const s = new PassThrough();
    const first = readRawBody(s, opts);
    const second = readRawBody(s, opts);
    s.end('abc');
    expect((await first).toString()).toBe('abc');
    expect((await second).toString()).toBe('abc');
  });
});

describe('readRawBody with a callback', () => {
  const read = (s: PassThrough, options = opts) =>
    new Promise<{ error: HookinboxError | null; body?: Buffer }>((resolve) => {
      readRawBody(s, options, (error, body) => resolve({ error, body }));
    });

  it('hands over the exact bytes and returns nothing', async () => {
    const s = new PassThrough();
    const outcome = read(s);
    s.write(Buffer.from([0xe2, 0x82]));
    s.end(Buffer.from([0xac]));
    const { error, body } = await outcome;
    expect(error).toBeNull();
    expect(body?.toString('utf8')).toBe('€');
    expect(readRawBody(new PassThrough(), opts, () => {})).toBeUndefined();
  });

  it('a declared content-length over the limit: body_too_large, called after readRawBody returns', async () => {
    const calls: string[] = [];
    const done = new Promise<HookinboxError | null>((resolve) => {
      readRawBody(new PassThrough(), { ...opts, contentLength: '11' }, (error) => {
        calls.push('callback');
        resolve(error);
      });
      calls.push('returned');
    });
    expect((await done)?.code).toBe('body_too_large');
    expect(calls).toEqual(['returned', 'callback']);
  });

  it('a body over the limit, a timeout and an abort each end in their error, once', async () => {
    const big = new PassThrough();
    const tooBig = read(big);
    big.write(Buffer.alloc(8));
    big.write(Buffer.alloc(8));
    expect((await tooBig).error?.code).toBe('body_too_large');

    const slow = new PassThrough();
    slow.write('abc');
    expect((await read(slow, { limit: 10, timeoutMs: 30 })).error?.code).toBe('body_timeout');

    const aborted = new PassThrough();
    let calls = 0;
    const outcome = new Promise<HookinboxError | null>((resolve) => {
      readRawBody(aborted, opts, (error) => {
        calls++;
        resolve(error);
      });
    });
    aborted.destroy(new Error('socket hang up'));
    expect((await outcome)?.code).toBe('body_aborted');
    await new Promise((r) => setTimeout(r, 10));
    expect(calls).toBe(1);
  });
});
