import { createHmac } from 'node:crypto';

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

/** One pre-signed delivery of the pool. */
export interface SignedBody {
  body: Buffer;
  /** The signature header's value for this body under the row's scheme. */
  signature: string;
}

/** Base64 HMAC-SHA256 of the raw body: Genstore's `x-genstore-hmac-sha256`. */
export function signGenstore(body: Buffer | string, secret = GENSTORE_SECRET): string {
  return createHmac('sha256', secret).update(body).digest('base64');
}

/**
 * `size` distinct bodies, each signed ahead of time so the load generator spends no CPU on HMAC while it runs
 * (it shares the machine with the server under test).
 */
export async function buildPool(size: number, sign: (body: Buffer) => string | Promise<string>): Promise<SignedBody[]> {
  const pool: SignedBody[] = new Array(size);
  for (let i = 0; i < size; i++) {
    const body = Buffer.from(orderBody(i));
    pool[i] = { body, signature: await sign(body) };
  }
  return pool;
}
