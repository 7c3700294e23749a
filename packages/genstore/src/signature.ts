import * as crypto from 'node:crypto';
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

const DIGEST_BYTES = 32;
/**
 * A SHA-256 digest in the standard base64 alphabet: 43 characters, then its padding. Buffer's decoder would skip
 * other characters silently, so the shape is checked first.
 */
const DIGEST_BASE64 = /^[A-Za-z0-9+/]{43}={0,2}$/;
/** Where {@link verifyWith} decodes the header (43 characters are 32 bytes and 2 bits). */
const received = Buffer.alloc(DIGEST_BYTES);

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
 * @returns the index of the secret that matched, or -1 when none did or the header is not a base64 SHA-256 digest
 *   (truncated, padded oddly, hex, …).
 */
export function verifyGenstoreSignature(body: Buffer, header: string, secrets: readonly string[]): number {
  // One check: preparing pads and a scratch buffer per secret (what the provider does once) would cost more here.
  return verifyWith(
    body,
    header,
    secrets.map((secret) => (bytes: Buffer) => createHmac('sha256', secret).update(bytes).digest()),
  );
}

/**
 * {@link verifyGenstoreSignature} with each secret's HMAC prepared once (what the provider does at build time).
 *
 * @internal
 */
export function verifyWith(body: Buffer, header: string, macs: readonly ((body: Buffer) => Buffer)[]): number {
  const value = header.trim();
  // A digest's length is public, so refusing any other length first leaks nothing (timingSafeEqual needs equal ones).
  if (!DIGEST_BASE64.test(value)) return -1;
  // Decoded into a buffer of this module's (verification is synchronous): no allocation per delivery.
  if (received.write(value, 0, 'base64') !== DIGEST_BYTES) return -1;
  let matched = -1;
  // Every secret is tried, so the time taken does not reveal which one matched.
  for (let i = 0; i < macs.length; i++) {
    const expected = (macs[i] as (body: Buffer) => Buffer)(body);
    if (timingSafeEqual(received, expected) && matched === -1) matched = i;
  }
  return matched;
}

const BLOCK = 64;
/** Bodies up to this size are laid out in one reused buffer; larger ones get a buffer of their own. */
const SCRATCH_MAX = 64 * 1024;
type OneShot = (algorithm: string, data: Buffer, outputEncoding: 'latin1') => string;
const oneShot = (crypto as unknown as { hash?: OneShot }).hash;

/**
 * HMAC-SHA256 under one secret (RFC 2104), prepared once: the key's inner and outer pads are derived here, and each
 * body then costs two one-shot SHA-256 digests (`crypto.hash`, Node ≥ 20.12), without the key set-up `createHmac`
 * repeats on every call. Older Node 20 releases use `createHmac`. The result is the same digest either way; the
 * tests compare it with `createHmac` over random keys and bodies.
 *
 * Each digest comes back as a one-byte (`latin1`) string and is written into a buffer this function owns: a digest
 * returned as a Buffer costs a fresh ArrayBuffer, which takes longer to create than the hash of a short input and
 * then weighs on the garbage collector. The Buffer returned is therefore the same on every call, overwritten by the
 * next one: compare it, or copy it, before calling again.
 *
 * @internal
 */
export function hmacSha256(secret: string): (body: Buffer) => Buffer {
  if (oneShot === undefined) return (body) => createHmac('sha256', secret).update(body).digest();
  const hash = oneShot;
  let key = Buffer.from(secret, 'utf8');
  if (key.length > BLOCK) key = createHash('sha256').update(key).digest();
  const outer = Buffer.alloc(BLOCK + DIGEST_BYTES);
  const innerPad = Buffer.alloc(BLOCK);
  for (let i = 0; i < BLOCK; i++) {
    const k = i < key.length ? (key[i] as number) : 0;
    innerPad[i] = k ^ 0x36;
    outer[i] = k ^ 0x5c;
  }
  const result = Buffer.alloc(DIGEST_BYTES);
  let scratch = Buffer.alloc(BLOCK + 2048);
  innerPad.copy(scratch);
  return (body) => {
    const size = BLOCK + body.length;
    let inner: Buffer;
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
    body.copy(inner, BLOCK);
    outer.write(hash('sha256', inner.subarray(0, size), 'latin1'), BLOCK, 'latin1');
    result.write(hash('sha256', outer, 'latin1'), 0, 'latin1');
    return result;
  };
}
