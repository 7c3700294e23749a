import { createReceiver } from '@hookinbox/core';
import Fastify from 'fastify';
import { describe, expect, it, vi } from 'vitest';
import { captureLogger, delivery, sleep, testProvider } from '../../../test/helpers/test-provider.js';
import { hookinbox } from './index.js';

const build = () => {
  const receiver = createReceiver({ provider: testProvider(), logger: captureLogger().logger });
  const handler = vi.fn();
  receiver.on('thing/created', handler);
  return { receiver, handler };
};

describe('@hookinbox/fastify', () => {
  it("reaches only the webhook route: another route's JSON body still parses", async () => {
    const { receiver } = build();
    const app = Fastify();
    app.post('/api/items', async (request) => ({ got: request.body }));
    await app.register(hookinbox, { path: '/webhooks/test', receiver });
    const d = delivery();
    const hook = await app.inject({ method: 'POST', url: d.url, headers: d.headers, payload: d.body });
    expect(hook.statusCode).toBe(200);
    const other = await app.inject({ method: 'POST', url: '/api/items', payload: { a: 1 } });
    expect(other.json()).toEqual({ got: { a: 1 } });
    await app.close();
  });

  it('accepts a delivery with no content-type and one with an unusual content-type', async () => {
    const { receiver, handler } = build();
    const app = Fastify();
    await app.register(hookinbox, { path: '/webhooks/test', receiver });
    for (const contentType of [undefined, '', 'text/plain', 'application/x-whatever', 'not a media type']) {
      const d = delivery({ id: `ct-${contentType}` });
      const headers: Record<string, string> = { ...d.headers };
      if (contentType !== undefined) headers['content-type'] = contentType;
      else delete headers['content-type'];
      const res = await app.inject({ method: 'POST', url: d.url, headers, payload: d.body });
      expect(res.statusCode).toBe(200);
    }
    await sleep(20);
    expect(handler).toHaveBeenCalledTimes(5);
    await app.close();
  });

  it("runs the app's onRequest, onSend and onResponse hooks on the webhook route, and no preHandler", async () => {
    const { receiver, handler } = build();
    const app = Fastify();
    const seen: string[] = [];
    app.addHook('onRequest', async () => {
      seen.push('onRequest');
    });
    app.addHook('preHandler', async () => {
      seen.push('preHandler');
    });
    app.addHook('onSend', async (_request, _reply, payload) => {
      seen.push('onSend');
      return payload;
    });
    app.addHook('onResponse', async () => {
      seen.push('onResponse');
    });
    await app.register(hookinbox, { path: '/webhooks/test', receiver });
    const d = delivery();
    const res = await app.inject({ method: 'POST', url: d.url, headers: d.headers, payload: d.body });
    expect(res.statusCode).toBe(200);
    expect(seen).toEqual(['onRequest', 'onSend', 'onResponse']);
    await sleep(20);
    expect(handler).toHaveBeenCalledTimes(1);
    await app.close();
  });

  it('an app onRequest hook that answers first stops the delivery before it is read or handled', async () => {
    const { receiver, handler } = build();
    const app = Fastify();
    app.addHook('onRequest', async (_request, reply) => {
      reply.code(429).send({ error: 'slow down' });
      return reply;
    });
    await app.register(hookinbox, { path: '/webhooks/test', receiver });
    const d = delivery();
    const res = await app.inject({ method: 'POST', url: d.url, headers: d.headers, payload: d.body });
    expect(res.statusCode).toBe(429);
    await sleep(20);
    expect(handler).not.toHaveBeenCalled();
    expect(receiver.stats().received).toBe(0);
    await app.close();
  });

  it('logs through request.log', async () => {
    const lines: string[] = [];
    const app = Fastify({ logger: { level: 'warn', stream: { write: (l: string) => lines.push(l) } } });
    const receiver = createReceiver({ provider: testProvider(), logger: captureLogger().logger });
    await app.register(hookinbox, { path: '/webhooks/test', receiver });
    const d = delivery();
    d.headers['x-test-signature'] = 'nope';
    const res = await app.inject({ method: 'POST', url: d.url, headers: d.headers, payload: d.body });
    expect(res.statusCode).toBe(401);
    const warn = lines.map((l) => JSON.parse(l)).find((l) => l.code === 'invalid_signature');
    expect(warn?.reqId).toBeDefined();
    await app.close();
  });

  it('closes the receiver in onClose, draining in-flight handlers', async () => {
    const receiver = createReceiver({ provider: testProvider(), logger: captureLogger().logger });
    let finished = false;
    receiver.on('thing/created', async () => {
      await sleep(200);
      finished = true;
    });
    const app = Fastify();
    await app.register(hookinbox, { path: '/webhooks/test', receiver });
    const d = delivery();
    expect((await app.inject({ method: 'POST', url: d.url, headers: d.headers, payload: d.body })).statusCode).toBe(
      200,
    );
    await app.close();
    expect(finished).toBe(true);
    const after = await receiver.handle({ ...d });
    expect(after.status).toBe(503);
  });

  it('two providers on two paths in one app', async () => {
    const a = build();
    const b = build();
    const app = Fastify();
    await app.register(hookinbox, { path: '/webhooks/a', receiver: a.receiver });
    await app.register(hookinbox, { path: '/webhooks/b', receiver: b.receiver });
    const d = delivery();
    await app.inject({ method: 'POST', url: '/webhooks/b', headers: d.headers, payload: d.body });
    await sleep(20);
    expect(a.handler).not.toHaveBeenCalled();
    expect(b.handler).toHaveBeenCalledTimes(1);
    await app.close();
  });

  it('refuses bad options with a clear message', async () => {
    const app = Fastify();
    // @ts-expect-error path is required
    await expect(app.register(hookinbox, { receiver: build().receiver })).rejects.toThrow(/options.path/);
  });

  it('routes the configured methods, e.g. GET for a Geins webhook with data in the Url', async () => {
    const { logger } = captureLogger();
    const seen = vi.fn();
    const receiver = createReceiver({
      provider: {
        name: 'get-provider',
        verify: (d) => ({ name: 'Thing.get', dedupeKey: d.url, payload: {}, meta: {} }),
      },
      logger,
    });
    receiver.on('*', seen);
    const app = Fastify();
    await app.register(hookinbox, { path: '/webhooks/get', receiver, methods: ['GET'] });
    const res = await app.inject({ method: 'GET', url: '/webhooks/get?id=1' });
    expect(res.statusCode).toBe(200);
    await sleep(20);
    expect(seen).toHaveBeenCalledTimes(1);
    await app.close();
  });
});
