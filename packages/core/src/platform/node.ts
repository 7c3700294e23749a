/**
 * The platform seam on Node (and Bun): `node:crypto` and `Buffer`, synchronous. `package.json` `imports` maps
 * `#platform` here under the `node` condition; `web.ts` serves every other runtime. Both export the same functions
 * (a type test checks it), and nothing else in the core imports `node:` modules or touches `Buffer`.
 */
import * as crypto from 'node:crypto';

type OneShot = (algorithm: string, data: string | Uint8Array, outputEncoding: 'latin1' | 'base64' | 'hex') => string;
/** `crypto.hash` (Node ≥ 20.12) is a one-shot digest about twice as fast as `createHash`. */
const oneShot = (crypto as unknown as { hash?: OneShot }).hash;

/** The bytes as a Buffer over the same memory (no copy): Node's fast text and base64 paths are Buffer methods. */
export function asBytes(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function encodeUtf8(text: string): Uint8Array {
  // Stryker disable next-line StringLiteral: Buffer.from reads UTF-8 when the encoding is empty
  return Buffer.from(text, 'utf8');
}

/** UTF-8 text of the bytes; a byte order mark is kept, malformed sequences become U+FFFD. */
export function decodeUtf8(bytes: Uint8Array): string {
  return asBytes(bytes).toString('utf8');
}

/** One byte per character (the low 8 bits), in one native copy. */
export function latin1Bytes(text: string): Uint8Array {
  return Buffer.from(text, 'latin1');
}

export function toBase64(bytes: Uint8Array): string {
  return asBytes(bytes).toString('base64');
}

export function fromBase64(text: string): Uint8Array {
  return Buffer.from(text, 'base64');
}

export function randomHex(size: number): string {
  return crypto.randomBytes(size).toString('hex');
}

/** SHA-256 of the text's UTF-8 bytes, as 32 one-byte characters. */
// Stryker disable all: crypto.hash is on every Node that engines allows (20.19+), and the createHash fallback for
// older ones gives the same digest: a mutant choosing either branch answers the same. (A next-line comment covers
// only the declaration's first line, not the expression the formatter wraps below it.)
export const sha256Latin1: (text: string) => string =
  oneShot !== undefined
    ? (text) => (oneShot as OneShot)('sha256', text, 'latin1')
    : (text) => crypto.createHash('sha256').update(text).digest('binary');
// Stryker restore all

/** SHA-256 of the text's UTF-8 bytes, hex encoded. */
export function sha256HexOf(text: string): string {
  return crypto.createHash('sha256').update(text).digest('hex');
}

/** SHA-256 of the parts, each followed by a NUL, hex encoded. */
export function sha256Hex(parts: readonly (string | Uint8Array)[]): string {
  const hash = crypto.createHash('sha256');
  for (const part of parts) {
    hash.update(part);
    hash.update('\0');
  }
  return hash.digest('hex');
}

/**
 * Constant-time equality of two secrets or signatures of any lengths: both sides are hashed first, so neither the
 * content nor the length of the expected value leaks through timing.
 */
export function safeEqual(a: string | Uint8Array, b: string | Uint8Array): boolean {
  const ha = crypto.createHash('sha256').update(a).digest();
  const hb = crypto.createHash('sha256').update(b).digest();
  return crypto.timingSafeEqual(ha, hb);
}

/** HMAC-SHA256 of the bytes under `secret`, in standard base64, computed at once. */
export function hmacSha256Base64Sync(body: Uint8Array | string, secret: string): string {
  return crypto.createHmac('sha256', secret).update(body).digest('base64');
}

const BLOCK = 64;
const DIGEST_BYTES = 32;
/** Bodies up to this size are laid out in one reused buffer; larger ones get a buffer of their own. */
// Stryker disable next-line ArithmeticOperator: another bound moves where reuse stops, never the digest
const SCRATCH_MAX = 64 * 1024;

/**
 * HMAC-SHA256 under one secret (RFC 2104), prepared once, as a function from body to base64 digest, answered
 * synchronously here (the Web Crypto seam answers with a promise): the key's inner and outer pads are derived here,
 * and each body then costs two one-shot SHA-256 digests (`crypto.hash`, Node ≥ 20.12), without the key set-up
 * `createHmac` repeats on every call. Older Node 20 releases use `createHmac`. The result is the same digest either
 * way; the tests compare it with `createHmac` over random keys and bodies.
 *
 * Both digests come back as strings (the inner one as one-byte `latin1` text, written into the outer block): a
 * digest returned as a Buffer costs a fresh ArrayBuffer, which takes longer to create than the hash of a short input
 * and then weighs on the garbage collector.
 */
export function hmacSha256Base64(secret: string): (body: Uint8Array) => string {
  // Stryker disable next-line all: crypto.hash is on every Node that engines allows (20.19+); this is for older ones
  if (oneShot === undefined) return (body) => hmacSha256Base64Sync(body, secret);
  const hash = oneShot;
  // Stryker disable next-line StringLiteral: Buffer.from reads UTF-8 when the encoding is empty
  let key = Buffer.from(secret, 'utf8');
  if (key.length > BLOCK) key = crypto.createHash('sha256').update(key).digest();
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
    inner.set(body, BLOCK);
    outer.write(hash('sha256', inner.subarray(0, size), 'latin1'), BLOCK, 'latin1');
    return hash('sha256', outer, 'base64');
  };
}

/** Runs `task` on the next turn of the event loop, after pending I/O callbacks. */
export function nextTurn(task: () => void): void {
  setImmediate(task);
}
