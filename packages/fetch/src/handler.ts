import {
  HookinboxError,
  parseOptions,
  type Receiver,
  readWebBody,
  type WaitUntil,
  type WebhookResponse,
} from '@hookinbox/core';
import { type FetchHandlerOptions, fetchHandlerOptionsSchema } from './options.js';
import { detectRuntime } from './runtime.js';

/** What a runtime may pass beside the request: Cloudflare's `ctx`, or anything with a `waitUntil`. */
export interface FetchContext {
  waitUntil?(promise: Promise<unknown>): void;
}

/**
 * A `Request → Response` handler, as Hono, Next.js, React Router, Bun, Deno and workers call one. The second argument
 * may be whatever the runtime passes there (`@hono/node-server`'s bindings, a Next.js route context): only its
 * `waitUntil`, when it has one, is used.
 */
export type FetchHandler = (request: Request, context?: FetchContext | object) => Promise<Response>;

/**
 * A Fetch API handler for a hookinbox receiver. It reads the exact body bytes once, with the receiver's limits, and
 * answers with the receiver's response; it never throws.
 *
 * @example
 * const handle = createFetchHandler(receiver);
 * app.post('/webhooks/genstore', (c) => handle(c.req.raw)); // Hono
 * export const POST = (request: Request) => handle(request); // Next.js route handler
 * export default { fetch: (request, env, ctx) => handle(request, ctx) }; // Cloudflare Workers
 */
export function createFetchHandler(receiver: Receiver<any, any, any>, options: FetchHandlerOptions = {}): FetchHandler {
  if (typeof receiver?.receive !== 'function') {
    throw new TypeError('@hookinbox/fetch: the first argument must be a receiver from createReceiver()');
  }
  const opts = parseOptions(fetchHandlerOptionsSchema, options, '@hookinbox/fetch: createFetchHandler');
  const { limits, dispatcher, ack } = receiver.options;
  // Only the immediate mode leaves work running after the answer (a dispatcher hands it over before answering).
  const needsWaitUntil = (opts.runtime ?? detectRuntime()) === 'serverless' && !dispatcher && ack.mode === 'immediate';

  return async function hookinboxFetchHandler(request, context) {
    const method = request.method;
    const { pathname, search } = new URL(request.url);
    const url = pathname + search;
    const waitUntil = waitUntilOf(context) ?? opts.waitUntil;
    if (needsWaitUntil && !waitUntil) return toFetchResponse(receiver.refuse(noWaitUntil(), { method, url }));
    if (request.bodyUsed) return toFetchResponse(receiver.refuse(alreadyRead(), { method, url }));
    let body: Awaited<ReturnType<typeof readWebBody>>;
    try {
      const contentLength = request.headers.get('content-length') ?? undefined;
      body = await readWebBody(request.body, {
        limit: limits.bodyBytes,
        timeoutMs: limits.bodyTimeoutMs,
        contentLength,
      });
    } catch (error) {
      return toFetchResponse(receiver.refuse(error, { method, url }));
    }
    // Header names of a Fetch `Headers` are lower-case already.
    const headers = Object.fromEntries(request.headers);
    const answer = await receiver.receive({ method, url, headers, body }, { lowerCaseHeaders: true, waitUntil });
    return toFetchResponse(answer);
  };
}

/** The context's own `waitUntil`, called on it: Cloudflare's throws when called detached from its `ctx`. */
function waitUntilOf(context: FetchContext | object | undefined): WaitUntil | undefined {
  const waitUntil = (context as FetchContext | undefined)?.waitUntil;
  return typeof waitUntil === 'function' ? (promise) => waitUntil.call(context, promise) : undefined;
}

function toFetchResponse(response: WebhookResponse): Response {
  return new Response(response.body, { status: response.status, headers: response.headers });
}

function noWaitUntil(): HookinboxError {
  return new HookinboxError(
    'internal_error',
    '@hookinbox/fetch: this runtime may freeze once it has answered, so the handlers need a waitUntil: pass ' +
      "createFetchHandler(receiver, { waitUntil }) (Next.js' after, Vercel's waitUntil) or the runtime's context as the " +
      "handler's second argument (Cloudflare's ctx), or give the receiver a dispatcher or ack: { mode: 'after-handlers' }",
  );
}

function alreadyRead(): HookinboxError {
  return new HookinboxError(
    'body_already_parsed',
    '@hookinbox/fetch: the request body was read before hookinbox (by request.json(), c.req.json(), …); hand the ' +
      'handler the untouched request so the exact bytes can be verified',
  );
}
