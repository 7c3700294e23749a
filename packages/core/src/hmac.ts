import * as platform from '#platform';

/** A prepared HMAC: body bytes → base64 digest, at once on Node, as a promise where it runs through Web Crypto. */
export type HmacSha256 = (body: Uint8Array) => string | Promise<string>;

/**
 * HMAC-SHA256 under one secret, prepared once for many bodies, as a function from body to its digest in standard
 * base64. On Node it answers synchronously (the key's pads derived once, two one-shot digests per body); on runtimes
 * without Node built-ins it answers with a promise through Web Crypto (`crypto.subtle`), the key imported once. A
 * provider checks `typeof digest === 'string'` and stays synchronous when it can.
 *
 * @example
 * const mac = createHmacSha256(secret);
 * const digest = mac(delivery.body);
 * const expected = typeof digest === 'string' ? digest : await digest;
 */
export function createHmacSha256(secret: string): HmacSha256 {
  return platform.hmacSha256Base64(secret);
}

/**
 * HMAC-SHA256 of a body (bytes, or text taken as UTF-8) under `secret`, in standard base64, synchronously on every
 * runtime (in JavaScript where Node's `crypto` is missing): for signing test deliveries and computing keys, not for
 * verifying many deliveries (use {@link createHmacSha256}).
 */
export function hmacSha256(body: Uint8Array | string, secret: string): string {
  return platform.hmacSha256Base64Sync(body, secret);
}
