import { type HmacSha256, hmacSha256 } from '@hookinbox/core';

/** A SHA-256 digest in base64: 43 characters carry its 32 bytes, padding follows. */
const DIGEST_CHARS = 43;
const PAD = 61; // '='

/**
 * The value Genstore puts in `X-Genstore-Hmac-Sha256`: base64 HMAC-SHA256 of the exact raw body bytes, keyed with
 * the app's client secret. Synchronous on every runtime.
 */
export function computeGenstoreSignature(body: Uint8Array | string, secret: string): string {
  return hmacSha256(body, secret);
}

/**
 * Checks a signature header against every secret in constant time.
 *
 * @returns the index of the secret that matched, or -1 when none did or the header is not the base64 SHA-256 digest
 *   (truncated, padded oddly, hex, url-safe, …).
 */
export function verifyGenstoreSignature(body: Uint8Array, header: string, secrets: readonly string[]): number {
  // One check: preparing pads and a scratch buffer per secret (what the provider does once) would cost more here.
  return verifyWith(
    body,
    header,
    secrets.map((secret) => (bytes: Uint8Array) => hmacSha256(bytes, secret)),
  );
}

/**
 * {@link verifyGenstoreSignature} with each secret's HMAC prepared once (what the provider does at build time).
 * Each `mac` returns its digest in standard base64.
 *
 * The header is compared as text with the digest's base64, which is what Genstore sends: its first 43 characters in
 * constant time, and nothing but padding (none, `=` or `==`) after them. Decoding the header instead would cost a
 * shape check, a decode and a copy per delivery, and accept nothing more from a real sender.
 *
 * @internal
 */
export function verifyWith(body: Uint8Array, header: string, macs: readonly ((body: Uint8Array) => string)[]): number {
  return (matchSignature(body, header, macs) as SignatureMatch).index;
}

/** Which secret signed the body, and the body's HMAC under it (base64), or `-1` and `null`. */
export interface SignatureMatch {
  index: number;
  digest: string | null;
}

const NONE: SignatureMatch = Object.freeze({ index: -1, digest: null });

/**
 * {@link verifyWith}, with the digest that matched (the body's HMAC under that secret, in base64), or `null`: at once
 * when the HMACs answer at once (Node), else as a promise (Web Crypto).
 *
 * @internal
 */
export function matchSignature(
  body: Uint8Array,
  header: string,
  macs: readonly HmacSha256[],
): SignatureMatch | Promise<SignatureMatch> {
  const value = header.trim();
  // A digest's length is public, so refusing any other length first leaks nothing.
  if (value.length > DIGEST_CHARS + 2) return NONE;
  // Equivalent when left out, so marked for mutation testing: a shorter header fails in sameDigest too (charCodeAt
  // past its end is NaN, and NaN ^ c is c, never 0 for a base64 character). Kept so that rests on no such arithmetic.
  // Stryker disable next-line ConditionalExpression: a shorter header fails in sameDigest as well
  if (value.length < DIGEST_CHARS) return NONE;
  for (let i = DIGEST_CHARS; i < value.length; i++) if (value.charCodeAt(i) !== PAD) return NONE;
  let matched = NONE;
  // Every secret is tried, so the time taken does not reveal which one matched.
  for (let i = 0; i < macs.length; i++) {
    const expected = (macs[i] as HmacSha256)(body);
    // Every HMAC of one provider comes from the same runtime: either all answer at once or all with a promise.
    if (typeof expected !== 'string') return matchAll(value, body, macs, expected);
    if (sameDigest(value, expected) && matched.index === -1) matched = { index: i, digest: expected };
  }
  return matched;
}

/** {@link matchSignature} over HMACs that answer with promises, the first one already asked. */
async function matchAll(
  value: string,
  body: Uint8Array,
  macs: readonly HmacSha256[],
  first: Promise<string>,
): Promise<SignatureMatch> {
  const digests = await Promise.all([first, ...macs.slice(1).map((mac) => mac(body))]);
  let matched = NONE;
  for (let i = 0; i < digests.length; i++) {
    const expected = digests[i] as string;
    if (sameDigest(value, expected) && matched.index === -1) matched = { index: i, digest: expected };
  }
  return matched;
}

/**
 * Constant-time equality of the first 43 characters of two strings at least that long: every character is compared,
 * and nothing branches on what they hold.
 */
function sameDigest(received: string, expected: string): boolean {
  let difference = 0;
  for (let i = 0; i < DIGEST_CHARS; i++) difference |= received.charCodeAt(i) ^ expected.charCodeAt(i);
  return difference === 0;
}
