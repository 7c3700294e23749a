import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  HookinboxError,
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
  /** Set by body-parser 1 (Express 4) once it has read the stream. */
  _body?: boolean;
};
type NextFunction = (err?: unknown) => void;

/** Node's parser lower-cases every header name: the receiver need not. */
const NODE_HEADERS = { lowerCaseHeaders: true } as const;
const EMPTY = Buffer.alloc(0);

/**
 * Express middleware (Express 4 and 5) that hands every request to a hookinbox receiver; the provider answers the
 * methods it does not deliver with (405 and `Allow`).
 *
 * Mount it before any body parser, or keep the raw bytes with {@link rawBodySaver}:
 * @example
 * app.use('/webhooks/genstore', webhooks(receiver));
 * // or, when express.json() must run first for the whole app:
 * app.use(express.json({ verify: rawBodySaver }));
 */
export function webhooks(receiver: Receiver<any, any, any>) {
  const { bodyBytes, bodyTimeoutMs } = receiver.options.limits;
  return function hookinboxMiddleware(req: ExpressRequest, res: ServerResponse, next: NextFunction): void {
    rawBody(req, bodyBytes, bodyTimeoutMs, (error, body) => {
      const method = req.method ?? 'GET';
      const url = req.originalUrl ?? req.url ?? '/';
      const answer = error
        ? receiver.refuse(error, { method, url })
        : receiver.receive({ method, url, headers: req.headers, body }, NODE_HEADERS);
      if (answer instanceof Promise) answer.then((response) => send(res, next, response));
      else send(res, next, answer);
    });
  };
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

/** The exact bytes: kept by a parser that ran first, or read from the stream. */
function rawBody(req: ExpressRequest, limit: number, timeoutMs: number, callback: ReadBodyCallback): void {
  // body-parser 1 (Express 4) sets `_body`; body-parser 2 (Express 5) only leaves the stream ended.
  const parsed = req._body === true || req.readableEnded;
  if (Buffer.isBuffer(req.rawBody)) callback(null, req.rawBody);
  // express.raw() leaves the exact bytes; any other parser leaves a value we must not re-serialise.
  else if (parsed && Buffer.isBuffer(req.body)) callback(null, req.body);
  else if (parsed) callback(isEmpty(req) ? null : alreadyParsed(), EMPTY);
  else readRawBody(req, { limit, timeoutMs, contentLength: req.headers['content-length'] }, callback);
}

function isEmpty(req: ExpressRequest): boolean {
  const declared = req.headers['content-length'];
  return declared === '0' || (declared === undefined && req.headers['transfer-encoding'] === undefined);
}

function alreadyParsed(): HookinboxError {
  return new HookinboxError(
    'body_already_parsed',
    '@hookinbox/express: a body parser consumed the request before hookinbox; mount webhooks() before express.json(), ' +
      'or pass { verify: rawBodySaver } to the parser so the exact bytes are kept',
  );
}

/** Copy the response to the wire; a failure to send goes to Express's error handling. */
function send(res: ServerResponse, next: NextFunction, response: WebhookResponse): void {
  if (res.headersSent) return;
  try {
    // With the headers given to writeHead, Node can no longer add the length itself and would send the body chunked.
    response.headers['content-length'] = String(Buffer.byteLength(response.body));
    res.writeHead(response.status, response.headers);
    res.end(response.body);
  } catch (error) {
    next(error);
  }
}
