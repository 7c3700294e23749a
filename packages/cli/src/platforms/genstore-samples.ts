/**
 * A small sample payload for a Genstore topic, for `hookinbox send` and `simulate`. Genstore publishes few payloads:
 * documented ones wrap camelCase fields in one object (`{"uninstalled":{…}}`); the compliance topics use Shopify's
 * flat snake_case shape, which the Genstore provider accepts. `id` replaces the payload's main id, so that
 * simulated deliveries differ in their bodies, as real events do.
 */
export function sampleGenstorePayload(topic: string, shop: string, id?: string): unknown {
  const shopDomain = `${shop}.genmystore.com`;
  const shopId = topic.startsWith('shop/') || topic.startsWith('app/') ? (id ?? '4022054969604') : '4022054969604';
  const customer = { id: id ?? '7001', email: 'jane@example.com', phone: '+46700000000' };
  switch (topic) {
    case 'customers/data_request':
      return {
        shop_id: shopId,
        shop_domain: shopDomain,
        orders_requested: ['1001', '1002'],
        customer,
        data_request: { id: id ?? '9001' },
      };
    case 'customers/redact':
      return { shop_id: shopId, shop_domain: shopDomain, customer, orders_to_redact: ['1001'] };
    case 'shop/redact':
      return { shop_id: shopId, shop_domain: shopDomain };
    case 'app/uninstalled':
      return { uninstalled: { clientId: '58DA0000000000000000', shopId } };
  }
  const [resource] = topic.split('/');
  if (resource === 'orders') {
    return {
      order: {
        id: id ?? '1001',
        orderNo: `#${id ?? '1001'}`,
        totalPrice: '19.90',
        currency: 'EUR',
        customer: { id: customer.id, email: customer.email },
        createTime: '2024-10-30T16:19:13-04:00',
      },
    };
  }
  if (resource === 'customers') return { customer: { ...customer, firstName: 'Jane', lastName: 'Doe' } };
  if (resource === 'products') return { product: { id: id ?? '5001', title: 'Sample product', status: 'active' } };
  if (resource === 'shop') return { shop: { id: shopId, domain: shopDomain, name: 'Demo shop' } };
  return { id: id ?? '1', topic };
}
