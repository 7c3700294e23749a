import { type Receiver, type ReceiverStats, readRawBody, type WebhookResponse } from '@hookinbox/core';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

export interface HookinboxFastifyOptions {
  /** The route path, e.g. `/webhooks/genstore`; a `prefix` given to `register` comes before it. */
  path: string;
  /** The receiver that handles deliveries on this path. */
  receiver: Receiver<any, any, any>;
  /** Prefix of the route, as Fastify's own `register(plugin, { prefix })` gives it. */
  prefix?: string;
  /** Close the receiver (drain in-flight handlers) when Fastify closes. Default true. */
  closeReceiver?: boolean;
  /** How long `onClose` waits for in-flight handlers. Default 10 s. */
  closeTimeoutMs?: number;
}

/** `fastify.hookinbox`: the receivers registered in this scope, by route. */
export interface HookinboxDecorator {
  readonly receivers: ReadonlyMap<string, Receiver<any, any, any>>;
  /** Each receiver's counters, by route (prefix and path). */
  stats(): Record<string, ReceiverStats>;
}

declare module 'fastify' {
  interface FastifyInstance {
    hookinbox: HookinboxDecorator;
  }
}

/**
 * The route, in a scope of its own (encapsulated, so `prefix` applies). Every method reaches the receiver, whose
 * provider answers those it does not deliver with 405 and `Allow`. The delivery is answered from the route's
 * onRequest hook, before Fastify looks at the content-type or the body: hookinbox reads the exact bytes itself, with
 * its own limits, and a content-type Fastify would refuse with 415 (even an empty one) reaches the provider as sent.
 */
const route: FastifyPluginAsync<HookinboxFastifyOptions> = async (fastify, { path, receiver }) => {
  const { bodyBytes, bodyTimeoutMs } = receiver.options.limits;
  const onRequest = (request: FastifyRequest, reply: FastifyReply) => {
    const { method, url, headers } = request;
    const limits = { limit: bodyBytes, timeoutMs: bodyTimeoutMs, contentLength: headers['content-length'] };
    readRawBody(request.raw, limits, (error, body) => {
      const options = { logger: request.log, lowerCaseHeaders: true };
      const answer = error
        ? receiver.refuse(error, { method, url }, options)
        : receiver.receive({ method, url, headers, body }, options);
      if (answer instanceof Promise) answer.then((response) => send(reply, response));
      else send(reply, answer);
    });
  };
  // The handler is never reached: onRequest answers every request of this route.
  fastify.all(path, { onRequest }, (_request, reply) => reply.code(500).send());
};

function send(reply: FastifyReply, response: WebhookResponse): void {
  reply.code(response.status);
  // Extra headers (Retry-After, Allow, …) come only with errors; reply.type() is the cheapest way to set the rest.
  for (const name in response.headers) if (name !== 'content-type') reply.header(name, response.headers[name]);
  reply.type(response.headers['content-type'] as string).send(response.body);
}

/**
 * Wrapped with fastify-plugin so that `fastify.hookinbox` reaches the scope that registers it; the route itself is
 * registered in a child scope, where `prefix` applies and nothing leaks to the app's other routes.
 */
const plugin: FastifyPluginAsync<HookinboxFastifyOptions> = async (fastify, options) => {
  const { path, receiver, prefix = '' } = options ?? {};
  if (typeof path !== 'string' || !path.startsWith('/')) {
    throw new TypeError('@hookinbox/fastify: options.path must be a path such as "/webhooks/genstore"');
  }
  if (typeof receiver?.receive !== 'function') {
    throw new TypeError('@hookinbox/fastify: options.receiver must be a receiver from createReceiver()');
  }
  await fastify.register(route, { ...options, prefix });
  if (!fastify.hasDecorator('hookinbox')) {
    const receivers = new Map<string, Receiver<any, any, any>>();
    const stats = () => Object.fromEntries([...receivers].map(([at, r]) => [at, r.stats()]));
    fastify.decorate('hookinbox', { receivers, stats } satisfies HookinboxDecorator);
  }
  (fastify.hookinbox.receivers as Map<string, Receiver>).set(`${fastify.prefix}${prefix}${path}`, receiver);
  if (options.closeReceiver === false) return;
  fastify.addHook('onClose', async () => {
    const { drained, pending } = await receiver.close({ timeoutMs: options.closeTimeoutMs ?? 10_000 });
    if (!drained) fastify.log.error({ pending }, '@hookinbox/fastify: deliveries still running at close');
  });
};

/**
 * Fastify 5 plugin that mounts a hookinbox receiver on one route.
 *
 * @example
 * await app.register(hookinbox, { prefix: '/api', path: '/webhooks/genstore', receiver });
 * app.hookinbox.stats(); // { '/api/webhooks/genstore': { received: …, … } }
 */
export const hookinbox = fp(plugin, { fastify: '5.x', name: '@hookinbox/fastify' });
