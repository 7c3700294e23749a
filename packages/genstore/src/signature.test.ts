import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { computeGenstoreSignature, matchSignature, verifyGenstoreSignature } from './signature.js';

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

describe('matchSignature (what the provider verifies with)', () => {
  const body = Buffer.from('{"id":1}');
  const sign = (secret: string) => createHmac('sha256', secret).update(body).digest('base64');
  // The same HMACs answering at once (Node) and with a promise (Web Crypto, on edge runtimes).
  const syncMac = (secret: string) => (bytes: Uint8Array) =>
    createHmac('sha256', secret).update(bytes).digest('base64');
  const asyncMac = (secret: string) => async (bytes: Uint8Array) => syncMac(secret)(bytes);

  it.each([
    ['at once', syncMac],
    ['as a promise', asyncMac],
  ])(
    'answers %s with the index and digest of the first secret that signed the body, every secret tried',
    async (_how, mac) => {
      let calls = 0;
      const counted = (secret: string) => {
        const inner = mac(secret);
        return (bytes: Uint8Array) => {
          calls++;
          return inner(bytes);
        };
      };
      const macs = ['a', 'b', 'b', 'c'].map(counted);
      expect(await matchSignature(body, sign('b'), macs)).toEqual({ index: 1, digest: sign('b') });
      expect(calls).toBe(4);
      expect(await matchSignature(body, ` ${sign('c')} `, macs)).toEqual({ index: 3, digest: sign('c') });
      expect(await matchSignature(body, sign('z'), macs)).toEqual({ index: -1, digest: null });
      const tampered = sign('a').replace(/^./, (c) => (c === 'A' ? 'B' : 'A'));
      expect(await matchSignature(body, tampered, macs)).toEqual({ index: -1, digest: null });
    },
  );

  it('is synchronous when the HMACs are, and a promise when they are', () => {
    expect(matchSignature(body, sign('a'), [syncMac('a')])).toEqual({ index: 0, digest: sign('a') });
    expect(matchSignature(body, sign('a'), [asyncMac('a')])).toBeInstanceOf(Promise);
  });

  it('refuses a header of the wrong shape before computing any HMAC', () => {
    let calls = 0;
    const mac = (bytes: Uint8Array) => {
      calls++;
      return syncMac('a')(bytes);
    };
    expect(matchSignature(body, `${sign('a')}AAAA`, [mac])).toEqual({ index: -1, digest: null });
    expect(matchSignature(body, sign('a').slice(0, 40), [mac])).toEqual({ index: -1, digest: null });
    expect(matchSignature(body, `${sign('a').slice(0, 43)}=x`, [mac])).toEqual({ index: -1, digest: null });
    expect(calls).toBe(0);
  });
});
