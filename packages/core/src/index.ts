export { ERROR_CODES, type ErrorCode, HookinboxError, type HookinboxErrorOptions, isHookinboxError } from './errors.js';
export { compilePattern, type EventFor, type MatchingNames } from './match.js';
export {
  type PlatformApiCall,
  type PlatformApiCallOptions,
  PlatformApiError,
  type PlatformApiErrorDetails,
  type PlatformApiFetch,
  type PlatformApiResponse,
  type PlatformApiRetryOptions,
  type PlatformApiRetryPolicy,
  parseRetryAfter,
  platformApiRetrySchema,
  sendPlatformApiCall,
} from './platform-api.js';
export { type ReadBodyCallback, type ReadBodyOptions, readRawBody } from './read-body.js';
export {
  type CloseResult,
  createReceiver,
  type Dispatcher,
  type HandleOptions,
  type HandlerFailure,
  handleDelivery,
  type ProviderEvent,
  type ProviderEvents,
  type ProviderFallback,
  type ProviderMeta,
  type Receiver,
  type ReceiverHooks,
  type ReceiverOptions,
  type ReceiverStats,
  type RegisterOptions,
  silentLogger,
} from './receiver.js';
export { type ClaimResult, createMemoryStore, type DedupeStore, type MemoryStoreOptions } from './store.js';
export type {
  EventMap,
  Handler,
  HandlerContext,
  Headers,
  Logger,
  PayloadSchema,
  Provider,
  RawDelivery,
  VerifiedDelivery,
  WebhookEvent,
  WebhookResponse,
} from './types.js';
export { getHeader, parseJsonSafe, safeEqual, sha256Hex, splitUrl } from './util.js';
