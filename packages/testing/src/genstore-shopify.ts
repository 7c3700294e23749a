// Shopify's published webhook samples and its libraries' HMAC test vectors, kept as data files beside the Genstore
// provider (packages/genstore/test-data/shopify, each naming its source). Genstore mirrors Shopify's design, so these are
// the closest real payloads there are. Bundled into this package's build, so no file is read at run time.
import appUninstalled from '../../genstore/test-data/shopify/app-uninstalled.json';
import customersDataRequest from '../../genstore/test-data/shopify/customers-data-request.json';
import customersDataRequestLargeIds from '../../genstore/test-data/shopify/customers-data-request.large-ids.json';
import customersRedactEmailOnly from '../../genstore/test-data/shopify/customers-redact.email-only.json';
import customersRedact from '../../genstore/test-data/shopify/customers-redact.json';
import customersRedactLargeIds from '../../genstore/test-data/shopify/customers-redact.large-ids.json';
import hmacVectors from '../../genstore/test-data/shopify/hmac-vectors.json';
import ordersCreate from '../../genstore/test-data/shopify/orders-create.json';
import shopRedact from '../../genstore/test-data/shopify/shop-redact.json';

/** A sample delivery body, exactly as published: `body` is the JSON text, so 64-bit ids keep every digit. */
export interface ShopifySample {
  name: string;
  topic: string;
  /** The raw body. Send it as is (`genstoreDelivery({ topic, body, secret })`): parsing it with JSON.parse rounds ids. */
  body: string;
  /** Where it comes from: the publisher, the document, and what was changed or trimmed. */
  source: { publisher: string; document: string; note: string };
}

/** A webhook HMAC test vector from one of Shopify's API libraries. */
export interface ShopifyHmacVector {
  name: string;
  /** Whether the library accepts the header for the body under the secret. */
  valid: boolean;
  body: string;
  secret: string;
  /** The `X-Shopify-Hmac-Sha256` value, which Genstore sends as `X-Genstore-Hmac-Sha256`. */
  header: string;
  note?: string;
  /** Repository, commit and the lines of each value. */
  source: Record<string, string>;
}

/**
 * Shopify's sample payloads (orders/create with `"id": 820982911946154508`, the three compliance topics,
 * app/uninstalled as the flat shop object), and variants of the compliance samples with 64-bit ids and with a customer
 * known only by email. Each names its source.
 */
export const shopifySamples = Object.freeze({
  ordersCreate,
  customersDataRequest,
  customersRedact,
  shopRedact,
  appUninstalled,
  customersDataRequestLargeIds,
  customersRedactLargeIds,
  customersRedactEmailOnly,
} satisfies Record<string, ShopifySample>);

/** Shopify's webhook HMAC vectors from shopify-app-js, shopify-api-php and shopify-api-ruby. */
export const shopifyHmacVectors: readonly ShopifyHmacVector[] = Object.freeze(hmacVectors.vectors);
