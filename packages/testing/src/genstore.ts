import { createHmac } from 'node:crypto';

export { genstoreSamples } from './genstore-samples.js';
export { type ShopifyHmacVector, type ShopifySample, shopifyHmacVectors, shopifySamples } from './genstore-shopify.js';

/**
 * Base64 HMAC-SHA256 of `body` keyed with `secret`: the `X-Genstore-Hmac-Sha256` value Genstore would send.
 * Computed here with node:crypto alone, independently of `@hookinbox/genstore`, so tests of the verifier do not
 * check it against itself.
 */
export function signGenstore(body: string | Buffer, secret: string): string {
  return createHmac('sha256', secret).update(body).digest('base64');
}

/** Options of {@link genstoreDelivery}. */
export interface GenstoreDeliveryOptions {
  /** `X-Genstore-Topic`, e.g. `orders/create`. */
  topic: string;
  /** Encoded with `JSON.stringify`. Pass either `payload` or `body`. */
  payload?: unknown;
  /** The exact body bytes (a string is encoded as UTF-8): for tampered, odd or non-JSON bodies. */
  body?: string | Buffer;
  /** The client secret the body is signed with. */
  secret: string;
  /** `X-Genstore-Shop-Domain`; not sent when absent. */
  shopDomain?: string;
  /** `X-Genstore-Webhook-Id`; not sent when absent. */
  webhookId?: string;
  /** `X-Genstore-Event-Id`; not sent when absent. */
  eventId?: string;
  /** `X-Genstore-Api-Version`; not sent when absent. */
  apiVersion?: string;
  /** `X-Genstore-Triggered-At`; not sent when absent. */
  triggeredAt?: string;
  /**
   * Extra headers, applied last: they replace the built ones (a forged signature, another content type), and `null`
   * removes one, e.g. `{ 'x-genstore-hmac-sha256': null }` for an unsigned delivery. Names are sent as written.
   */
  headers?: Record<string, string | null>;
  /** Path and query. Default `/webhooks/genstore`. */
  url?: string;
}

/**
 * A signed Genstore delivery, in a shape each test client takes as is:
 * - `receiver.handle(delivery)` (core);
 * - supertest: `request(app).post(d.url).set(d.headers).send(d.body)`;
 * - Fastify: `app.inject({ method: d.method, url: d.url, headers: d.headers, payload: d.body })`;
 * - fetch: `fetch(base + d.url, { method: d.method, headers: d.headers, body: d.body })`.
 */
export interface GenstoreTestDelivery {
  method: 'POST';
  url: string;
  headers: Record<string, string>;
  /** The exact bytes that were signed. */
  body: Buffer;
}

/**
 * Build a signed Genstore delivery for tests.
 *
 * @example
 * const d = genstoreDelivery({ topic: 'customers/redact', payload: genstoreSamples.customersRedact.snake, secret });
 * await request(app).post(d.url).set(d.headers).send(d.body).expect(200);
 */
export function genstoreDelivery(options: GenstoreDeliveryOptions): GenstoreTestDelivery {
  const { topic, secret } = options;
  if (typeof topic !== 'string') throw new TypeError('@hookinbox/testing: genstoreDelivery needs a topic');
  if (typeof secret !== 'string') throw new TypeError('@hookinbox/testing: genstoreDelivery needs a secret');
  if ((options.payload === undefined) === (options.body === undefined)) {
    throw new TypeError('@hookinbox/testing: pass exactly one of payload or body to genstoreDelivery');
  }
  const text = options.body === undefined ? JSON.stringify(options.payload) : undefined;
  if (text === undefined && options.body === undefined) {
    throw new TypeError('@hookinbox/testing: the payload has no JSON encoding');
  }
  const body = keepBytesThroughJsonEncoders(
    options.body === undefined ? Buffer.from(text as string, 'utf8') : Buffer.from(options.body),
  );
  const built: Record<string, string | undefined> = {
    'content-type': 'application/json',
    'x-genstore-topic': topic,
    'x-genstore-hmac-sha256': signGenstore(body, secret),
    'x-genstore-shop-domain': options.shopDomain,
    'x-genstore-webhook-id': options.webhookId,
    'x-genstore-event-id': options.eventId,
    'x-genstore-api-version': options.apiVersion,
    'x-genstore-triggered-at': options.triggeredAt,
  };
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(built)) if (value !== undefined) headers[name] = value;
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    // A replacement may be spelt in another case ('X-Genstore-Topic'); only one spelling must remain.
    for (const existing of Object.keys(headers))
      if (existing.toLowerCase() === name.toLowerCase()) delete headers[existing];
    if (value !== null) headers[name] = value;
  }
  return { method: 'POST', url: options.url ?? '/webhooks/genstore', headers, body };
}

/**
 * superagent (under supertest) JSON-encodes any non-string body sent with a JSON content type, so a plain Buffer
 * would go out as `{"type":"Buffer","data":[…]}`. When re-encoding the parsed body reproduces its exact bytes (always
 * so for a `payload`), `toJSON` returns the parsed value and JSON encoders write the signed bytes again. Clients that
 * send Buffers as bytes (fetch, fastify.inject, node:http) never call it.
 */
function keepBytesThroughJsonEncoders(body: Buffer): Buffer {
  const text = body.toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return body;
  }
  if (JSON.stringify(value) !== text || !Buffer.from(text, 'utf8').equals(body)) return body;
  Object.defineProperty(body, 'toJSON', { value: () => JSON.parse(text), enumerable: false });
  return body;
}
