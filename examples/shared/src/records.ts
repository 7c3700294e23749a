import type { GenstoreMeta } from '@hookinbox/genstore';
import type { CustomerRecord, OrderRecord, ShopRecord } from './database.js';

// Genstore has not published its order and customer payloads. Its documented payloads wrap camelCase fields in one
// object (`{"uninstalled":{…}}`); Shopify, its model, sends the object flat in snake_case. Both are read here.

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A platform id as text; numbers beyond 2^53 were already rounded by JSON.parse, so they are refused. */
function idOf(v: unknown): string | null {
  if (typeof v === 'string' && v.trim() !== '') return v.trim();
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return String(v);
  return null;
}

const textOf = (v: unknown): string | null =>
  typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : null;

/** `{"order":{…}}` → `{…}`; any other single-key wrapper too; a flat object as is. */
function unwrap(payload: Json, key: string): Json {
  const named = payload[key];
  if (isObject(named) && 'id' in named) return named;
  const keys = Object.keys(payload);
  if (keys.length === 1 && isObject(payload[keys[0] as string])) return payload[keys[0] as string] as Json;
  return payload;
}

/** The shop a delivery concerns: the id in the payload, else the `X-Genstore-Shop-Domain` header. */
export function shopOf(object: Json, payload: Json, meta: GenstoreMeta): ShopRecord | null {
  const shop = isObject(object.shop) ? object.shop : isObject(payload.shop) ? payload.shop : {};
  const domain =
    textOf(object.shopDomain ?? object.shop_domain ?? shop.domain ?? payload.shopDomain ?? payload.shop_domain) ??
    meta.shopDomain ??
    null;
  const id = idOf(object.shopId ?? object.shop_id ?? shop.id ?? payload.shopId ?? payload.shop_id) ?? domain;
  return id === null ? null : { id, domain };
}

/** `customers/create` and `customers/update`. Null when the payload names no customer id or no shop. */
export function customerFrom(payload: Json, meta: GenstoreMeta): { shop: ShopRecord; customer: CustomerRecord } | null {
  const c = unwrap(payload, 'customer');
  const id = idOf(c.id ?? c.customerId ?? c.customer_id);
  const shop = shopOf(c, payload, meta);
  if (id === null || shop === null) return null;
  return {
    shop,
    customer: {
      shopId: shop.id,
      id,
      email: textOf(c.email),
      phone: textOf(c.phone),
      firstName: textOf(c.firstName ?? c.first_name),
      lastName: textOf(c.lastName ?? c.last_name),
      data: c,
    },
  };
}

/** `orders/create` and `orders/update`. Null when the payload names no order id or no shop. */
export function orderFrom(payload: Json, meta: GenstoreMeta): { shop: ShopRecord; order: OrderRecord } | null {
  const o = unwrap(payload, 'order');
  const id = idOf(o.id ?? o.orderId ?? o.order_id);
  const shop = shopOf(o, payload, meta);
  if (id === null || shop === null) return null;
  const customer = isObject(o.customer) ? o.customer : {};
  return {
    shop,
    order: {
      shopId: shop.id,
      id,
      customerId: idOf(customer.id ?? o.customerId ?? o.customer_id),
      email: textOf(o.email ?? customer.email),
      total: textOf(o.totalPrice ?? o.total_price ?? o.total),
      currency: textOf(o.currency),
      data: o,
    },
  };
}
