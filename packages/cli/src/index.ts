export { applySync, type SyncResult } from './apply-sync.js';
export { type LoadedGeinsDefinition, loadGeinsDefinitions } from './definitions.js';
export {
  type GeinsCredentials,
  type GenstoreCredentials,
  readGeinsCredentials,
  readGenstoreCredentials,
} from './env.js';
export { CliUsageError } from './errors.js';
export type { CliIo } from './io.js';
export {
  countChanges,
  formatGeinsList,
  formatGenstoreList,
  formatPlan,
  type SyncPlan,
  summarisePlan,
} from './plan-format.js';
export { runCli } from './run.js';
export { sampleGenstorePayload } from './samples.js';
export {
  renderGeinsTemplate,
  type SendGeinsOptions,
  type SendGenstoreOptions,
  type SendResult,
  sendGeinsDelivery,
  sendGenstoreDelivery,
} from './send.js';
