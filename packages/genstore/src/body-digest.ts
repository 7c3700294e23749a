import * as crypto from 'node:crypto';
import { sha256Hex } from '@hookinbox/core';

type OneShot = (algorithm: string, data: Buffer, outputEncoding: 'hex') => string;
const oneShot = (crypto as unknown as { hash?: OneShot }).hash;
const SEPARATOR = Buffer.from([0]);

/**
 * `sha256Hex(topic, body)` (the same digest, so keys stored before stay valid), in one call into OpenSSL: the
 * incremental `createHash` costs an object and four calls per delivery, more than hashing the 1 KB body itself.
 * `crypto.hash` exists from Node 20.12; older releases take the incremental path.
 */
export function topicBodyDigest(topic: string, body: Buffer): string {
  if (oneShot === undefined) return sha256Hex(topic, body);
  return oneShot('sha256', Buffer.concat([Buffer.from(topic, 'utf8'), SEPARATOR, body, SEPARATOR]), 'hex');
}
