import { createReceiver, type Logger } from '@hookinbox/core';
import { geins } from '@hookinbox/geins';
import { genstore } from '@hookinbox/genstore';
import { describe, expect, it, vi } from 'vitest';
import { geinsRequest, genstoreRequest, sleep, type TestRequest } from './support.js';

/**
 * Replays: neither platform signs a time or the headers. Genstore's HMAC covers the body bytes only; Geins signs
 * nothing. What stops a captured delivery from being acted on twice is the dedupe store, within its TTL.
 */
const SECRET = 'gs-replay-secret';
const GEINS_SECRET = 'geins-replay-secret';
const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };

const asDelivery = (req: TestRequest) => ({ ...req, headers: req.headers as Record<string, string> });

describe('replayed deliveries', () => {
  it('a Genstore delivery replayed byte for byte within the dedupe TTL is acknowledged as a duplicate and not handled again', async () => {
    const receiver = createReceiver({ provider: genstore({ secret: SECRET }), logger: quiet });
    const events: { name: string }[] = [];
    receiver.on('orders/paid', (event) => {
      events.push(event);
    });
    const captured = genstoreRequest({ secret: SECRET, topic: 'orders/paid', body: '{"order":{"id":"7"}}' });
    expect((await receiver.handle(asDelivery(captured))).body).toBe('{"ok":true}');
    for (let i = 0; i < 5; i++) {
      expect(JSON.parse((await receiver.handle(asDelivery(captured))).body)).toEqual({ ok: true, duplicate: true });
    }
    await vi.waitFor(() => expect(events).toHaveLength(1));
    await sleep(20);
    expect(events).toHaveLength(1);
    await receiver.close();
  });

  it('a Genstore replay under a fresh, unsigned x-genstore-webhook-id is a duplicate (the key is a digest of topic and body)', async () => {
    const receiver = createReceiver({ provider: genstore({ secret: SECRET }), logger: quiet });
    const events: { name: string }[] = [];
    receiver.on('*', (event) => {
      events.push(event);
    });
    const body = '{"order":{"id":"8"}}';
    const original = genstoreRequest({ secret: SECRET, body, headers: { 'x-genstore-webhook-id': 'wh-1' } });
    const replay = genstoreRequest({ secret: SECRET, body, headers: { 'x-genstore-webhook-id': 'wh-forged-2' } });
    expect((await receiver.handle(asDelivery(original))).status).toBe(200);
    expect(JSON.parse((await receiver.handle(asDelivery(replay))).body)).toEqual({ ok: true, duplicate: true });
    await vi.waitFor(() => expect(events).toHaveLength(1));
    await receiver.close();
  });

  it('a signed orders/create body replayed under the customers/redact topic never reaches the redact handler', async () => {
    const invalid: string[] = [];
    const receiver = createReceiver({
      provider: genstore({ secret: SECRET }),
      logger: quiet,
      hooks: { onInvalid: (info) => invalid.push(info.event.name) },
    });
    const redact = vi.fn();
    receiver.on('customers/redact', redact);
    // The topic header is not covered by the signature: only the payload's schema can tell the body does not fit.
    const captured = genstoreRequest({
      secret: SECRET,
      topic: 'customers/redact',
      body: '{"order":{"id":"9","customer":{"id":"c-1"}}}',
    });
    const res = await receiver.handle(asDelivery(captured));
    expect(res.status).toBe(200);
    await sleep(20);
    expect(redact).not.toHaveBeenCalled();
    expect(invalid).toEqual(['customers/redact']);
    await receiver.close();
  });

  it('a Geins delivery replayed with its x-idempotency-key is a duplicate, whatever its body says', async () => {
    const receiver = createReceiver({ provider: geins({ secret: GEINS_SECRET, logger: quiet }), logger: quiet });
    const events: { name: string }[] = [];
    receiver.on('*', (event) => {
      events.push(event);
    });
    const first = geinsRequest({
      secret: GEINS_SECRET,
      idempotencyKey: 'evt-1',
      entity: 'Order',
      action: 'create',
      id: '1',
    });
    const again = geinsRequest({
      secret: GEINS_SECRET,
      idempotencyKey: 'evt-1',
      entity: 'Order',
      action: 'cancel',
      id: '1',
    });
    expect((await receiver.handle(asDelivery(first))).body).toBe('{"ok":true}');
    expect(JSON.parse((await receiver.handle(asDelivery(again))).body)).toEqual({ ok: true, duplicate: true });
    await vi.waitFor(() => expect(events).toHaveLength(1));
    expect(events[0]?.name).toBe('Order.create');
    await receiver.close();
  });
});
