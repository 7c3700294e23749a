// The Management API client (webhook CRUD and sync) lives in ./admin.
export * from './admin/index.js';
export { type BodyTemplate, compileBodyTemplate, DEFAULT_BODY_TEMPLATE } from './body-template.js';
export {
  GEINS_ENTITIES,
  GEINS_PLACEHOLDERS,
  type GeinsAction,
  type GeinsEntity,
  type GeinsEventName,
  type GeinsPlaceholder,
  type GeinsSubEntity,
  ORDER_SUB_ENTITIES,
  type OrderSubEntity,
  PRODUCT_SUB_ENTITIES,
  type ProductSubEntity,
} from './entities.js';
export { type GeinsProvider, geins } from './geins.js';
export { type GeinsOptions, geinsOptionsSchema } from './options.js';
export type {
  GeinsEvent,
  GeinsEvents,
  GeinsMeta,
  GeinsOptionalFields,
  GeinsPasswordResetFields,
  GeinsPayload,
  GeinsPayloadBase,
  GeinsProductMonitorFields,
} from './payload.js';
export { subEntity } from './sub-entity.js';
export { parseGeinsTimestamp } from './timestamp.js';
export { compileUrlTemplate, type UrlTemplate } from './url-template.js';
