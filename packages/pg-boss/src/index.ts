export { jobUuid } from './job-id.js';
export { type JobDb, type PgBossQueue, type PgBossQueueOptions, pgBossQueue, type QueueLocation } from './queue.js';
export {
  type ClaimAndEnqueueOptions,
  claimAndEnqueue,
  type TransactionalStore,
  type TransactionPool,
} from './transaction.js';
export { createWorker, type PgBossWorker, type PgBossWorkerOptions } from './worker.js';
