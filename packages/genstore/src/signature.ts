import { createHmac, timingSafeEqual } from 'node:crypto';

/** Standard base64 alphabet; Buffer.from would silently skip other characters. */
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const DIGEST_BYTES = 32;

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
  const value = header.trim();
  if (!BASE64.test(value)) return -1;
  const received = Buffer.from(value, 'base64');
  // timingSafeEqual needs equal lengths; a digest's length is public, so checking it first leaks nothing.
  if (received.length !== DIGEST_BYTES) return -1;
  let matched = -1;
  // Every secret is tried, so the time taken does not reveal which one matched.
  for (let i = 0; i < secrets.length; i++) {
    const expected = createHmac('sha256', secrets[i] as string)
      .update(body)
      .digest();
    if (timingSafeEqual(received, expected) && matched === -1) matched = i;
  }
  return matched;
}
