import { computeGenstoreSignature } from './signature.js';

/** 22 base64 characters: the first 132 bits of the 256-bit HMAC. */
const KEY_CHARS = 22;

/**
 * The default dedupe key, from what the signature covers: `genstore:hmac:<topic>:<the first 22 base64 characters of
 * the body's HMAC>`, the HMAC being the digest that verified the delivery's signature.
 *
 * The HMAC is a digest of the body, already computed to verify it, so the key follows the body at no cost, where a
 * SHA-256 of the body itself would read the body once more (a quarter of a delivery's cost, counted in instructions).
 * Only its first half goes into the key, which is stored and logged: that is not a valid signature, and the half that
 * stays unknown is itself a 128-bit MAC of the body (the truncation RFC 4868 uses for HMAC-SHA-256), so a key never helps
 * anyone sign a body; 132 bits keep distinct bodies apart. The key depends on the secret Genstore signed with: a retry
 * Genstore signs with a new client secret, after a rotation, gets a new key (SECURITY.md).
 *
 * @internal
 */
export function eventKey(topic: string, bodyMac: string): string {
  return `genstore:hmac:${topic}:${bodyMac.slice(0, KEY_CHARS)}`;
}

/**
 * The event id (dedupe key) the provider gives a delivery of `body` on `topic`, signed with `secret`: to find an event
 * by its delivery, or to check a store in tests.
 *
 * @example
 * genstoreEventKey('orders/create', rawBody, process.env.GENSTORE_CLIENT_SECRET!); // 'genstore:hmac:orders/create:…'
 */
export function genstoreEventKey(topic: string, body: Uint8Array | string, secret: string): string {
  return eventKey(topic.trim(), computeGenstoreSignature(body, secret));
}
