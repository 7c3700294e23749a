import { createReceiver } from '@hookinbox/core';
import express from 'express';
import express4 from 'express4';
import supertest from 'supertest';
import { describe, expect, it, vi } from 'vitest';
import { captureLogger, delivery, sleep, testProvider } from '../../../test/helpers/test-provider.js';
import { rawBodySaver, webhooks } from './index.js';

const build = () => {
  const { logger } = captureLogger();
  const receiver = createReceiver({ provider: testProvider(), logger });
  const handler = vi.fn();
  receiver.on('thing/created', handler);
  return { receiver, handler };
};

const post = (app: express.Express, d = delivery()) =>
  supertest(app).post(d.url).set(d.headers).serialize(keepBytes).send(d.body);

for (const [label, create] of [
  ['express 5', express],
  ['express 4', express4 as unknown as typeof express],
] as const) {
  describe(`@hookinbox/express on ${label}`, () => {
    it('body parsed before us: 500 body_already_parsed that says how to fix the mounting, never a hang', async () => {
      const { receiver, handler } = build();
      const app = create();
      app.use(express.json());
      app.use('/webhooks/test', webhooks(receiver));
      const res = await post(app);
      expect(res.status).toBe(500);
      expect(res.body.error.code).toBe('body_already_parsed');
      expect(res.body.error.message).toContain('rawBodySaver');
      expect(res.headers['content-type']).toContain('application/json');
      expect(handler).not.toHaveBeenCalled();
    });

    it('body parsed before us with rawBodySaver: verifies the saved exact bytes', async () => {
      const { receiver, handler } = build();
      const app = create();
      app.use(express.json({ verify: rawBodySaver }));
      app.use('/webhooks/test', webhooks(receiver));
      const res = await post(app, delivery({ payload: { id: 'saved', text: 'ünïcode' } }));
      expect(res.status).toBe(200);
      await sleep(20);
      expect(handler.mock.calls[0]?.[0].payload).toEqual({ id: 'saved', text: 'ünïcode' });
    });

    it('express.raw() before us: its Buffer holds the exact bytes and verifies', async () => {
      const { receiver, handler } = build();
      const app = create();
      app.use(express.raw({ type: '*/*' }));
      app.use('/webhooks/test', webhooks(receiver));
      expect((await post(app)).status).toBe(200);
      await sleep(20);
      expect(handler).toHaveBeenCalledTimes(1);
    });

    it("a body refused before it was read is logged through the receiver's logger", async () => {
      const { logger, lines } = captureLogger();
      const receiver = createReceiver({ provider: testProvider(), logger, limits: { bodyBytes: 10 } });
      const app = create();
      app.use('/webhooks/test', webhooks(receiver));
      expect((await post(app)).status).toBe(413);
      expect(lines.find((l) => (l.obj as { code?: string }).code === 'body_too_large')?.level).toBe('warn');
    });

    it('a method the provider does not deliver with: 405 with Allow, as JSON', async () => {
      const { receiver, handler } = build();
      const app = create();
      app.use('/webhooks/test', webhooks(receiver));
      const res = await supertest(app).get('/webhooks/test');
      expect(res.status).toBe(405);
      expect(res.headers.allow).toBe('POST');
      expect(res.body.error.code).toBe('method_not_allowed');
      expect(receiver.stats().rejected).toEqual({ method_not_allowed: 1 });
      expect(handler).not.toHaveBeenCalled();
    });

    it('a failure inside the receiver becomes a JSON 500, not the HTML error page', async () => {
      const receiver = createReceiver({
        provider: {
          name: 'broken',
          verify() {
            throw new TypeError('boom');
          },
        },
        logger: captureLogger().logger,
      });
      const app = create();
      app.use('/webhooks/test', webhooks(receiver));
      const res = await post(app);
      expect(res.status).toBe(500);
      expect(res.body).toEqual({ error: { code: 'internal_error', message: expect.any(String) } });
      expect(res.text).not.toContain('boom');
    });
  });
}

// superagent would JSON-encode a Buffer sent with a JSON content-type; the exact bytes must go out.
const keepBytes = ((body: Buffer) => body) as unknown as (obj: unknown) => string;
