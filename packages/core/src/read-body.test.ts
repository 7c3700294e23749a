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
});
