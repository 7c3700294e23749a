import { z } from 'zod';
import type { GenstoreShopRef } from './compliance.js';
import { idInput } from './ids.js';

/**
 * `app/uninstalled`, normalised from either shape: Genstore's documented wrapper
 * (`{"uninstalled":{"clientId":"58DA…","shopId":"4022054969604"}}`, partners.genstore.ai/docs/api-rest/47) or the flat
 * shop object Shopify sends (`{"id":548380009,"name":"Super Toys","myshopify_domain":"…",…}`).
 */
export interface AppUninstalledPayload {
  /** The shop that uninstalled the app; `domain` is `null` when the payload does not name it (see `meta.shopDomain`). */
  shop: GenstoreShopRef;
  /** The app's client id, when the payload names it (Genstore's wrapper does; Shopify's shop object does not). */
  clientId: string | null;
  /** The payload exactly as it was parsed, every field kept. */
  raw: Record<string, unknown>;
}

const id = idInput;
const text = z.string().nullish();

const fields = z.looseObject({
  shopId: id.nullish(),
  shop_id: id.nullish(),
  id: id.nullish(),
  clientId: text,
  client_id: text,
  shopDomain: text,
  shop_domain: text,
  myshopify_domain: text,
  domain: text,
});

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The `app/uninstalled` schema. In the wrapper, the shop id is `shopId` (or `shop_id`); flat, it is `shopId`,
 * `shop_id` or, in Shopify's shop object, `id`. The domain is `shopDomain`, `shop_domain`, `myshopify_domain` or
 * `domain`, the first present. A shop id is required.
 */
export const appUninstalledSchema = z
  .looseObject({})
  .transform((raw) => {
    const wrapped = isObject(raw.uninstalled);
    return { raw, wrapped, fields: wrapped ? raw.uninstalled : raw };
  })
  .pipe(z.object({ raw: z.looseObject({}), wrapped: z.boolean(), fields }))
  .transform(({ raw, wrapped, fields: f }, ctx): AppUninstalledPayload => {
    // Inside the wrapper an `id` could be anything's; flat, it is the shop object's own id.
    const shopId = f.shopId ?? f.shop_id ?? (wrapped ? undefined : f.id);
    if (shopId === null || shopId === undefined) {
      ctx.addIssue({ code: 'custom', message: 'shop id missing: expected uninstalled.shopId, shopId, shop_id or id' });
      return z.NEVER;
    }
    const domain = f.shopDomain || f.shop_domain || f.myshopify_domain || f.domain || null;
    return { shop: { id: String(shopId), domain }, clientId: f.clientId || f.client_id || null, raw };
  });
