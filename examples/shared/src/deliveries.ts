import { randomUUID } from 'node:crypto';
import { computeGenstoreSignature } from '@hookinbox/genstore';

/** An HTTP request ready to send: headers and the exact body bytes they were computed over. */
export interface SignedRequest {
  headers: Record<string, string>;
  body: string;
}

export interface GenstoreRequestOptions {
  /** `X-Genstore-Shop-Domain`. */
  shopDomain?: string;
  /** `X-Genstore-Webhook-Id`: the delivery id, when the sender gives one (the dedupe key then). */
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
  const body = JSON.stringify(payload);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-genstore-topic': topic,
    'x-genstore-hmac-sha256': computeGenstoreSignature(body, options.signWith ?? secret),
  };
  if (options.shopDomain) headers['x-genstore-shop-domain'] = options.shopDomain;
  if (options.webhookId) headers['x-genstore-webhook-id'] = options.webhookId;
  return { headers, body };
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
  return {
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${secret}`,
      'x-idempotency-key': options.idempotencyKey ?? randomUUID(),
      'x-timestamp': options.timestamp ?? new Date().toISOString(),
    },
    body: JSON.stringify({
      entity: event.entity,
      action: event.action,
      id: event.id,
      subEntity: event.subEntity ?? '',
    }),
  };
}
