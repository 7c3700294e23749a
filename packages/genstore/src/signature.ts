import * as crypto from 'node:crypto';
import { createHash, createHmac } from 'node:crypto';

/** A SHA-256 digest in base64: 43 characters carry its 32 bytes, padding follows. */
const DIGEST_CHARS = 43;
const DIGEST_BYTES = 32;
const PAD = 61; // '='

/**
 * The value Genstore puts in `X-Genstore-Hmac-Sha256`: base64 HMAC-SHA256 of the exact raw body bytes, keyed with
 * the app's client secret.
 */
export function computeGenstoreSignature(body: Buffer | string, secret: string): string {
  return createHmac('sha256', secret).update(body).digest('base64');
}

/**
 * Checks a signature header against every secret in constant time.
 *
 * @returns the index of the secret that matched, or -1 when none did or the header is not the base64 SHA-256 digest
 *   (truncated, padded oddly, hex, url-safe, …).
 */
export function verifyGenstoreSignature(body: Buffer, header: string, secrets: readonly string[]): number {
  // One check: preparing pads and a scratch buffer per secret (what the provider does once) would cost more here.
  return verifyWith(
    body,
    header,
    secrets.map((secret) => (bytes: Buffer) => createHmac('sha256', secret).update(bytes).digest('base64')),
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
export function verifyWith(body: Buffer, header: string, macs: readonly ((body: Buffer) => string)[]): number {
  return matchSignature(body, header, macs).index;
}

/**
 * {@link verifyWith}, with the digest that matched (the body's HMAC under that secret, in base64), or `null`.
 *
 * @internal
 */
export function matchSignature(
  body: Buffer,
  header: string,
  macs: readonly ((body: Buffer) => string)[],
): { index: number; digest: string | null } {
  const none = { index: -1, digest: null };
  const value = header.trim();
  // A digest's length is public, so refusing any other length first leaks nothing.
  if (value.length > DIGEST_CHARS + 2) return none;
  // Equivalent when left out, so marked for mutation testing: a shorter header fails in sameDigest too (charCodeAt
  // past its end is NaN, and NaN ^ c is c, never 0 for a base64 character). Kept so that rests on no such arithmetic.
  // Stryker disable next-line ConditionalExpression: a shorter header fails in sameDigest as well
  if (value.length < DIGEST_CHARS) return none;
  for (let i = DIGEST_CHARS; i < value.length; i++) if (value.charCodeAt(i) !== PAD) return none;
  let matched: { index: number; digest: string | null } = none;
  // Every secret is tried, so the time taken does not reveal which one matched.
  for (let i = 0; i < macs.length; i++) {
    const expected = (macs[i] as (body: Buffer) => string)(body);
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

const BLOCK = 64;
/** Bodies up to this size are laid out in one reused buffer; larger ones get a buffer of their own. */
// Stryker disable next-line ArithmeticOperator: another bound moves where reuse stops, never the digest
const SCRATCH_MAX = 64 * 1024;
type OneShot = (algorithm: string, data: Buffer, outputEncoding: 'latin1' | 'base64') => string;
const oneShot = (crypto as unknown as { hash?: OneShot }).hash;

/**
 * HMAC-SHA256 under one secret (RFC 2104), prepared once, as a function from body to base64 digest: the key's inner
 * and outer pads are derived here, and each body then costs two one-shot SHA-256 digests (`crypto.hash`,
 * Node ≥ 20.12), without the key set-up `createHmac` repeats on every call. Older Node 20 releases use `createHmac`.
 * The result is the same digest either way; the tests compare it with `createHmac` over random keys and bodies.
 *
 * Both digests come back as strings (the inner one as one-byte `latin1` text, written into the outer block): a
 * digest returned as a Buffer costs a fresh ArrayBuffer, which takes longer to create than the hash of a short input
 * and then weighs on the garbage collector.
 *
 * @internal
 */
export function hmacSha256(secret: string): (body: Buffer) => string {
  // Stryker disable next-line all: crypto.hash is on every Node that engines allows (20.19+); this is for older ones
  if (oneShot === undefined) return (body) => createHmac('sha256', secret).update(body).digest('base64');
  const hash = oneShot;
  // Stryker disable next-line StringLiteral: Buffer.from reads UTF-8 when the encoding is empty
  let key = Buffer.from(secret, 'utf8');
  if (key.length > BLOCK) key = createHash('sha256').update(key).digest();
  const outer = Buffer.alloc(BLOCK + DIGEST_BYTES);
  const innerPad = Buffer.alloc(BLOCK);
  // A 65th pass would write past innerPad's end (ignored) and into outer[64], which the inner digest overwrites.
  // Stryker disable next-line EqualityOperator: a 65th pass changes no byte that is hashed
  for (let i = 0; i < BLOCK; i++) {
    // Stryker disable next-line ConditionalExpression,EqualityOperator: past the key, undefined ^ pad is 0 ^ pad
    const k = i < key.length ? (key[i] as number) : 0;
    innerPad[i] = k ^ 0x36;
    outer[i] = k ^ 0x5c;
  }
  let scratch = Buffer.alloc(BLOCK + 2048);
  innerPad.copy(scratch);
  return (body) => {
    const size = BLOCK + body.length;
    let inner: Buffer;
    // Stryker disable ConditionalExpression,EqualityOperator: which buffer holds pad and body changes no digest
    if (size <= scratch.length) {
      inner = scratch;
    } else if (size <= SCRATCH_MAX) {
      scratch = Buffer.alloc(size);
      innerPad.copy(scratch);
      inner = scratch;
    } else {
      inner = Buffer.allocUnsafe(size);
      innerPad.copy(inner);
    }
    // Stryker restore ConditionalExpression,EqualityOperator
    body.copy(inner, BLOCK);
    outer.write(hash('sha256', inner.subarray(0, size), 'latin1'), BLOCK, 'latin1');
    return hash('sha256', outer, 'base64');
  };
}
