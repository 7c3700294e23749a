import { describe, expect, it } from 'vitest';
import { customersDataRequestSchema, customersRedactSchema, shopRedactSchema } from './compliance.js';

// The topic header is not signed: a captured body can be sent under another topic. Each compliance schema refuses a
// body that carries what only another topic carries, so a relabelled body never reaches the wrong handler.

const dataRequest = {
  shop_id: 954889,
  shop_domain: 'demo.genmystore.com',
  orders_requested: [299938],
  customer: { id: 191167, email: 'john@example.com', phone: null },
  data_request: { id: 9999 },
};
const redact = {
  shop_id: 954889,
  shop_domain: 'demo.genmystore.com',
  customer: { id: 191167, email: 'john@example.com', phone: null },
  orders_to_redact: [],
};
const wrappedDataRequest = { customersDataRequest: { shopId: '954889', customerId: '191167', dataRequestId: '9' } };
const wrappedRedact = { customersRedact: { shopId: '954889', customerId: '191167' } };
const wrappedShopRedact = { shopRedact: { shopId: '954889' } };

const refusal = (schema: { safeParse(v: unknown): { success: boolean; error?: unknown } }, body: unknown) => {
  const result = schema.safeParse(body);
  expect(result.success).toBe(false);
  return String(result.error);
};

describe('compliance schemas refuse a body relabelled from another topic', () => {
  it('a customers/data_request body sent as customers/redact', () => {
    expect(refusal(customersRedactSchema, dataRequest)).toMatch(/not a customers\/redact payload: .*orders_requested/);
    expect(refusal(customersRedactSchema, wrappedDataRequest)).toMatch(/wrapper is named customersDataRequest/);
  });

  it('a customers/redact body sent as customers/data_request', () => {
    expect(refusal(customersDataRequestSchema, redact)).toMatch(/orders_to_redact/);
    expect(refusal(customersDataRequestSchema, wrappedRedact)).toMatch(/wrapper is named customersRedact/);
  });

  it('a customer topic body sent as shop/redact (one customer would become the whole shop)', () => {
    expect(refusal(shopRedactSchema, redact)).toMatch(/not a shop\/redact payload: .*customer/);
    expect(refusal(shopRedactSchema, dataRequest)).toMatch(/customer/);
    expect(refusal(shopRedactSchema, wrappedRedact)).toMatch(/wrapper is named customersRedact/);
    expect(refusal(shopRedactSchema, { redact: { shopId: '1', customerEmail: 'a@b.c' } })).toMatch(/customerEmail/);
  });

  it('a shop/redact body sent as a customer topic (it names no customer)', () => {
    expect(refusal(customersRedactSchema, wrappedShopRedact)).toMatch(/wrapper is named shopRedact|customer missing/);
    expect(refusal(customersDataRequestSchema, { shop_id: 1, shop_domain: 'x' })).toContain('customer missing');
  });

  it('an order wrapped in one object, which holds a shop id and a customer', () => {
    const order = { order: { id: '820982911946154508', shopId: '954889', customer: { id: '191167' } } };
    for (const schema of [customersRedactSchema, customersDataRequestSchema, shopRedactSchema]) {
      expect(refusal(schema, order)).toMatch(/wrapper is named order/);
    }
  });

  it('still accepts each topic in its own shapes, with empty or null fields of the others', () => {
    expect(customersRedactSchema.safeParse(redact).success).toBe(true);
    expect(customersRedactSchema.safeParse({ ...redact, data_request: null }).success).toBe(true);
    expect(customersRedactSchema.safeParse(wrappedRedact).success).toBe(true);
    expect(customersDataRequestSchema.safeParse(dataRequest).success).toBe(true);
    expect(customersDataRequestSchema.safeParse(wrappedDataRequest).success).toBe(true);
    expect(shopRedactSchema.safeParse({ shop_id: 954889, shop_domain: 'x', customer: null }).success).toBe(true);
    expect(shopRedactSchema.safeParse(wrappedShopRedact).success).toBe(true);
  });
});
