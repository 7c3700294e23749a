import { z } from 'zod';
import { foreignTo } from './compliance-fit.js';
import { idInput } from './ids.js';

/**
 * The compliance topics every app published on the Genstore App Store must subscribe to
 * (partners.genstore.ai/docs/webhooks/webhook-subscription).
 */
export const GENSTORE_COMPLIANCE_TOPICS = ['customers/data_request', 'customers/redact', 'shop/redact'] as const;

export type GenstoreComplianceTopic = (typeof GENSTORE_COMPLIANCE_TOPICS)[number];

/** The shop a compliance event concerns. Ids are strings whatever the sender used, every digit kept. */
export interface GenstoreShopRef {
  id: string;
  /** `null` when the payload does not name it; the `x-genstore-shop-domain` header (`event.meta.shopDomain`) may. */
  domain: string | null;
}

/**
 * The customer a compliance event concerns. At least one of the three is present: a customer the shop knows only by
 * email (no account, no order) comes with `"id": null`, as Shopify documents for customers/redact.
 */
export interface GenstoreCustomerRef {
  id: string | null;
  email: string | null;
  phone: string | null;
}

/** `customers/data_request`: a customer asked for the data the app holds about them. */
export interface CustomersDataRequestPayload {
  shop: GenstoreShopRef;
  customer: GenstoreCustomerRef;
  /** Orders whose data the customer asked for; empty when none were named. */
  ordersRequested: string[];
  dataRequest: { id: string | null };
  /** The payload exactly as it was parsed, for fields this normalisation does not know. */
  raw: Record<string, unknown>;
}

/** `customers/redact`: erase a customer's personal data. */
export interface CustomersRedactPayload {
  shop: GenstoreShopRef;
  customer: GenstoreCustomerRef;
  /** Orders whose personal data must be erased; empty when none were named. */
  ordersToRedact: string[];
  raw: Record<string, unknown>;
}

/** `shop/redact`: erase everything the app holds about a shop. */
export interface ShopRedactPayload {
  shop: GenstoreShopRef;
  raw: Record<string, unknown>;
}

// Genstore has not published these payloads (see PROVIDERS.md). Its documented payloads wrap camelCase fields in one
// top-level object (`{"uninstalled":{"clientId","shopId"}}`), while Shopify, whose design it mirrors, sends flat
// snake_case. Both are accepted, and mixtures too, since any of them may be what arrives.

const idIn = idInput;
const textIn = z.string().nullish();
const idsIn = z.array(idIn).nullish();

const fieldsSchema = z.looseObject({
  shop_id: idIn.nullish(),
  shopId: idIn.nullish(),
  shop_domain: textIn,
  shopDomain: textIn,
  shop: z.looseObject({ id: idIn.nullish(), domain: textIn }).nullish(),
  customer: z.looseObject({ id: idIn.nullish(), email: textIn, phone: textIn }).nullish(),
  customerId: idIn.nullish(),
  customerEmail: textIn,
  customerPhone: textIn,
  orders_requested: idsIn,
  ordersRequested: idsIn,
  orders_to_redact: idsIn,
  ordersToRedact: idsIn,
  data_request: z.looseObject({ id: idIn.nullish() }).nullish(),
  dataRequest: z.looseObject({ id: idIn.nullish() }).nullish(),
  dataRequestId: idIn.nullish(),
});

type Fields = z.output<typeof fieldsSchema>;
type Id = z.output<typeof idIn>;

const FIELD_NAMES = new Set(Object.keys(fieldsSchema.shape));

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * `{"customersRedact":{…}}` → `{…}`: a single top-level key is a wrapper when its value is an object holding
 * compliance fields. Its name is not required to be anything, since Genstore has not published it (and `dataRequest`
 * or `customer` could be a wrapper as well as a field); `{"shop":{"id":…}}` stays a bare shape with a nested shop.
 */
function unwrap(payload: Record<string, unknown>): { wrapper: string | null; fields: Record<string, unknown> } {
  const keys = Object.keys(payload);
  if (keys.length !== 1) return { wrapper: null, fields: payload };
  const wrapper = keys[0] as string;
  const inner = payload[wrapper];
  return isPlainObject(inner) && Object.keys(inner).some((key) => FIELD_NAMES.has(key))
    ? { wrapper, fields: inner }
    : { wrapper: null, fields: payload };
}

const str = (id: Id | null | undefined): string | null => (id === null || id === undefined ? null : String(id));
const text = (value: string | null | undefined): string | null => (value ? value : null);
const list = (...candidates: (Id[] | null | undefined)[]): string[] => {
  for (const c of candidates) if (c) return c.map(String);
  return [];
};

type Ctx = z.RefinementCtx;

function shopOf(f: Fields, ctx: Ctx): GenstoreShopRef | undefined {
  const id = str(f.shop_id ?? f.shopId ?? f.shop?.id);
  if (id === null) {
    ctx.addIssue({ code: 'custom', message: 'shop id missing: expected shop_id, shopId or shop.id' });
    return undefined;
  }
  return { id, domain: text(f.shop_domain ?? f.shopDomain ?? f.shop?.domain) };
}

function customerOf(f: Fields, ctx: Ctx): GenstoreCustomerRef | undefined {
  const customer: GenstoreCustomerRef = {
    id: str(f.customer?.id ?? f.customerId),
    email: text(f.customer?.email ?? f.customerEmail),
    phone: text(f.customer?.phone ?? f.customerPhone),
  };
  if (customer.id === null && customer.email === null && customer.phone === null) {
    ctx.addIssue({
      code: 'custom',
      message: 'customer missing: expected customer.id, .email or .phone (or customerId, customerEmail, customerPhone)',
    });
    return undefined;
  }
  return customer;
}

/**
 * Validates the fields of a (possibly wrapped) compliance payload, refuses one that carries what belongs to another
 * topic (the topic header is not signed: see compliance-fit.ts), then hands the fields to `build`.
 */
function complianceSchema<T>(
  topic: GenstoreComplianceTopic,
  build: (fields: Fields, raw: Record<string, unknown>, ctx: Ctx) => T | undefined,
) {
  return z
    .looseObject({})
    .transform((raw) => ({ raw, ...unwrap(raw) }))
    .pipe(z.object({ raw: z.looseObject({}), wrapper: z.string().nullable(), fields: fieldsSchema }))
    .transform(({ raw, wrapper, fields }, ctx): T => {
      const foreign = foreignTo(topic, wrapper, fields);
      if (foreign) {
        ctx.addIssue({ code: 'custom', message: `not a ${topic} payload: ${foreign}` });
        return z.NEVER;
      }
      return build(fields, raw, ctx) ?? (z.NEVER as T);
    });
}

/**
 * `customers/data_request`, normalised to {@link CustomersDataRequestPayload}. Accepts Shopify's flat snake_case
 * (`shop_id`, `shop_domain`, `customer`, `orders_requested`, `data_request.id`) and the camelCase names (`shopId`,
 * `shopDomain`, `customer` or `customerId`/`customerEmail`/`customerPhone`, `ordersRequested`, `dataRequest.id` or
 * `dataRequestId`), flat or inside one wrapper object. A shop id is required, and a customer id, email or phone.
 */
export const customersDataRequestSchema = complianceSchema<CustomersDataRequestPayload>(
  'customers/data_request',
  (f, raw, ctx) => {
    const shop = shopOf(f, ctx);
    const customer = customerOf(f, ctx);
    // Stryker disable next-line ConditionalExpression,LogicalOperator: an issue is added already, so the parse fails
    if (!shop || !customer) return undefined;
    return {
      shop,
      customer,
      ordersRequested: list(f.orders_requested, f.ordersRequested),
      dataRequest: { id: str(f.data_request?.id ?? f.dataRequest?.id ?? f.dataRequestId) },
      raw,
    };
  },
);

/**
 * `customers/redact`, normalised to {@link CustomersRedactPayload}. Same shapes as
 * {@link customersDataRequestSchema}, with `orders_to_redact` / `ordersToRedact`.
 */
export const customersRedactSchema = complianceSchema<CustomersRedactPayload>('customers/redact', (f, raw, ctx) => {
  const shop = shopOf(f, ctx);
  const customer = customerOf(f, ctx);
  // Stryker disable next-line ConditionalExpression,LogicalOperator: an issue is added already, so the parse fails
  if (!shop || !customer) return undefined;
  return { shop, customer, ordersToRedact: list(f.orders_to_redact, f.ordersToRedact), raw };
});

/** `shop/redact`, normalised to {@link ShopRedactPayload}: `shop_id`/`shop_domain` or `shopId`/`shopDomain`. */
export const shopRedactSchema = complianceSchema<ShopRedactPayload>('shop/redact', (f, raw, ctx) => {
  const shop = shopOf(f, ctx);
  return shop && { shop, raw };
});
