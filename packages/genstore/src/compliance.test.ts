import { describe, expect, it } from 'vitest';
import { customersDataRequestSchema, customersRedactSchema, shopRedactSchema } from './compliance.js';

// Shopify's documented compliance payloads, which Genstore's design mirrors.
const shopifyDataRequest = {
  shop_id: 954889,
  shop_domain: 'demo.genmystore.com',
  orders_requested: [299938, 280263, 220458],
  customer: { id: 191167, email: 'john@example.com', phone: '555-625-1199' },
  data_request: { id: 9999 },
};
const shopifyRedact = {
  shop_id: 954889,
  shop_domain: 'demo.genmystore.com',
  customer: { id: 191167, email: 'john@example.com', phone: '555-625-1199' },
  orders_to_redact: [299938, 280263, 220458],
};
const shopifyShopRedact = { shop_id: 954889, shop_domain: 'demo.genmystore.com' };

// The wrapped camelCase style of Genstore's documented payloads (`{"uninstalled":{"clientId","shopId"}}`).
const wrappedDataRequest = {
  customersDataRequest: {
    shopId: '954889',
    shopDomain: 'demo.genmystore.com',
    ordersRequested: ['299938', '280263', '220458'],
    customer: { id: '191167', email: 'john@example.com', phone: '555-625-1199' },
    dataRequest: { id: '9999' },
  },
};
const wrappedRedact = {
  customersRedact: {
    shopId: '954889',
    shopDomain: 'demo.genmystore.com',
    customer: { id: '191167', email: 'john@example.com', phone: '555-625-1199' },
    ordersToRedact: ['299938', '280263', '220458'],
  },
};
const wrappedShopRedact = { redact: { shopId: '954889', shopDomain: 'demo.genmystore.com' } };

const shop = { id: '954889', domain: 'demo.genmystore.com' };
const customer = { id: '191167', email: 'john@example.com', phone: '555-625-1199' };
const orders = ['299938', '280263', '220458'];

const parse = (
  schema: { safeParse(v: unknown): { success: boolean; data?: unknown; error?: unknown } },
  v: unknown,
) => {
  const result = schema.safeParse(v);
  if (!result.success) throw new Error(`expected success: ${String(result.error)}`);
  return result.data;
};
const issues = (schema: { safeParse(v: unknown): { success: boolean; error?: unknown } }, v: unknown): string => {
  const result = schema.safeParse(v);
  expect(result.success).toBe(false);
  return String(result.error);
};
/** The issues of a refused payload as zod lists them: code and message. */
const issueList = (schema: { safeParse(v: unknown): { success: boolean; error?: unknown } }, v: unknown) => {
  const result = schema.safeParse(v);
  expect(result.success).toBe(false);
  return (result.error as { issues: { code: string; message: string }[] }).issues.map(({ code, message }) => ({
    code,
    message,
  }));
};

describe('customers/data_request schema', () => {
  it('normalises the flat snake_case shape, ids as strings', () => {
    expect(parse(customersDataRequestSchema, shopifyDataRequest)).toEqual({
      shop,
      customer,
      ordersRequested: orders,
      dataRequest: { id: '9999' },
      raw: shopifyDataRequest,
    });
  });

  it('normalises the wrapped camelCase shape to the same event', () => {
    const event = parse(customersDataRequestSchema, wrappedDataRequest);
    expect(event).toEqual({
      shop,
      customer,
      ordersRequested: orders,
      dataRequest: { id: '9999' },
      raw: wrappedDataRequest,
    });
  });

  it('accepts any wrapper name, and flat customer / data request ids', () => {
    const event = parse(customersDataRequestSchema, {
      dataRequest: { shopId: 954889, customerId: 191167, customerEmail: 'john@example.com', dataRequestId: 9999 },
    });
    expect(event).toMatchObject({
      shop: { id: '954889', domain: null },
      customer: { id: '191167', email: 'john@example.com', phone: null },
      ordersRequested: [],
      dataRequest: { id: '9999' },
    });
  });

  it('accepts camelCase without a wrapper, and a nested shop object', () => {
    const event = parse(customersDataRequestSchema, {
      shop: { id: 954889, domain: 'demo.genmystore.com' },
      customer: { id: 191167 },
    });
    expect(event).toMatchObject({
      shop,
      customer: { id: '191167', email: null, phone: null },
      dataRequest: { id: null },
    });
  });

  it('a wrapper may share its name with a field', () => {
    const inner = wrappedDataRequest.customersDataRequest;
    expect(parse(customersDataRequestSchema, { customer: inner })).toMatchObject({ shop, customer });
    expect(parse(customersDataRequestSchema, { dataRequest: inner })).toMatchObject({ shop, customer });
    // A lone nested customer is a (bare) field, not a wrapper: no shop id, so refused.
    expect(issues(customersDataRequestSchema, { customer: { id: 1 } })).toContain('shop id missing');
  });

  it('maps null and empty contact fields to null', () => {
    const event = parse(customersDataRequestSchema, {
      ...shopifyDataRequest,
      customer: { id: 1, email: null, phone: '' },
    }) as { customer: unknown };
    expect(event.customer).toEqual({ id: '1', email: null, phone: null });
  });

  it('refuses a payload without a shop id or any customer identifier, naming both', () => {
    expect(issueList(customersDataRequestSchema, { customersDataRequest: { shopDomain: 'x', customer: {} } })).toEqual([
      { code: 'custom', message: 'shop id missing: expected shop_id, shopId or shop.id' },
      {
        code: 'custom',
        message:
          'customer missing: expected customer.id, .email or .phone (or customerId, customerEmail, customerPhone)',
      },
    ]);
  });

  it('shop: {id: null} and data_request: {id: null}: null ids stay null, never the text "null"', () => {
    expect(issues(customersDataRequestSchema, { shop: { id: null }, customer: { id: 1 } })).toContain(
      'shop id missing',
    );
    expect(issues(customersDataRequestSchema, { shop_id: null, shopId: null, customer: { id: 1 } })).toContain(
      'shop id missing',
    );
    expect(
      parse(customersDataRequestSchema, { ...shopifyDataRequest, data_request: { id: null }, dataRequestId: null }),
    ).toMatchObject({ dataRequest: { id: null } });
    expect(parse(customersDataRequestSchema, { ...shopifyDataRequest, data_request: null })).toMatchObject({
      dataRequest: { id: null },
    });
  });

  it('customerId: null with customer: {id: null}: a customer named by phone alone', () => {
    const event = parse(customersDataRequestSchema, {
      shop_id: 1,
      customer: { id: null, phone: '555-625-1199' },
      customerId: null,
    });
    expect(event).toMatchObject({ customer: { id: null, email: null, phone: '555-625-1199' } });
  });

  it('ids padded with spaces are trimmed; ids of spaces alone are refused', () => {
    const event = parse(customersDataRequestSchema, {
      ...shopifyDataRequest,
      shop_id: ' 954889 ',
      customer: { id: '\t191167\n' },
      data_request: { id: ' 9999' },
    });
    expect(event).toMatchObject({ shop: { id: '954889' }, customer: { id: '191167' }, dataRequest: { id: '9999' } });
    expect(issues(customersDataRequestSchema, { ...shopifyDataRequest, shop_id: '   ' })).toContain('shop_id');
    expect(issues(customersDataRequestSchema, { ...shopifyDataRequest, customer: { id: ' ' } })).toContain('customer');
  });

  it('shop: {id: true} and data_request: {id: {}}: the nested ids are validated too', () => {
    expect(issues(customersDataRequestSchema, { shop: { id: true }, customer: { id: 1 } })).toMatch(/shop[\s\S]*id/);
    expect(issues(customersDataRequestSchema, { ...shopifyDataRequest, data_request: { id: {} } })).toMatch(
      /data_request[\s\S]*id/,
    );
    expect(issues(customersDataRequestSchema, { ...shopifyDataRequest, dataRequest: { id: -1 } })).toMatch(
      /dataRequest[\s\S]*id/,
    );
    expect(issues(customersDataRequestSchema, { ...shopifyDataRequest, customer: { id: 1, email: 5 } })).toMatch(
      /customer[\s\S]*email/,
    );
    expect(issues(customersDataRequestSchema, { ...shopifyDataRequest, shop: { id: 1, domain: 5 } })).toMatch(
      /shop[\s\S]*domain/,
    );
  });

  it('{"x": null} and {"x": "text"}: a single key whose value is not an object is no wrapper', () => {
    expect(issueList(customersDataRequestSchema, { x: null })).toContainEqual({
      code: 'custom',
      message: 'shop id missing: expected shop_id, shopId or shop.id',
    });
    expect(issues(customersDataRequestSchema, { x: 'shopId' })).toContain('shop id missing');
  });

  it('{"meta": {"shopId": …}, "shop_id": …}: a payload of several keys is never unwrapped', () => {
    const payload = { meta: { shopId: '1' }, shop_id: 954889, customer: { id: 191167 } };
    expect(parse(customersDataRequestSchema, payload)).toMatchObject({ shop: { id: '954889' }, raw: payload });
  });

  it('a customers/redact body under customers/data_request: refused, naming what belongs elsewhere', () => {
    expect(issueList(customersDataRequestSchema, shopifyRedact)).toEqual([
      {
        code: 'custom',
        message: 'not a customers/data_request payload: it has orders_to_redact, which another topic carries',
      },
    ]);
    expect(issues(customersDataRequestSchema, wrappedRedact)).toContain('its wrapper is named customersRedact');
  });

  it('keeps ids sent as strings of any length, digit for digit', () => {
    const long = '123456789012345678901234567890';
    const event = parse(customersDataRequestSchema, {
      ...shopifyDataRequest,
      shop_id: '820982911946154508',
      customer: { id: long },
      orders_requested: ['9007199254740993', 1],
    });
    expect(event).toMatchObject({
      shop: { id: '820982911946154508' },
      customer: { id: long },
      ordersRequested: ['9007199254740993', '1'],
    });
  });

  it('accepts bigint ids, from a parser that makes them', () => {
    const event = parse(customersDataRequestSchema, { ...shopifyDataRequest, customer: { id: 115310627314723954n } });
    expect(event).toMatchObject({ customer: { id: '115310627314723954' } });
  });

  it('refuses ids of the wrong type and ids too large to be exact', () => {
    expect(issues(customersDataRequestSchema, { ...shopifyDataRequest, shop_id: true })).toContain('shop_id');
    expect(issues(customersDataRequestSchema, { ...shopifyDataRequest, customer: { id: 2 ** 60 } })).toContain(
      'too large',
    );
    expect(issues(customersDataRequestSchema, { ...shopifyDataRequest, orders_requested: [1, {}] })).toContain(
      'orders_requested',
    );
  });

  it('refuses what is not an object', () => {
    for (const value of [null, 'x', [shopifyDataRequest], 42]) {
      expect(customersDataRequestSchema.safeParse(value).success).toBe(false);
    }
  });
});

describe('customers/redact schema', () => {
  it('normalises the flat snake_case shape', () => {
    expect(parse(customersRedactSchema, shopifyRedact)).toEqual({
      shop,
      customer,
      ordersToRedact: orders,
      raw: shopifyRedact,
    });
  });

  it('normalises the wrapped camelCase shape to the same event', () => {
    expect(parse(customersRedactSchema, wrappedRedact)).toEqual({
      shop,
      customer,
      ordersToRedact: orders,
      raw: wrappedRedact,
    });
  });

  it('reads the order list under either name, and defaults it to empty', () => {
    expect(parse(customersRedactSchema, { ...shopifyRedact, orders_to_redact: undefined })).toMatchObject({
      ordersToRedact: [],
    });
    expect(parse(customersRedactSchema, { ...shopifyRedact, orders_to_redact: null })).toMatchObject({
      ordersToRedact: [],
    });
  });

  it('keeps unknown fields in raw', () => {
    const payload = { redact: { ...wrappedRedact.customersRedact, reason: 'gdpr' } };
    expect(parse(customersRedactSchema, payload)).toMatchObject({ raw: payload });
  });

  it('accepts a customer with a null id and only an email (a customer the shop knows by email alone)', () => {
    const payload = { ...shopifyRedact, customer: { id: null, email: 'john@example.com' }, orders_to_redact: [] };
    expect(parse(customersRedactSchema, payload)).toEqual({
      shop,
      customer: { id: null, email: 'john@example.com', phone: null },
      ordersToRedact: [],
      raw: payload,
    });
    const wrapped = { customersRedact: { shopId: '954889', customerEmail: 'john@example.com', ordersToRedact: [] } };
    expect(parse(customersRedactSchema, wrapped)).toMatchObject({ customer: { id: null, email: 'john@example.com' } });
  });

  it('an empty orders_to_redact is an empty list', () => {
    expect(parse(customersRedactSchema, { ...shopifyRedact, orders_to_redact: [] })).toMatchObject({
      ordersToRedact: [],
    });
  });

  it('a customers/data_request body under customers/redact: refused', () => {
    expect(issues(customersRedactSchema, shopifyDataRequest)).toContain('not a customers/redact payload');
  });

  it('refuses a payload that names no customer at all (no id, email or phone)', () => {
    expect(issues(customersRedactSchema, { shop_id: 1, customer: { id: null, email: '' } })).toContain(
      'customer missing',
    );
    expect(issues(customersRedactSchema, { shop_id: 1 })).toContain('customer missing');
  });
});

describe('shop/redact schema', () => {
  it('normalises the flat snake_case shape', () => {
    expect(parse(shopRedactSchema, shopifyShopRedact)).toEqual({ shop, raw: shopifyShopRedact });
  });

  it('normalises the wrapped camelCase shape to the same event', () => {
    expect(parse(shopRedactSchema, wrappedShopRedact)).toEqual({ shop, raw: wrappedShopRedact });
  });

  it('reads a single nested shop object as a shape, not as a wrapper', () => {
    const payload = { shop: { id: '954889', domain: 'demo.genmystore.com' } };
    expect(parse(shopRedactSchema, payload)).toEqual({ shop, raw: payload });
  });

  it('a single-key wrapper whose value is not an object is not unwrapped', () => {
    expect(issues(shopRedactSchema, { redact: 'everything' })).toContain('shop id missing');
  });

  it('a customers/redact body under shop/redact: refused', () => {
    expect(issues(shopRedactSchema, shopifyRedact)).toContain('not a shop/redact payload: it has customer');
  });

  it('refuses a payload without a shop id', () => {
    expect(issues(shopRedactSchema, { shop_domain: 'demo.genmystore.com' })).toContain('shop id missing');
    expect(issues(shopRedactSchema, { redact: { shopId: '' } })).toMatch(/shopId/);
  });
});
