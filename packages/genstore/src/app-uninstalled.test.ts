import { describe, expect, it } from 'vitest';
import { appUninstalledSchema } from './app-uninstalled.js';

const parse = (value: unknown) => {
  const result = appUninstalledSchema.safeParse(value);
  if (!result.success) throw new Error(`expected success: ${result.error.message}`);
  return result.data;
};

describe('app/uninstalled schema', () => {
  it("normalises Genstore's documented wrapper", () => {
    const documented = { uninstalled: { clientId: '58DA9C2B5E4F4E7B', shopId: '4022054969604' } };
    expect(parse(documented)).toEqual({
      shop: { id: '4022054969604', domain: null },
      clientId: '58DA9C2B5E4F4E7B',
      raw: documented,
    });
  });

  it("normalises Shopify's flat shop object, its id the shop id and myshopify_domain the domain", () => {
    const flat = { id: 548380009, name: 'Super Toys', domain: null, myshopify_domain: 'example.myshopify.com' };
    expect(parse(flat)).toEqual({
      shop: { id: '548380009', domain: 'example.myshopify.com' },
      clientId: null,
      raw: flat,
    });
  });

  it('reads flat camelCase and snake_case shop ids, and keeps unknown fields in raw', () => {
    expect(parse({ shopId: 7, clientId: 'C', shopDomain: 'a.genmystore.com', extra: [1] })).toEqual({
      shop: { id: '7', domain: 'a.genmystore.com' },
      clientId: 'C',
      raw: { shopId: 7, clientId: 'C', shopDomain: 'a.genmystore.com', extra: [1] },
    });
    expect(parse({ shop_id: '820982911946154508', domain: 'toys.example' }).shop).toEqual({
      id: '820982911946154508',
      domain: 'toys.example',
    });
  });

  it("inside the wrapper an id field is not the shop's: a wrapper without shopId is refused", () => {
    const result = appUninstalledSchema.safeParse({ uninstalled: { id: 1, clientId: 'C' } });
    expect(result.success).toBe(false);
    expect(String(result.error)).toContain('shop id missing');
  });

  it('refuses a payload without a shop id, an id too large to be exact, and what is not an object', () => {
    expect(appUninstalledSchema.safeParse({ name: 'Super Toys' }).success).toBe(false);
    expect(appUninstalledSchema.safeParse({ id: 2 ** 60 }).success).toBe(false);
    for (const value of [null, 'x', [1], 42]) expect(appUninstalledSchema.safeParse(value).success).toBe(false);
  });
});
