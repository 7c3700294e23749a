import { createHmac } from 'node:crypto';
import { sha256Hex } from '@hookinbox/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { eventKey, genstoreEventKey } from './event-key.js';

describe('eventKey', () => {
  it('is sha256Hex(topic, body HMAC) for any topic and HMAC text', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (topic, mac) => {
        expect(eventKey(topic, mac)).toBe(`genstore:hmac:${sha256Hex(topic, mac)}`);
      }),
      { numRuns: 300 },
    );
  });

  it('separates topic from HMAC, and never holds the signature itself', () => {
    expect(eventKey('orders/create', 'x')).not.toBe(eventKey('orders/createx', ''));
    const signature = createHmac('sha256', 's').update('{}').digest('base64');
    expect(genstoreEventKey('orders/create', '{}', 's')).not.toContain(signature);
    expect(genstoreEventKey('orders/create', '{}', 's')).not.toContain(
      Buffer.from(signature, 'base64').toString('hex'),
    );
  });

  it('genstoreEventKey follows the body: other bytes or another topic give another key', () => {
    const key = genstoreEventKey('orders/create', '{"id":1}', 's');
    expect(genstoreEventKey(' orders/create ', Buffer.from('{"id":1}'), 's')).toBe(key);
    expect(genstoreEventKey('orders/create', '{"id":2}', 's')).not.toBe(key);
    expect(genstoreEventKey('orders/paid', '{"id":1}', 's')).not.toBe(key);
  });
});
