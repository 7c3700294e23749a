import { HookinboxError, type Receiver, readRawBody, type WebhookResponse } from '@hookinbox/core';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
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

const STREAM = Symbol('hookinbox.stream');
const JSON_TYPE = 'application/json; charset=utf-8';
const CONTENT_TYPE = Symbol('hookinbox.contentType');
/**
 * Types Fastify is known to accept, which the platforms send on nearly every delivery: left as they are, they spare
 * the request a copy of its headers.
 */
const WELL_FORMED_TYPES = new Set([
  'application/json',
  'application/json; charset=utf-8',
  'application/json;charset=utf-8',
]);

const plugin: FastifyPluginAsync<HookinboxFastifyOptions> = async (fastify, options) => {
  if (!options || typeof options.path !== 'string' || !options.path.startsWith('/')) {
    throw new TypeError('@hookinbox/fastify: options.path must be a path such as "/webhooks/genstore"');
  }
  if (!options.receiver || typeof options.receiver.handle !== 'function') {
    throw new TypeError('@hookinbox/fastify: options.receiver must be a receiver from createReceiver()');
  }
  const { receiver, path } = options;
  const { bodyBytes, bodyTimeoutMs } = receiver.options.limits;

  // An encapsulated scope: the pass-through parser reaches only the webhook route, never the app's other routes.
  await fastify.register(async (scope: FastifyInstance) => {
    scope.removeAllContentTypeParsers();
    // Hand the stream over untouched; the handler reads the exact bytes with hookinbox's limits.
    const passThrough = (_request: FastifyRequest, payload: unknown, done: (err: null, body: unknown) => void) => {
      done(null, { [STREAM]: payload });
    };
    // JSON by name as well: Fastify caches the parser of a named type, while the catch-all parses the header anew on
    // every request.
    scope.addContentTypeParser('application/json', passThrough);
    scope.addContentTypeParser('*', passThrough);

    scope.route({
      method: options.methods ?? ['POST'],
      url: path,
      // hookinbox enforces its own limit while streaming; Fastify's must not cut in first with another answer.
      bodyLimit: Number.MAX_SAFE_INTEGER,
      // Fastify answers 415 to a malformed content-type (even an empty one) before any parser runs. No provider reads
      // it, so the route sees a neutral type and the receiver still gets the header as sent.
      onRequest: (request, _reply, done) => {
        const sent = request.raw.headers['content-type'];
        if (sent !== undefined && !WELL_FORMED_TYPES.has(sent)) {
          (request as { [CONTENT_TYPE]?: string })[CONTENT_TYPE] = sent;
          request.raw.headers['content-type'] = 'application/octet-stream';
        }
        done();
      },
      handler: async (request: FastifyRequest, reply: FastifyReply) => {
        let response: WebhookResponse;
        try {
          const holder = request.body as { [STREAM]?: NodeJS.ReadableStream } | undefined;
          const stream = holder?.[STREAM];
          const body = stream
            ? await readRawBody(stream as import('node:stream').Readable, {
                limit: bodyBytes,
                timeoutMs: bodyTimeoutMs,
                contentLength: request.headers['content-length'],
              })
            : Buffer.alloc(0);
          response = await receiver.handle(
            {
              method: request.method,
              url: request.url,
              headers: withContentType(request),
              body,
            },
            { logger: request.log },
          );
        } catch (error) {
          const err =
            error instanceof HookinboxError
              ? error
              : new HookinboxError('internal_error', '@hookinbox/fastify: the delivery could not be handled', {
                  cause: error,
                });
          if (err.status >= 500) request.log.error({ err: error }, err.message);
          else request.log.warn({ code: err.code }, err.message);
          response = {
            status: err.status,
            headers: { 'content-type': 'application/json; charset=utf-8', ...err.headers },
            body: JSON.stringify(err.toJSON()),
          };
        }
        reply.code(response.status);
        // Extra headers (Retry-After, Allow, …) come only with errors; reply.type() is the cheapest way to set the rest.
        for (const name in response.headers) {
          if (name !== 'content-type') reply.header(name, response.headers[name]);
        }
        return reply.type(response.headers['content-type'] ?? JSON_TYPE).send(response.body);
      },
    });
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

function withContentType(request: FastifyRequest): FastifyRequest['headers'] {
  const sent = (request as { [CONTENT_TYPE]?: string })[CONTENT_TYPE];
  return sent === undefined ? request.headers : { ...request.headers, 'content-type': sent };
}

/**
 * Fastify 5 plugin that mounts a hookinbox receiver on one route.
 *
 * @example
 * await app.register(hookinbox, { path: '/webhooks/genstore', receiver });
 */
export const hookinbox = fp(plugin, { fastify: '5.x', name: '@hookinbox/fastify' });
