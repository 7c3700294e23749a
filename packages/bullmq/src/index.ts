export { BULLMQ_ERROR_CODES, BullmqError, type BullmqErrorCode } from './errors.js';
export type { BullmqQueueOptions, Connection, QueueLocation, WorkerOptions } from './options.js';
export { BACKOFF_TYPE, type BullmqQueue, bullmqQueue, MAX_ATTEMPTS } from './queue.js';
export { checkRedisDurability } from './redis-checks.js';
export { attemptOf, createWorker, type HookinboxWorker } from './worker.js';
