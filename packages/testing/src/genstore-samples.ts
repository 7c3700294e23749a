/**
 * Sample Genstore payloads. Genstore has published only the `app/uninstalled` payload; the compliance payloads come
 * in both shapes a receiver must accept (see the `@hookinbox/genstore` README): `snake` is Shopify's flat
 * snake_case, `camel` is camelCase wrapped in one top-level object, as Genstore's documented payloads are. Both
 * shapes of one topic describe the same request, so they normalise to equal events (apart from `raw`).
 *
 * The objects are frozen: copy one (`{ ...sample, id: '2' }`) to vary it.
 */
export const genstoreSamples = deepFreeze({
  /** An order; the fields are illustrative, Genstore fixes none. Contains multi-byte UTF-8 on purpose. */
  ordersCreate: {
    id: '8589934859',
    name: '#1001',
    email: 'ana.lindqvist@example.com',
    currency: 'SEK',
    totalPrice: '598.00',
    financialStatus: 'paid',
    createTime: '2024-10-30T16:19:13-04:00',
    customer: { id: '191167', firstName: 'Åsa', lastName: 'Lindqvist' },
    lineItems: [
      {
        id: '1',
        productId: '632910392',
        variantId: '808950810',
        title: 'Tröja — röd ✓',
        quantity: 2,
        price: '299.00',
        sku: 'TR-RED-M',
      },
    ],
  },
  /** As documented: partners.genstore.ai/docs/api-rest/47. */
  appUninstalled: { uninstalled: { clientId: '58DA9C2B5E4F4E7B', shopId: '4022054969604' } },
  customersDataRequest: {
    snake: {
      shop_id: 4022054969604,
      shop_domain: 'demo-shop.genmystore.com',
      orders_requested: [299938, 280263],
      customer: { id: 191167, email: 'ana.lindqvist@example.com', phone: '+46701234567' },
      data_request: { id: 9999 },
    },
    camel: {
      customersDataRequest: {
        shopId: '4022054969604',
        shopDomain: 'demo-shop.genmystore.com',
        ordersRequested: ['299938', '280263'],
        customer: { id: '191167', email: 'ana.lindqvist@example.com', phone: '+46701234567' },
        dataRequest: { id: '9999' },
      },
    },
  },
  customersRedact: {
    snake: {
      shop_id: 4022054969604,
      shop_domain: 'demo-shop.genmystore.com',
      customer: { id: 191167, email: 'ana.lindqvist@example.com', phone: '+46701234567' },
      orders_to_redact: [299938, 280263],
    },
    camel: {
      customersRedact: {
        shopId: '4022054969604',
        shopDomain: 'demo-shop.genmystore.com',
        customer: { id: '191167', email: 'ana.lindqvist@example.com', phone: '+46701234567' },
        ordersToRedact: ['299938', '280263'],
      },
    },
  },
  shopRedact: {
    snake: { shop_id: 4022054969604, shop_domain: 'demo-shop.genmystore.com' },
    camel: { shopRedact: { shopId: '4022054969604', shopDomain: 'demo-shop.genmystore.com' } },
  },
});

type DeepReadonly<T> = T extends object ? { readonly [K in keyof T]: DeepReadonly<T[K]> } : T;

function deepFreeze<T>(value: T): DeepReadonly<T> {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value as DeepReadonly<T>;
}
