/**
 * Header names Genstore deliveries carry, lower-cased as Node (and the hookinbox core) hands them over.
 *
 * Only the topic and HMAC headers are documented (partners.genstore.ai/docs/webhooks). The shop-domain name is
 * inferred from Shopify, whose webhook design Genstore mirrors; the id, version and time headers are accepted when
 * present and never required.
 */
export const GENSTORE_HEADERS = {
  /** Base64 HMAC-SHA256 of the raw body, keyed with the app's client secret. */
  hmac: 'x-genstore-hmac-sha256',
  /** The topic, e.g. `orders/create`. */
  topic: 'x-genstore-topic',
  shopDomain: 'x-genstore-shop-domain',
  webhookId: 'x-genstore-webhook-id',
  eventId: 'x-genstore-event-id',
  apiVersion: 'x-genstore-api-version',
  triggeredAt: 'x-genstore-triggered-at',
} as const;
