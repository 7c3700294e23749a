import { createHash, createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as node from './node.js';
import * as web from './web.js';

// RFC 4231, test case 2: an HMAC-SHA256 vector computed by someone else.
const RFC_KEY = 'Jefe';
const RFC_DATA = 'what do ya want for nothing?';
const RFC_HEX = '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843';

const reference = (secret: string, body: Uint8Array | string) =>
  createHmac('sha256', secret).update(body).digest('base64');
const hexOf = (base64: string) => Buffer.from(base64, 'base64').toString('hex');

it('both seams export the same functions', () => {
  expect(Object.keys(web).sort()).toEqual(Object.keys(node).sort());
});

// The web seam runs here on Node's own Web Crypto, TextDecoder and atob; test/edge-workerd.test.ts runs it on workerd.
describe.each([
  ['node', node],
  ['web', web],
])('the %s seam', (_name, seam) => {
  describe('hmacSha256Base64 (prepared once per secret)', () => {
    it('matches the RFC 4231 vector', async () => {
      expect(hexOf(await seam.hmacSha256Base64(RFC_KEY)(new TextEncoder().encode(RFC_DATA)))).toBe(RFC_HEX);
    });

    it('equals createHmac for any secret (empty, long, non-ASCII) and any run of bodies of changing sizes', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.string({ unit: 'grapheme', maxLength: 100 }),
          fc.array(fc.uint8Array({ maxLength: 3_000 }), { minLength: 1, maxLength: 8 }),
          async (secret, bodies) => {
            const mac = seam.hmacSha256Base64(secret);
            for (const body of bodies) expect(await mac(body)).toBe(reference(secret, body));
          },
        ),
        { numRuns: 100 },
      );
    });

    it('equals createHmac for secrets around the 64-byte block: shorter, exactly, longer (hashed first), multi-byte', async () => {
      const body = Buffer.from('{"id":1}');
      for (const secret of ['', 'k', 'x'.repeat(63), 'x'.repeat(64), 'x'.repeat(65), 'ø'.repeat(40), 'y'.repeat(500)]) {
        expect(await seam.hmacSha256Base64(secret)(body), `${secret.length} characters`).toBe(reference(secret, body));
      }
    });

    it('equals createHmac for bodies past the reused buffer (64 KiB and more), then small ones again', async () => {
      const mac = seam.hmacSha256Base64('s3cret');
      for (const size of [0, 1, 2_000, 2_049, 60_000, 65_472, 65_473, 200_000, 5]) {
        const body = new Uint8Array(size).fill(size % 251);
        expect(await mac(body), `${size} bytes`).toBe(reference('s3cret', body));
      }
    });

    it('takes a plain Uint8Array view into a larger buffer, not only a Buffer', async () => {
      const backing = new Uint8Array(100).map((_, i) => i);
      const view = backing.subarray(10, 60);
      expect(await seam.hmacSha256Base64('k')(view)).toBe(reference('k', Buffer.from(view)));
    });
  });

  it('hmacSha256Base64Sync answers at once, from bytes or UTF-8 text', () => {
    expect(hexOf(seam.hmacSha256Base64Sync(RFC_DATA, RFC_KEY))).toBe(RFC_HEX);
    expect(seam.hmacSha256Base64Sync(new TextEncoder().encode('Grüße'), 'ø')).toBe(reference('ø', 'Grüße'));
  });

  it('digests: SHA-256 as hex, as 32 one-byte characters, and of NUL-separated parts', () => {
    const sha = (input: string | Uint8Array) => createHash('sha256').update(input);
    expect(seam.sha256HexOf('Grüße')).toBe(sha('Grüße').digest('hex'));
    expect(seam.sha256Latin1('Grüße')).toBe(sha('Grüße').digest('binary'));
    const bytes = new Uint8Array([0, 1, 255]);
    const parts = Buffer.concat([Buffer.from('a\0'), Buffer.from(bytes), Buffer.from('\0')]);
    expect(seam.sha256Hex(['a', bytes])).toBe(sha(parts).digest('hex'));
  });

  it('safeEqual: equal and unequal values, of any lengths, as text or bytes', () => {
    expect(seam.safeEqual('s3cret', 's3cret')).toBe(true);
    expect(seam.safeEqual('s3cret', new TextEncoder().encode('s3cret'))).toBe(true);
    expect(seam.safeEqual('s3cret', 's3creT')).toBe(false);
    expect(seam.safeEqual('s3cret', 's3cret-and-more')).toBe(false);
    expect(seam.safeEqual('', '')).toBe(true);
  });

  it('text: UTF-8 both ways, a byte order mark kept, malformed bytes as U+FFFD, latin1 one byte per character', () => {
    const text = '\uFEFF{"a":"Grüße 🛒"}';
    expect(seam.decodeUtf8(seam.encodeUtf8(text))).toBe(text);
    expect(seam.decodeUtf8(new Uint8Array([0x7b, 0xff, 0x7d]))).toBe('{\uFFFD}');
    expect([...seam.latin1Bytes('a\u00ff1')]).toEqual([0x61, 0xff, 0x31]);
  });

  it('base64 both ways over every byte value, and random values of the asked size', () => {
    const bytes = new Uint8Array(256 * 3).map((_, i) => i % 256);
    expect(seam.toBase64(bytes)).toBe(Buffer.from(bytes).toString('base64'));
    expect([...seam.fromBase64(seam.toBase64(bytes))]).toEqual([...bytes]);
    expect(seam.randomHex(4)).toMatch(/^[0-9a-f]{8}$/);
    expect(seam.randomHex(16)).not.toBe(seam.randomHex(16));
  });

  it('asBytes keeps the same bytes without copying', () => {
    const backing = new Uint8Array([1, 2, 3, 4]);
    const view = seam.asBytes(backing.subarray(1, 3));
    backing[1] = 9;
    expect([...view]).toEqual([9, 3]);
  });

  it('nextTurn runs the task after the current turn', async () => {
    const order: string[] = [];
    await new Promise<void>((resolve) => {
      seam.nextTurn(() => {
        order.push('task');
        resolve();
      });
      order.push('now');
    });
    expect(order).toEqual(['now', 'task']);
  });
});
