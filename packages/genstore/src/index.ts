export * from './admin/index.js';
export { type AppUninstalledPayload, appUninstalledSchema } from './app-uninstalled.js';
export {
  type CustomersDataRequestPayload,
  type CustomersRedactPayload,
  customersDataRequestSchema,
  customersRedactSchema,
  GENSTORE_COMPLIANCE_TOPICS,
  type GenstoreComplianceTopic,
  type GenstoreCustomerRef,
  type GenstoreShopRef,
  type ShopRedactPayload,
  shopRedactSchema,
} from './compliance.js';
export { assertComplianceHandlers, findMissingComplianceHandlers } from './compliance-guard.js';
export { genstoreEventKey } from './event-key.js';
export { type GenstoreProvider, genstore } from './genstore.js';
export { GENSTORE_HEADERS } from './headers.js';
export { type GenstoreId, genstoreId } from './ids.js';
export type { GenstoreMeta } from './meta.js';
export { type GenstoreOptions, genstoreOptionsSchema } from './options.js';
export { computeGenstoreSignature, verifyGenstoreSignature } from './signature.js';
export {
  GENSTORE_TOPICS,
  type GenstoreEvents,
  type GenstoreEventsWith,
  type GenstoreObjectPayload,
  type GenstoreSchemas,
  type GenstoreTopic,
  genstoreSchemas,
  type SchemaOutput,
} from './topics.js';
