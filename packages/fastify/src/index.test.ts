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
    // A body refused before it was read is logged the same way.
    const big = await app.inject({
      method: 'POST',
      url: d.url,
      headers: { 'content-length': '2000000' },
      payload: 'x',
    });
    expect(big.statusCode).toBe(413);
    expect(lines.map((l) => JSON.parse(l)).find((l) => l.code === 'body_too_large')?.reqId).toBeDefined();
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

  it('routes every method to the provider, e.g. GET for a Geins webhook with data in the Url', async () => {
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
    await app.register(hookinbox, { path: '/webhooks/get', receiver });
    const res = await app.inject({ method: 'GET', url: '/webhooks/get?id=1' });
    expect(res.statusCode).toBe(200);
    await sleep(20);
    expect(seen).toHaveBeenCalledTimes(1);
    await app.close();
  });

  it('register with a prefix serves the path under it', async () => {
    const { receiver, handler } = build();
    const app = Fastify();
    await app.register(hookinbox, { prefix: '/api', path: '/webhooks/genstore', receiver });
    const d = delivery();
    const res = await app.inject({
      method: 'POST',
      url: '/api/webhooks/genstore',
      headers: d.headers,
      payload: d.body,
    });
    expect(res.statusCode).toBe(200);
    const bare = await app.inject({ method: 'POST', url: '/webhooks/genstore', headers: d.headers, payload: d.body });
    expect(bare.statusCode).toBe(404);
    await sleep(20);
    expect(handler).toHaveBeenCalledTimes(1);
    await app.close();
  });

  it("inside a prefixed scope, the scope's prefix and the plugin's come before the path", async () => {
    const { receiver } = build();
    const app = Fastify();
    await app.register(
      async (api) => {
        await api.register(hookinbox, { prefix: '/hooks', path: '/genstore', receiver });
      },
      { prefix: '/api' },
    );
    const d = delivery();
    const res = await app.inject({ method: 'POST', url: '/api/hooks/genstore', headers: d.headers, payload: d.body });
    expect(res.statusCode).toBe(200);
    await app.close();
  });

  it('fastify.hookinbox reaches the scope that registered it, with each receiver and its stats by route', async () => {
    const a = build();
    const b = build();
    const app = Fastify();
    await app.register(hookinbox, { prefix: '/api', path: '/webhooks/a', receiver: a.receiver });
    await app.register(hookinbox, { path: '/webhooks/b', receiver: b.receiver });
    const d = delivery();
    await app.inject({ method: 'POST', url: '/webhooks/b', headers: d.headers, payload: d.body });
    expect([...app.hookinbox.receivers.keys()]).toEqual(['/api/webhooks/a', '/webhooks/b']);
    expect(app.hookinbox.receivers.get('/webhooks/b')).toBe(b.receiver);
    const stats = app.hookinbox.stats();
    expect(stats['/webhooks/b']).toMatchObject({ received: 1, acknowledged: 1 });
    expect(stats['/api/webhooks/a']).toMatchObject({ received: 0 });
    await app.close();
  });

  it('encapsulation: the route and its hooks stay in their scope; a sibling scope sees no decorator', async () => {
    const { receiver } = build();
    const app = Fastify();
    let siblingHas: boolean | undefined;
    await app.register(async (webhooksScope) => {
      await webhooksScope.register(hookinbox, { path: '/webhooks/test', receiver });
    });
    await app.register(async (sibling) => {
      siblingHas = sibling.hasDecorator('hookinbox');
    });
    await app.ready();
    expect(siblingHas).toBe(false);
    expect(app.hasDecorator('hookinbox')).toBe(false);
    const d = delivery();
    expect((await app.inject({ method: 'POST', url: d.url, headers: d.headers, payload: d.body })).statusCode).toBe(
      200,
    );
    await app.close();
  });

  it('a method the provider does not deliver with gets 405 with Allow from the provider, not a 404', async () => {
    const { receiver } = build();
    const app = Fastify();
    await app.register(hookinbox, { path: '/webhooks/test', receiver });
    for (const method of ['GET', 'PUT', 'DELETE'] as const) {
      const res = await app.inject({ method, url: '/webhooks/test' });
      expect(res.statusCode, method).toBe(405);
      expect(res.headers.allow).toBe('POST');
      expect(res.json().error.code).toBe('method_not_allowed');
    }
    await app.close();
  });
});
