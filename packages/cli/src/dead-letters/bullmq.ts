import { CliUsageError } from '../errors.js';
import type { BackendOptions, DeadLetterBackend } from './backend.js';

const PACKAGE = '@hookinbox/bullmq';

/** The BullMQ queue's failed set, through `@hookinbox/bullmq` (installed by the app, not by the CLI). */
export async function openBullmq(options: BackendOptions): Promise<DeadLetterBackend> {
  if (!options.redisUrl) {
    throw new CliUsageError('hookinbox dead-letters: --queue bullmq needs --redis-url (or REDIS_URL)');
  }
  if (!/^rediss?:\/\//.test(options.redisUrl)) {
    throw new CliUsageError('hookinbox dead-letters: --redis-url must be a redis:// or rediss:// URL');
  }
  let module: typeof import('@hookinbox/bullmq');
  try {
    module = await import(PACKAGE);
  } catch (error) {
    throw new Error(`dead-letters --queue bullmq needs ${PACKAGE}: install it beside the CLI (pnpm add ${PACKAGE})`, {
      cause: error,
    });
  }
  const queue = module.bullmqQueue({
    connection: options.redisUrl,
    ...(options.queueName === undefined ? {} : { queueName: options.queueName }),
    ...(options.prefix === undefined ? {} : { prefix: options.prefix }),
    // The CLI reads and retries; the app's start checks the Redis settings.
    logger: { debug() {}, info() {}, warn() {}, error() {} },
  });
  return {
    list: (limit) => queue.deadLetters({ limit }),
    retry: (letter) => queue.retry(letter),
    close: () => queue.close(),
  };
}
