import type { Logger } from '@hookinbox/core';
import type { Redis } from 'ioredis';
import { BullmqError } from './errors.js';

/**
 * What durability needs of the Redis server, checked at start where the server allows CONFIG GET (managed services
 * often refuse it): `maxmemory-policy noeviction` is required, since any other policy lets Redis delete queued jobs
 * under memory pressure; AOF off is only warned about (a snapshot-only Redis loses the jobs written since the last
 * snapshot when it dies; some deployments accept that).
 */
export async function checkRedisDurability(client: Redis, logger: Logger): Promise<void> {
  let policy: string | undefined;
  let appendonly: string | undefined;
  try {
    policy = await configGet(client, 'maxmemory-policy');
    appendonly = await configGet(client, 'appendonly');
  } catch (error) {
    // Only the server's refusal (a reply error: CONFIG renamed, or not allowed) is a warning; a connection that
    // failed is the caller's to see.
    if ((error as { name?: unknown } | null)?.name !== 'ReplyError') throw error;
    logger.warn(
      { err: error instanceof Error ? error.message : String(error) },
      '@hookinbox/bullmq: could not read the Redis settings (CONFIG GET refused): make sure maxmemory-policy is noeviction and AOF is on',
    );
    return;
  }
  if (policy !== undefined && policy !== 'noeviction') {
    throw new BullmqError(
      'redis_eviction_policy',
      `@hookinbox/bullmq: Redis maxmemory-policy is ${policy}; it must be noeviction, or Redis may delete queued jobs (CONFIG SET maxmemory-policy noeviction, or your provider's setting)`,
    );
  }
  if (appendonly === 'no') {
    logger.warn(
      { appendonly },
      '@hookinbox/bullmq: Redis AOF is off: jobs written since the last snapshot are lost if Redis dies (appendonly yes, appendfsync everysec or always)',
    );
  }
}

async function configGet(client: Redis, name: string): Promise<string | undefined> {
  const reply = (await client.config('GET', name)) as unknown;
  // RESP2 answers [name, value]; RESP3 (ioredis 6) a map.
  if (Array.isArray(reply)) return reply[1] === undefined ? undefined : String(reply[1]);
  if (reply && typeof reply === 'object') {
    const value = (reply as Record<string, unknown>)[name];
    return value === undefined ? undefined : String(value);
  }
  return undefined;
}
