import * as crypto from 'node:crypto';
import { sha256Hex } from '@hookinbox/core';
import { computeGenstoreSignature } from './signature.js';

type OneShot = (algorithm: string, data: string, outputEncoding: 'hex') => string;
const oneShot = (crypto as unknown as { hash?: OneShot }).hash;

/**
 * The default dedupe key, from what the signature covers: `genstore:hmac:` and a SHA-256 of the topic and the body's
 * HMAC (the digest that verified the delivery's signature).
 *
 * The HMAC is a digest of the body, already computed to verify it, so the key follows the body for the cost of hashing
 * some 60 bytes, where a SHA-256 of the body itself would read the body once more (a quarter of a delivery's cost,
 * counted in instructions). It is hashed once more so that no valid signature appears in a key, which is stored and
 * logged. It depends on the secret Genstore signed with: a retry that Genstore signs with a new client secret, after a
 * rotation, gets a new key (SECURITY.md).
 *
 * Equal to `sha256Hex(topic, bodyMac)`; `crypto.hash` (Node ≥ 20.12) does it in one call, without the object and the
 * calls of `createHash`.
 *
 * @internal
 */
export function eventKey(topic: string, bodyMac: string): string {
  const digest = oneShot === undefined ? sha256Hex(topic, bodyMac) : oneShot('sha256', `${topic}\0${bodyMac}\0`, 'hex');
  return `genstore:hmac:${digest}`;
}

/**
 * The event id (dedupe key) the provider gives a delivery of `body` on `topic`, signed with `secret`: to find an event
 * by its delivery, or to check a store in tests.
 *
 * @example
 * genstoreEventKey('orders/create', rawBody, process.env.GENSTORE_CLIENT_SECRET!); // 'genstore:hmac:5f0c…'
 */
export function genstoreEventKey(topic: string, body: Buffer | string, secret: string): string {
  return eventKey(topic.trim(), computeGenstoreSignature(body, secret));
}
