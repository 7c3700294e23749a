export {
  createGeinsAdminClient,
  type GeinsAdminClient,
  type GeinsAdminClientOptions,
  type GeinsAdminEntity,
  type GeinsAdminPaths,
  type GeinsAdminWebhook,
  type GeinsAdminWebhookInput,
} from './client.js';
export {
  defineGeinsWebhook,
  type GeinsRenderedDelivery,
  type GeinsRenderValues,
  type GeinsWebhookDefinition,
  type GeinsWebhookDefinitionInput,
  type GeinsWebhookSecret,
  isGeinsWebhookDefinition,
} from './definition.js';
export { GeinsAdminError, type GeinsAdminFetch, type GeinsAdminRetryOptions } from './http.js';
export {
  applyGeinsSync,
  type GeinsSyncDefinition,
  type GeinsSyncField,
  type GeinsSyncOptions,
  type GeinsSyncPlan,
  type GeinsSyncResult,
  type GeinsSyncUpdate,
  planGeinsSync,
} from './sync.js';
