import { createHash, createHmac, type Hash } from 'node:crypto';
import type { LoadRequest } from './load.js';

/** The client secret every Genstore row signs and verifies with. */
export const GENSTORE_SECRET = 'bench-genstore-client-secret-0123456789abcdef';
/** The secret of the @octokit/webhooks row. */
export const GITHUB_SECRET = 'bench-github-webhook-secret-0123456789abcdef';
export const TOPIC = 'orders/create';
export const SHOP_DOMAIN = 'bench-shop.genmystore.com';
/** The event name of the @octokit/webhooks row: a real GitHub event with an `action`, as `orders/create` has a verb. */
export const GITHUB_EVENT = 'issues';
export const PATH = '/webhooks/genstore';
export const GITHUB_PATH = '/api/github/webhooks';

/**
 * An `orders/create`-like body of about 1 KB (Shopify's shape, which Genstore mirrors). `i` makes it distinct: the
 * order id, number and line item ids all change with it.
 */
export function orderBody(i: number): string {
  const id = 5_000_000_000 + i;
  return JSON.stringify({
    id,
    action: 'opened',
    order_number: 1000 + i,
    name: `#${1000 + i}`,
    email: `customer${i % 997}@example.com`,
    created_at: '2025-01-15T10:21:42+01:00',
    currency: 'SEK',
    financial_status: 'paid',
    fulfillment_status: null,
    total_price: '1299.00',
    subtotal_price: '1039.20',
    total_tax: '259.80',
    total_discounts: '0.00',
    customer: { id: 700_000 + (i % 5_000), first_name: 'Alex', last_name: 'Lind', accepts_marketing: false },
    shipping_address: {
      address1: 'Storgatan 12',
      city: 'Uppsala',
      zip: '753 20',
      country_code: 'SE',
      phone: '+46 70 123 45 67',
    },
    line_items: [
      {
        id: id * 10 + 1,
        product_id: 632_910_392,
        sku: 'TEE-BLK-M',
        title: 'T-shirt black M',
        quantity: 2,
        price: '249.00',
      },
      {
        id: id * 10 + 2,
        product_id: 632_910_393,
        sku: 'HOOD-GRY-L',
        title: 'Hoodie grey L',
        quantity: 1,
        price: '541.20',
      },
    ],
    shipping_lines: [{ code: 'postnord', title: 'PostNord MyPack', price: '0.00' }],
    note_attributes: [{ name: 'gift', value: 'no' }],
    tags: 'bench, webhook',
    browser_ip: '192.0.2.10',
    landing_site: '/products/tee?utm_source=newsletter&utm_medium=email&utm_campaign=spring',
  });
}

/** One order of the pool, ready to be signed as many distinct deliveries. */
export interface SignedBody {
  /** The order as built by {@link orderBody}. */
  body: Buffer;
  /**
   * This order as a distinct delivery, with its signature header's value: `tag` is written into the body
   * (`"delivery":"<tag>"`, last), so that no two requests of a run share their bytes. The Genstore provider
   * deduplicates on a digest of topic and body (an id header is not signed), so a body sent twice is a duplicate,
   * whatever its id header says.
   */
  distinct(tag: string): { body: Buffer; signature: string };
}

/** How a row's sender signs: the secret, and how the MAC is written into the header. */
export interface SignatureScheme {
  secret: string;
  format: (mac: Buffer) => string;
}

/** Genstore's `x-genstore-hmac-sha256`: base64 HMAC-SHA256 of the raw body. */
export const GENSTORE_SIGNATURE: SignatureScheme = { secret: GENSTORE_SECRET, format: (mac) => mac.toString('base64') };
/** GitHub's `x-hub-signature-256` (what `@octokit/webhooks` `sign` returns). */
export const GITHUB_SIGNATURE: SignatureScheme = {
  secret: GITHUB_SECRET,
  format: (mac) => `sha256=${mac.toString('hex')}`,
};

/** Base64 HMAC-SHA256 of the raw body: Genstore's `x-genstore-hmac-sha256`. */
export function signGenstore(body: Buffer | string, secret = GENSTORE_SECRET): string {
  return createHmac('sha256', secret).update(body).digest('base64');
}

const BLOCK = 64;

/**
 * HMAC-SHA256 (RFC 2104) of `prefix + suffix` for many suffixes, written out by hand because `createHmac` cannot be
 * resumed: the inner hash over the key pad and the 1 KB prefix is taken once and copied (`Hash.copy`) for each suffix,
 * so a distinct delivery costs the load generator, which shares the machine with the server, the hash of a few dozen
 * bytes instead of the whole body. The result equals `createHmac` over the whole body (checked by `buildPool`).
 */
function prefixMac(innerPad: Buffer, prefix: Buffer, outer: Hash): (suffix: Buffer) => Buffer {
  const inner = createHash('sha256').update(innerPad).update(prefix);
  return (suffix) => outer.copy().update(inner.copy().update(suffix).digest()).digest();
}

function keyPad(secret: string, byte: number): Buffer {
  let key = Buffer.from(secret, 'utf8');
  if (key.length > BLOCK) key = createHash('sha256').update(key).digest();
  const pad = Buffer.alloc(BLOCK, byte);
  for (let i = 0; i < key.length; i++) pad[i] = (pad[i] as number) ^ (key[i] as number);
  return pad;
}

/**
 * `size` distinct orders, each with its HMAC's inner hash taken ahead of time so the load generator spends no CPU on a
 * whole-body HMAC while it runs; each request then takes one with {@link SignedBody.distinct}, so that every request
 * of a run is a new delivery.
 */
export function buildPool(size: number, scheme: SignatureScheme): SignedBody[] {
  const innerPad = keyPad(scheme.secret, 0x36);
  const outer = createHash('sha256').update(keyPad(scheme.secret, 0x5c));
  const pool: SignedBody[] = new Array(size);
  for (let i = 0; i < size; i++) {
    const body = Buffer.from(orderBody(i));
    const prefix = body.subarray(0, body.length - 1); // without the closing brace
    const mac = prefixMac(innerPad, prefix, outer);
    pool[i] = {
      body,
      distinct(tag) {
        const suffix = Buffer.from(`,"delivery":${JSON.stringify(tag)}}`);
        return { body: Buffer.concat([prefix, suffix]), signature: scheme.format(mac(suffix)) };
      },
    };
  }
  const probe = (pool[0] as SignedBody).distinct('probe');
  if (probe.signature !== scheme.format(createHmac('sha256', scheme.secret).update(probe.body).digest())) {
    throw new Error('bench: the resumed HMAC differs from createHmac');
  }
  return pool;
}

/** A signed delivery as Genstore sends it (the headers of every Genstore row), with `id` as its webhook id. */
export function genstoreRequest(signed: { body: Buffer; signature: string }, id: string): LoadRequest {
  return {
    headers: {
      'content-type': 'application/json',
      'x-genstore-topic': TOPIC,
      'x-genstore-hmac-sha256': signed.signature,
      'x-genstore-shop-domain': SHOP_DOMAIN,
      'x-genstore-webhook-id': id,
    },
    body: signed.body,
  };
}
