export { backoffDelay, type RetryPolicy, sleep } from './backoff.js';
export {
  createMemoryDeadLetters,
  type DeadLetter,
  type DeadLetterSink,
  type MemoryDeadLetters,
  restoreDelivery,
  restoreEvent,
  type StoredDelivery,
  type StoredEvent,
  storeDelivery,
  storeEvent,
} from './dead-letters.js';
export type { Outcome } from './delivery-context.js';
export { ERROR_CODES, type ErrorCode, HookinboxError, type HookinboxErrorOptions, isHookinboxError } from './errors.js';
export { createHmacSha256, type HmacSha256, hmacSha256 } from './hmac.js';
export { compilePattern, type EventFor, type MatchingNames } from './match.js';
export { createMemoryStore, type MemoryStore, type MemoryStoreOptions } from './memory-store.js';
export { silentLogger } from './monitor.js';
export type {
  DeliveryEnd,
  DeliveryObservation,
  DeliveryStart,
  ObservedEvent,
  Observer,
  RunEnd,
  RunObservation,
  RunStart,
  TraceCarrier,
} from './observe.js';
export { parseOptions } from './parse-options.js';
export {
  eventJob,
  letterJob,
  type QueueJob,
  QueueJobFailed,
  queueJobId,
  runQueueJob,
} from './queue-jobs.js';
export { type ReadBodyCallback, type ReadBodyOptions, readRawBody } from './read-body.js';
export { readWebBody } from './read-web-body.js';
export { createReceiver } from './receiver.js';
export type {
  CloseResult,
  Dispatcher,
  HandleOptions,
  HandlerFailure,
  MaybePromise,
  ProcessOptions,
  ProviderEvent,
  ProviderEvents,
  ProviderFallback,
  ProviderMeta,
  Receiver,
  ReceiverHooks,
  ReceiverOptions,
  ReceiverStats,
  RegisterOptions,
  ReplayResult,
  WaitUntil,
} from './receiver-types.js';
export { toResponse } from './response.js';
export type { ClaimResult, DedupeStore, SyncDedupeOps } from './store.js';
export type {
  DeliveryInput,
  EventMap,
  Handler,
  HandlerContext,
  Headers,
  Logger,
  PayloadSchema,
  Provider,
  RawDelivery,
  VerifiedDelivery,
  VerifyOptions,
  WebhookEvent,
  WebhookResponse,
} from './types.js';
export { decodeUtf8, getHeader, parseJsonSafe, safeEqual, sha256Hex, splitUrl } from './util.js';
