/**
 * The platform seam on runtimes without Node built-ins (Cloudflare Workers, Vercel Edge, Deno, browsers): Web Crypto
 * for authentication, `@noble/hashes` where a digest must be synchronous (dedupe keys, the memory store), and
 * `TextEncoder`/`TextDecoder`/`atob`/`btoa` for text and base64. `package.json` `imports` maps `#platform` here under
 * the `workerd`, `worker`, `browser`, `edge-light` and `deno` conditions and by default; `node.ts` serves Node.
 * Nothing here runs when the module loads, since some runtimes refuse crypto and timers outside a request.
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';

const encoder = new TextEncoder();
// ignoreBOM keeps a leading byte order mark in the text, as Node's Buffer#toString does.
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
/** Characters per String.fromCharCode call: well under every engine's argument limit. */
const CHUNK = 0x8000;

export function asBytes(bytes: Uint8Array): Uint8Array {
  return bytes;
}

export function encodeUtf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** UTF-8 text of the bytes; a byte order mark is kept, malformed sequences become U+FFFD. */
export function decodeUtf8(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

/** One byte per character (the low 8 bits). */
export function latin1Bytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

function latin1Text(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i += CHUNK) text += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  return text;
}

export function toBase64(bytes: Uint8Array): string {
  return btoa(latin1Text(bytes));
}

export function fromBase64(text: string): Uint8Array {
  return latin1Bytes(atob(text));
}

function randomBytes(size: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(size));
}

export function randomHex(size: number): string {
  return hex(randomBytes(size));
}

/** SHA-256 of the text's UTF-8 bytes, as 32 one-byte characters. */
export function sha256Latin1(text: string): string {
  return latin1Text(sha256(encoder.encode(text)));
}

function hex(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += byte.toString(16).padStart(2, '0');
  return out;
}

/** SHA-256 of the text's UTF-8 bytes, hex encoded. */
export function sha256HexOf(text: string): string {
  return hex(sha256(encoder.encode(text)));
}

const NUL = new Uint8Array(1);

/** SHA-256 of the parts, each followed by a NUL, hex encoded. */
export function sha256Hex(parts: readonly (string | Uint8Array)[]): string {
  const hash = sha256.create();
  for (const part of parts) {
    hash.update(typeof part === 'string' ? encoder.encode(part) : part);
    hash.update(NUL);
  }
  return hex(hash.digest());
}

/**
 * Constant-time equality of two secrets or signatures of any lengths: both sides are hashed first, so neither the
 * content nor the length of the expected value leaks through timing, and the digests are compared byte by byte
 * without an early exit.
 */
export function safeEqual(a: string | Uint8Array, b: string | Uint8Array): boolean {
  const ha = sha256(typeof a === 'string' ? encoder.encode(a) : a);
  const hb = sha256(typeof b === 'string' ? encoder.encode(b) : b);
  let difference = 0;
  for (let i = 0; i < ha.length; i++) difference |= (ha[i] as number) ^ (hb[i] as number);
  return difference === 0;
}

/**
 * HMAC-SHA256 of the bytes under `secret`, in standard base64, computed at once in JavaScript: for the synchronous
 * helpers (signing a test delivery, computing an event key). Verification goes through {@link hmacSha256Base64}.
 */
export function hmacSha256Base64Sync(body: Uint8Array | string, secret: string): string {
  const bytes = typeof body === 'string' ? encoder.encode(body) : body;
  return toBase64(hmac(sha256, encoder.encode(secret), bytes));
}

/**
 * HMAC-SHA256 under one secret through Web Crypto (`crypto.subtle`), as a function from body to a promise of its base64
 * digest. The key is imported once, on the first body (importing at load time would run outside a request, which
 * Workers refuse for some crypto), and that import is reused for every later body.
 */
export function hmacSha256Base64(secret: string): (body: Uint8Array) => Promise<string> {
  // Web Crypto refuses a zero-length HMAC key, which Node and RFC 2104 accept.
  if (secret === '') return async (body) => hmacSha256Base64Sync(body, secret);
  let key: ReturnType<typeof crypto.subtle.importKey> | undefined;
  return async (body) => {
    key ??= crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    const mac = await crypto.subtle.sign('HMAC', await key, body as Uint8Array<ArrayBuffer>);
    return toBase64(new Uint8Array(mac));
  };
}

/** Runs `task` on a later turn: the runtime's `setImmediate` where it has one, else a zero timeout. */
export function nextTurn(task: () => void): void {
  const immediate = (globalThis as { setImmediate?: (task: () => void) => unknown }).setImmediate;
  if (immediate) immediate(task);
  else setTimeout(task, 0);
}
