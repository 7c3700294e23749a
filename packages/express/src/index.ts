import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  HookinboxError,
  handleDelivery,
  type ReadBodyCallback,
  type Receiver,
  readRawBody,
  type WebhookResponse,
} from '@hookinbox/core';

/** The request shape hookinbox reads: Node's IncomingMessage plus what Express and body parsers add. */
type ExpressRequest = IncomingMessage & {
  originalUrl?: string;
  body?: unknown;
  rawBody?: unknown;
  /** Set by body-parser (express.json, express.raw, …) once it has read the stream. */
  _body?: boolean;
};
type NextFunction = (err?: unknown) => void;

export interface WebhooksMiddlewareOptions {
  /**
   * Methods the middleware answers; other methods fall through to `next()`. Default: every method (the provider
   * decides, e.g. Genstore answers 405 to anything but POST).
   */
  methods?: readonly string[];
}

/**
 * Express middleware (Express 4 and 5) that hands every request to a hookinbox receiver.
 *
 * Mount it before any body parser, or keep the raw bytes with {@link rawBodySaver}:
 * @example
 * app.use('/webhooks/genstore', webhooks(receiver));
 * // or, when express.json() must run first for the whole app:
 * app.use(express.json({ verify: rawBodySaver }));
 */
export function webhooks(receiver: Receiver<any, any>, options: WebhooksMiddlewareOptions = {}) {
  const methods = options.methods ? new Set(options.methods.map((m) => m.toUpperCase())) : undefined;
  const { bodyBytes, bodyTimeoutMs } = receiver.options.limits;

  return function hookinboxMiddleware(req: ExpressRequest, res: ServerResponse, next: NextFunction): void {
    if (methods && !methods.has(req.method ?? '')) {
      next();
      return;
    }
    rawBody(req, bodyBytes, bodyTimeoutMs, (error, body) => {
      if (error) {
        reply(res, next, errorResponse(error));
        return;
      }
      let response: WebhookResponse | Promise<WebhookResponse>;
      try {
        response = handleDelivery(
          receiver,
          {
            method: req.method ?? 'GET',
            url: req.originalUrl ?? req.url ?? '/',
            headers: req.headers,
            body,
          },
          // Node's parser lower-cases every header name.
          { lowerCaseHeaders: true },
        );
      } catch (caught) {
        reply(res, next, errorResponse(caught));
        return;
      }
      if (response instanceof Promise) {
        response.then(
          (answered) => reply(res, next, answered),
          (caught: unknown) => reply(res, next, errorResponse(caught)),
        );
      } else {
        reply(res, next, response);
      }
    });
  };
}

/** Send the answer; a failure to send goes to Express's error handling. */
function reply(res: ServerResponse, next: NextFunction, response: WebhookResponse): void {
  try {
    send(res, response);
  } catch (error) {
    next(error);
  }
}

/**
 * `verify` callback for `express.json()`, `express.text()` or `express.raw()` that keeps the exact bytes on
 * `req.rawBody`, so hookinbox can verify signatures after a body parser ran.
 *
 * @example
 * app.use(express.json({ verify: rawBodySaver }));
 */
export function rawBodySaver(req: IncomingMessage, _res: ServerResponse, buf: Buffer): void {
  (req as ExpressRequest).rawBody = buf;
}

const EMPTY = Buffer.alloc(0);

/** The exact bytes: kept by a parser that ran first, or read from the stream. */
function rawBody(req: ExpressRequest, limit: number, timeoutMs: number, callback: ReadBodyCallback): void {
  if (Buffer.isBuffer(req.rawBody)) {
    callback(null, req.rawBody);
    return;
  }
  // body-parser 1 (Express 4) sets `_body`; body-parser 2 (Express 5) only leaves the stream ended.
  if (req._body === true || req.readableEnded) {
    // express.raw() leaves the exact bytes; any other parser leaves a value we must not re-serialise.
    if (Buffer.isBuffer(req.body)) {
      callback(null, req.body);
      return;
    }
    const declared = req.headers['content-length'];
    if (declared === '0' || (declared === undefined && req.headers['transfer-encoding'] === undefined)) {
      callback(null, EMPTY);
      return;
    }
    callback(alreadyParsed(), EMPTY);
    return;
  }
  readRawBody(req, { limit, timeoutMs, contentLength: req.headers['content-length'] }, callback);
}

function alreadyParsed(): HookinboxError {
  return new HookinboxError(
    'body_already_parsed',
    '@hookinbox/express: a body parser consumed the request before hookinbox; mount webhooks() before express.json(), ' +
      'or pass { verify: rawBodySaver } to the parser so the exact bytes are kept',
  );
}

function errorResponse(error: unknown): WebhookResponse {
  const err =
    error instanceof HookinboxError
      ? error
      : new HookinboxError('internal_error', '@hookinbox/express: the delivery could not be handled', { cause: error });
  return {
    status: err.status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...err.headers },
    body: JSON.stringify(err.toJSON()),
  };
}

function send(res: ServerResponse, response: WebhookResponse): void {
  if (res.headersSent) return;
  res.writeHead(response.status, response.headers);
  res.end(response.body);
}
