import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { genstoreEventKey } from './event-key.js';
import { verifyGenstoreSignature } from './signature.js';

describe('genstoreEventKey', () => {
  const signature = createHmac('sha256', 's').update('{"id":1}').digest('base64');

  it('is the topic and the first 22 base64 characters of the body HMAC', () => {
    expect(genstoreEventKey('orders/create', '{"id":1}', 's')).toBe(
      `genstore:hmac:orders/create:${signature.slice(0, 22)}`,
    );
  });

  it('never holds a valid signature: the half it shows does not verify, nor does it padded', () => {
    const key = genstoreEventKey('orders/create', '{"id":1}', 's');
    expect(key).not.toContain(signature);
    const shown = key.slice(key.lastIndexOf(':') + 1);
    for (const guess of [shown, `${shown}${'A'.repeat(21)}=`, `${shown}${signature.slice(22, 42)}A=`]) {
      expect(verifyGenstoreSignature(Buffer.from('{"id":1}'), guess, ['s'])).toBe(-1);
    }
  });

  it('follows the body and the topic: other bytes or another topic give another key; spaces around the topic do not', () => {
    const key = genstoreEventKey('orders/create', '{"id":1}', 's');
    expect(genstoreEventKey(' orders/create ', Buffer.from('{"id":1}'), 's')).toBe(key);
    expect(genstoreEventKey('orders/create', '{"id":2}', 's')).not.toBe(key);
    expect(genstoreEventKey('orders/paid', '{"id":1}', 's')).not.toBe(key);
  });
});
