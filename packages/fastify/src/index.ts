import { HookinboxError, handleDelivery, type Receiver, readRawBody, type WebhookResponse } from '@hookinbox/core';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

export interface HookinboxFastifyOptions {
  /** The route path, e.g. `/webhooks/genstore`. */
  path: string;
  /** The receiver that handles deliveries on this path. */
  receiver: Receiver<any, any>;
  /** Methods to route (default `['POST']`). Geins webhooks configured with GET or PUT need them listed. */
  methods?: ('POST' | 'PUT' | 'GET' | 'PATCH' | 'DELETE')[];
  /** Close the receiver (drain in-flight handlers) when Fastify closes. Default true. */
  closeReceiver?: boolean;
  /** How long `onClose` waits for in-flight handlers. Default 10 s. */
  closeTimeoutMs?: number;
}

const JSON_TYPE = 'application/json; charset=utf-8';

const plugin: FastifyPluginAsync<HookinboxFastifyOptions> = async (fastify, options) => {
  if (!options || typeof options.path !== 'string' || !options.path.startsWith('/')) {
    throw new TypeError('@hookinbox/fastify: options.path must be a path such as "/webhooks/genstore"');
  }
  if (!options.receiver || typeof options.receiver.handle !== 'function') {
    throw new TypeError('@hookinbox/fastify: options.receiver must be a receiver from createReceiver()');
  }
  const { receiver, path } = options;
  const { bodyBytes, bodyTimeoutMs } = receiver.options.limits;

  const answer = (reply: FastifyReply, response: WebhookResponse) => {
    reply.code(response.status);
    // Extra headers (Retry-After, Allow, …) come only with errors; reply.type() is the cheapest way to set the rest.
    for (const name in response.headers) {
      if (name !== 'content-type') reply.header(name, response.headers[name]);
    }
    reply.type(response.headers['content-type'] ?? JSON_TYPE).send(response.body);
  };

  const fail = (request: FastifyRequest, reply: FastifyReply, error: unknown) => {
    const err =
      error instanceof HookinboxError
        ? error
        : new HookinboxError('internal_error', '@hookinbox/fastify: the delivery could not be handled', {
            cause: error,
          });
    if (err.status >= 500) request.log.error({ err: error }, err.message);
    else request.log.warn({ code: err.code }, err.message);
    answer(reply, {
      status: err.status,
      headers: { 'content-type': JSON_TYPE, ...err.headers },
      body: JSON.stringify(err.toJSON()),
    });
  };

  /**
   * The whole delivery is answered from the route's onRequest hook, before Fastify looks at the content-type or the
   * body: hookinbox reads the exact bytes itself, with its own limits, and a content-type Fastify would refuse with
   * 415 (even an empty one) reaches the provider as sent.
   */
  const onRequest = (request: FastifyRequest, reply: FastifyReply) => {
    readRawBody(
      request.raw,
      { limit: bodyBytes, timeoutMs: bodyTimeoutMs, contentLength: request.headers['content-length'] },
      (error, body) => {
        if (error) {
          fail(request, reply, error);
          return;
        }
        let response: WebhookResponse | Promise<WebhookResponse>;
        try {
          response = handleDelivery(
            receiver,
            { method: request.method, url: request.url, headers: request.headers, body },
            // Node's parser lower-cases every header name.
            { logger: request.log, lowerCaseHeaders: true },
          );
        } catch (caught) {
          fail(request, reply, caught);
          return;
        }
        if (response instanceof Promise) {
          response.then(
            (answered) => answer(reply, answered),
            (caught: unknown) => fail(request, reply, caught),
          );
        } else {
          answer(reply, response);
        }
      },
    );
  };

  fastify.route({
    method: options.methods ?? ['POST'],
    url: path,
    onRequest,
    // Never reached: onRequest answers every request of this route.
    handler: (_request, reply) => {
      reply.code(500).send();
    },
  });

  if (options.closeReceiver !== false) {
    fastify.addHook('onClose', async () => {
      const result = await receiver.close({ timeoutMs: options.closeTimeoutMs ?? 10_000 });
      if (!result.drained) {
        fastify.log.error({ pending: result.pending }, '@hookinbox/fastify: deliveries still running at close');
      }
    });
  }
};

/**
 * Fastify 5 plugin that mounts a hookinbox receiver on one route.
 *
 * @example
 * await app.register(hookinbox, { path: '/webhooks/genstore', receiver });
 */
export const hookinbox = fp(plugin, { fastify: '5.x', name: '@hookinbox/fastify' });
