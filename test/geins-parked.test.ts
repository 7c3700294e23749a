import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createReceiver, type DeadLetter, type MemoryDeadLetters, type Receiver, silentLogger } from '@hookinbox/core';
import { webhooks } from '@hookinbox/express';
import { hookinbox } from '@hookinbox/fastify';
import { type GeinsOptions, geins } from '@hookinbox/geins';
import { type GeinsDelivery, geinsDelivery } from '@hookinbox/testing';
import express from 'express';
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';

const SECRET = 'geins-parked-secret-0123';
/** What the app was deployed with, and what the merchant then changed the webhook's Body to in Geins. */
const DEPLOYED = '{"entity":"{{entity}}","action":"{{action}}","id":"{{id}}"}';
const EDITED = '{"event":"{{entity}}.{{action}}","orderId":"{{id}}"}';

type Send = (d: GeinsDelivery) => Promise<{ status: number; body: string }>;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  cleanups.push(() => new Promise((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const frameworks: { name: string; mount(receiver: Receiver<any, any>): Promise<Send> }[] = [
  {
    name: 'express',
    async mount(receiver) {
      const app = express();
      app.use('/webhooks/geins', webhooks(receiver));
      const base = await listen(createServer(app));
      return post(base);
    },
  },
  {
    name: 'fastify',
    async mount(receiver) {
      const app = Fastify();
      await app.register(hookinbox, { path: '/webhooks/geins', receiver, closeReceiver: false });
      await app.ready();
      const base = await listen(app.server);
      return post(base);
    },
  },
];

function post(base: string): Send {
  return async (d) => {
    const res = await fetch(`${base}${d.url}`, { method: d.method, headers: d.headers, body: new Uint8Array(d.body) });
    return { status: res.status, body: await res.text() };
  };
}

function receiverWith(bodyTemplate: string, deadLetters?: MemoryDeadLetters, options: Partial<GeinsOptions> = {}) {
  const receiver = createReceiver({
    provider: geins({ secret: SECRET, bodyTemplate, ...options }),
    logger: silentLogger,
    ...(deadLetters ? { deadLetters } : {}),
  });
  const handled: string[] = [];
  receiver.on('Order.create', (event) => void handled.push(event.payload.id));
  cleanups.push(() => receiver.close({ timeoutMs: 1_000 }).then(() => {}));
  return { receiver, handled, letters: receiver.deadLetters as MemoryDeadLetters };
}

for (const framework of frameworks) {
  describe(`Geins deliveries the templates cannot read, on ${framework.name}`, () => {
    it('a body that no longer matches the template is parked (200), then replayed into its handler exactly once after the fix', async () => {
      const before = receiverWith(DEPLOYED);
      const send = await framework.mount(before.receiver);
      const edited = geinsDelivery({
        bodyTemplate: EDITED,
        values: { entity: 'Order', action: 'create', id: 4711 },
        secret: SECRET,
      });
      const res = await send(edited);
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body)).toEqual({ ok: true, parked: true });
      // Geins' retry of the same delivery is parked again: nothing runs, nothing is lost.
      expect(JSON.parse((await send(edited)).body)).toEqual({ ok: true, parked: true });
      expect(before.handled).toEqual([]);
      const [letter] = before.letters.list();
      expect(before.letters.size).toBe(1);
      expect(letter).toMatchObject({ kind: 'parked', provider: 'geins' });
      expect(letter?.reason).toMatch(/^the body does not match the Body template: /);

      // The app is redeployed with the template the merchant now uses; the dead letters survived (a database).
      const after = receiverWith(EDITED, before.letters);
      expect(await after.receiver.replay(letter as DeadLetter)).toMatchObject({ outcome: 'handled', status: 200 });
      expect(after.handled).toEqual(['4711']);
      // Done stays done: replayed again, or resent by Geins, it runs no handler.
      expect(await after.receiver.replay(letter as DeadLetter)).toMatchObject({ outcome: 'duplicate' });
      const resent = await after.receiver.handle({ ...edited, body: edited.body });
      expect(JSON.parse(resent.body)).toEqual({ ok: true, duplicate: true });
      expect(after.handled).toEqual(['4711']);
      expect(after.letters.size).toBe(0);
    });

    it('a parked letter keeps no shared secret: not in the header, not in the Url query', async () => {
      for (const where of [{}, { secretQuery: 'token' }] as Partial<GeinsOptions>[]) {
        const { receiver, letters } = receiverWith(DEPLOYED, undefined, where);
        const send = await framework.mount(receiver);
        const d = geinsDelivery({
          bodyTemplate: EDITED,
          values: { entity: 'Order', action: 'create', id: 1 },
          secret: SECRET,
          ...(where.secretQuery ? { secretQuery: where.secretQuery } : {}),
        });
        expect(JSON.parse((await send(d)).body)).toEqual({ ok: true, parked: true });
        const [letter] = letters.list();
        expect(letter?.delivery?.redacted).toBe(true);
        expect(JSON.stringify(letter)).not.toContain(SECRET);
        expect(letter?.delivery?.headers['x-idempotency-key']).toBe(d.headers['x-idempotency-key']);
      }
    });

    it('an unauthenticated delivery is refused (401) before the templates are read, and nothing is parked', async () => {
      const { receiver, letters } = receiverWith(DEPLOYED);
      const send = await framework.mount(receiver);
      const forged = geinsDelivery({
        bodyTemplate: EDITED,
        values: { entity: 'Order', action: 'create', id: 1 },
        secret: 'not-the-secret',
      });
      expect((await send(forged)).status).toBe(401);
      expect(letters.size).toBe(0);
    });
  });
}
