/**
 * Every entity Geins documents, with its actions (www.geins.io/developers/webhooks/entities-and-actions). Geins
 * may add more: deliveries for entities or actions not listed here are routed all the same.
 */
export const GEINS_ENTITIES = {
  Product: ['create', 'update', 'delete'],
  Brand: ['create', 'update', 'delete'],
  Category: ['create', 'update', 'delete'],
  Supplier: ['create', 'update', 'delete'],
  ProductMonitor: ['create', 'notify'],
  PageWidget: ['update', 'delete'],
  Customer: ['create', 'update', 'delete', 'passwordreset', 'obfuscate'],
  Order: ['create', 'update', 'cancel', 'activate', 'complete', 'lock', 'cancelrow', 'return'],
  Capture: ['create'],
  Refund: ['create'],
} as const;

/** A documented Geins entity. */
export type GeinsEntity = keyof typeof GEINS_ENTITIES;

/** The documented actions of entity `E` (of every entity by default). */
export type GeinsAction<E extends GeinsEntity = GeinsEntity> = (typeof GEINS_ENTITIES)[E][number];

/** Every documented routing name, `Entity.action`: `Order.create`, `Customer.passwordreset`, … */
export type GeinsEventName = { [E in GeinsEntity]: `${E}.${GeinsAction<E>}` }[GeinsEntity];

/** What `{{subEntity}}` holds on a Product event; empty (so absent) when the whole product changed. */
export const PRODUCT_SUB_ENTITIES = [
  'stockBalance',
  'price',
  'image',
  'sortOrder',
  'purchasePrice',
  'variant',
  'parameter',
  'category',
  'relation',
  'item',
] as const;

/** What `{{subEntity}}` holds on an Order event; empty (so absent) when the whole order changed. */
export const ORDER_SUB_ENTITIES = ['row', 'status'] as const;

export type ProductSubEntity = (typeof PRODUCT_SUB_ENTITIES)[number];
export type OrderSubEntity = (typeof ORDER_SUB_ENTITIES)[number];
/** A documented sub-entity. Others are accepted: Geins may add more. */
export type GeinsSubEntity = ProductSubEntity | OrderSubEntity;

/**
 * Every documented placeholder (www.geins.io/developers/webhooks/placeholders). Templates may use others: they are
 * read back all the same and exposed by name in `payload.values`.
 */
export const GEINS_PLACEHOLDERS = [
  'entity',
  'action',
  'account',
  'environment',
  'id',
  'subEntity',
  'paymentName',
  'channelName',
  'channelUrl',
  'resetKey',
  'orderRowId',
  'returnId',
  'email',
  'language',
  'productId',
  'productName',
  'productUrl',
  'productPrice',
  'productImage',
  'itemId',
  'itemName',
] as const;

export type GeinsPlaceholder = (typeof GEINS_PLACEHOLDERS)[number];

// Lower-case lookups, so a delivery that spells `order` or `CREATE` still routes as `Order.create`. Maps rather than
// objects: names come from the wire and `constructor` must not resolve to something inherited.
const entityByLowerCase = new Map<string, string>(Object.keys(GEINS_ENTITIES).map((e) => [e.toLowerCase(), e]));
const actionByLowerCase = new Map<string, string>(
  Object.values(GEINS_ENTITIES)
    .flat()
    .map((a) => [a, a]),
);

/** The documented spelling of an entity, or the text as sent when it is not documented. */
export function canonicalEntity(entity: string): string {
  return entityByLowerCase.get(entity.toLowerCase()) ?? entity;
}

/** The documented spelling of an action, or the text as sent when it is not documented. */
export function canonicalAction(action: string): string {
  return actionByLowerCase.get(action.toLowerCase()) ?? action;
}

/** The documented actions of an entity, or none when the entity is not documented. */
export function actionsOf(entity: string): readonly string[] {
  return Object.hasOwn(GEINS_ENTITIES, entity) ? GEINS_ENTITIES[entity as GeinsEntity] : [];
}
