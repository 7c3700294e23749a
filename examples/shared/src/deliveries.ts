import { geinsDelivery, genstoreDelivery } from '@hookinbox/testing';
import { GEINS_BODY_TEMPLATE } from './geins-handlers.js';

/** An HTTP request ready to send: headers and the exact body bytes they were computed over. */
export interface SignedRequest {
  headers: Record<string, string>;
  body: string;
}

export interface GenstoreRequestOptions {
  /** `X-Genstore-Shop-Domain`. */
  shopDomain?: string;
  /** `X-Genstore-Webhook-Id`: the delivery id, when the sender gives one (unsigned: not the dedupe key). */
  webhookId?: string;
  /** Sign with this instead of the real secret: a forged delivery. */
  signWith?: string;
}

/** A Genstore delivery as Genstore sends it: the JSON body signed with HMAC-SHA256 (base64) of the client secret. */
export function genstoreRequest(
  topic: string,
  payload: unknown,
  secret: string,
  options: GenstoreRequestOptions = {},
): SignedRequest {
  const { headers, body } = genstoreDelivery({
    topic,
    payload,
    secret: options.signWith ?? secret,
    shopDomain: options.shopDomain,
    webhookId: options.webhookId,
  });
  return { headers, body: body.toString('utf8') };
}

export interface GeinsRequestOptions {
  /** `x-Idempotency-Key`: the same on every attempt of one event (default: a new one). */
  idempotencyKey?: string;
  /** `x-timestamp` (default: now). */
  timestamp?: string;
}

/**
 * A Geins delivery rendered from the example's Body template, with the shared secret in `Authorization: Bearer`.
 * A retry is the same event sent again with the same idempotency key.
 */
export function geinsRequest(
  event: { entity: string; action: string; id: string; subEntity?: string },
  secret: string,
  options: GeinsRequestOptions = {},
): SignedRequest {
  const { headers, body } = geinsDelivery({
    bodyTemplate: GEINS_BODY_TEMPLATE,
    values: event,
    secret,
    idempotencyKey: options.idempotencyKey,
    timestamp: options.timestamp,
  });
  return { headers, body: body.toString('utf8') };
}
