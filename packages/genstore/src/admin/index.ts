export {
  createGenstoreAdminClient,
  type GenstoreAdminClient,
  type GenstoreAdminClientOptions,
  type GenstoreAdminListQuery,
  type GenstoreAdminWebhook,
  type GenstoreAdminWebhookInput,
} from './client.js';
export { GenstoreAdminError, type GenstoreAdminFetch, type GenstoreAdminRetryOptions } from './http.js';
export {
  applyGenstoreSync,
  type GenstoreSyncOptions,
  type GenstoreSyncPlan,
  type GenstoreSyncResult,
  type GenstoreSyncUpdate,
  planGenstoreSync,
} from './sync.js';
