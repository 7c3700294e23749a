import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeGenstoreSignature, hmacSha256, verifyGenstoreSignature } from './signature.js';

// RFC 4231, test case 2: an HMAC-SHA256 vector computed by someone else.
const RFC_KEY = 'Jefe';
const RFC_DATA = 'what do ya want for nothing?';
const RFC_HEX = '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843';

describe('computeGenstoreSignature', () => {
  it('is base64 of HMAC-SHA256 over the body, keyed with the secret (RFC 4231 vector)', () => {
    expect(computeGenstoreSignature(RFC_DATA, RFC_KEY)).toBe(Buffer.from(RFC_HEX, 'hex').toString('base64'));
    expect(computeGenstoreSignature(Buffer.from(RFC_DATA), RFC_KEY)).toBe(
      Buffer.from(RFC_HEX, 'hex').toString('base64'),
    );
  });
});

describe('verifyGenstoreSignature', () => {
  const body = Buffer.from('{"id":1,"name":"Åsa ✓"}');
  const sign = (secret: string) => createHmac('sha256', secret).update(body).digest('base64');

  it('returns the index of the secret that signed the body', () => {
    expect(verifyGenstoreSignature(body, sign('a'), ['a'])).toBe(0);
    expect(verifyGenstoreSignature(body, sign('b'), ['a', 'b', 'c'])).toBe(1);
    expect(verifyGenstoreSignature(body, sign('c'), ['a', 'b', 'c'])).toBe(2);
  });

  it('two configured secrets are equal: the index of the first', () => {
    expect(verifyGenstoreSignature(body, sign('a'), ['b', 'a', 'a'])).toBe(1);
  });

  it('wrong secret among several: -1', () => {
    expect(verifyGenstoreSignature(body, sign('z'), ['a', 'b', 'c'])).toBe(-1);
  });

  it('tampered body: -1', () => {
    const tampered = Buffer.from(body);
    tampered[2] = tampered[2]! ^ 1;
    expect(verifyGenstoreSignature(tampered, sign('a'), ['a'])).toBe(-1);
  });

  it('truncated signature: -1', () => {
    const sig = sign('a');
    expect(verifyGenstoreSignature(body, `${sig.slice(0, 42)}=`, ['a'])).toBe(-1);
    expect(verifyGenstoreSignature(body, sig.slice(0, 40), ['a'])).toBe(-1);
    expect(verifyGenstoreSignature(body, sig.slice(0, 20), ['a'])).toBe(-1);
  });

  it('accepts the signature without its padding, and with surrounding whitespace', () => {
    const sig = sign('a');
    expect(sig).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(verifyGenstoreSignature(body, sig.slice(0, -1), ['a'])).toBe(0);
    expect(verifyGenstoreSignature(body, ` ${sig} `, ['a'])).toBe(0);
  });

  it('not base64: -1 (hex digest, url-safe alphabet, garbage, empty)', () => {
    const hex = createHmac('sha256', 'a').update(body).digest('hex');
    // A secret whose signature uses + or /, so the url-safe spelling differs from the standard one.
    const secret = Array.from({ length: 50 }, (_, i) => `k${i}`).find((k) => /[+/]/.test(sign(k))) as string;
    const urlSafe = sign(secret).replace(/\+/g, '-').replace(/\//g, '_');
    expect(verifyGenstoreSignature(body, sign(secret), [secret])).toBe(0);
    expect(verifyGenstoreSignature(body, urlSafe, [secret])).toBe(-1);
    expect(verifyGenstoreSignature(body, hex, ['a'])).toBe(-1);
    expect(verifyGenstoreSignature(body, '!'.repeat(44), ['a'])).toBe(-1);
    expect(verifyGenstoreSignature(body, '', ['a'])).toBe(-1);
  });

  it('a change to any one of the 43 digest characters: -1', () => {
    const sig = sign('a');
    for (let i = 0; i < 43; i++) {
      const other = sig[i] === 'A' ? 'B' : 'A';
      expect(verifyGenstoreSignature(body, sig.slice(0, i) + other + sig.slice(i + 1), ['a']), `at ${i}`).toBe(-1);
    }
  });

  it('after the 43 digest characters only padding: "==" is accepted, anything else is -1', () => {
    const digits = sign('a').slice(0, 43);
    expect(verifyGenstoreSignature(body, `${digits}==`, ['a'])).toBe(0);
    for (const tail of ['A', '=A', 'A=', '===', '=\u0000']) {
      expect(verifyGenstoreSignature(body, digits + tail, ['a']), JSON.stringify(tail)).toBe(-1);
    }
  });

  it('a longer value that starts with the right signature: -1', () => {
    expect(verifyGenstoreSignature(body, `${sign('a')}AAAA`, ['a'])).toBe(-1);
  });
});

describe('hmacSha256 (the prepared HMAC the provider verifies with)', () => {
  const reference = (secret: string, body: Uint8Array) => createHmac('sha256', secret).update(body).digest('base64');

  it('matches the RFC 4231 vector', () => {
    expect(Buffer.from(hmacSha256(RFC_KEY)(Buffer.from(RFC_DATA)), 'base64').toString('hex')).toBe(RFC_HEX);
  });

  it('equals createHmac for any secret (empty, long, non-ASCII) and any run of bodies of changing sizes', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 100 }),
        fc.array(fc.uint8Array({ maxLength: 3_000 }), { minLength: 1, maxLength: 8 }),
        (secret, bodies) => {
          const mac = hmacSha256(secret);
          for (const body of bodies) {
            expect(mac(Buffer.from(body))).toBe(reference(secret, body));
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('equals createHmac for secrets around the 64-byte block: shorter, exactly, longer (hashed first), multi-byte', () => {
    const body = Buffer.from('{"id":1}');
    for (const secret of ['', 'k', 'x'.repeat(63), 'x'.repeat(64), 'x'.repeat(65), 'ø'.repeat(40), 'y'.repeat(500)]) {
      expect(hmacSha256(secret)(body), `${secret.length} characters`).toBe(reference(secret, body));
    }
  });

  it('equals createHmac for bodies past the reused buffer (64 KiB and more), then small ones again', () => {
    const mac = hmacSha256('s3cret');
    for (const size of [0, 1, 2_000, 2_049, 60_000, 65_472, 65_473, 200_000, 5]) {
      const body = Buffer.alloc(size, size % 251);
      expect(mac(body), `${size} bytes`).toBe(reference('s3cret', body));
    }
  });
});
