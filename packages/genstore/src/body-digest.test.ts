import { sha256Hex } from '@hookinbox/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { topicBodyDigest } from './body-digest.js';

describe('topicBodyDigest', () => {
  it('is sha256Hex(topic, body) for any topic and body bytes, so keys stored before stay valid', () => {
    fc.assert(
      fc.property(fc.string(), fc.uint8Array({ maxLength: 2048 }), (topic, bytes) => {
        const body = Buffer.from(bytes);
        expect(topicBodyDigest(topic, body)).toBe(sha256Hex(topic, body));
      }),
      { numRuns: 300 },
    );
  });

  it('separates topic from body', () => {
    expect(topicBodyDigest('orders/create', Buffer.from('x'))).not.toBe(
      topicBodyDigest('orders/createx', Buffer.from('')),
    );
  });
});
