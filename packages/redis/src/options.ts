import { parseOptions } from '@hookinbox/core';
import type { Cluster, Redis } from 'ioredis';
import { z } from 'zod';

/** Options of {@link redisStore}. Give either `client` or `url`. */
export interface RedisStoreOptions {
  /**
   * An ioredis client: `new Redis(…)` (standalone or Sentinel) or `new Cluster(…)`. The store never closes it;
   * the app that created it does.
   */
  client?: Redis | Cluster;
  /**
   * A `redis://` or `rediss://` URL; the store creates its own client and closes it in `close()`. That client has
   * ioredis's `enableAutoPipelining` on: the commands of one event-loop turn (the claims and commits of concurrent
   * deliveries) go out in one write. Turn it on for an injected client too when it serves many deliveries.
   */
  url?: string;
  /**
   * Put before every dedupe key (default `hookinbox:`). Use one prefix per app sharing a Redis. A `keyPrefix` set
   * on the client itself is added in front of this one by ioredis.
   */
  keyPrefix?: string;
  /**
   * Longest wait for one Redis command, in milliseconds (default 500). The store enforces it itself, whatever the
   * client's own options say, so a hung or unreachable Redis cannot hold a delivery past the provider's timeout.
   */
  commandTimeoutMs?: number;
  /**
   * How processed deliveries are remembered (default `'compact'`):
   * - `'compact'`: as 14-byte digests in 65,536 hashes kept in Redis's compact encoding (33 bytes a delivery
   *   at a million remembered, against 161 for a key each), each forgotten within a second after its ttl;
   * - `'keys'`: as a key each, as before the compact layout (for a rolling upgrade from it, see the README).
   *
   * Claims read both layouts either way, and a claim in flight is always a key of its own. A ttl under a second is
   * always kept as a key.
   */
  layout?: 'compact' | 'keys';
}

export interface ParsedRedisStoreOptions {
  client: Redis | Cluster | undefined;
  url: string | undefined;
  keyPrefix: string;
  commandTimeoutMs: number;
  layout: 'compact' | 'keys';
}

const URL_SCHEME = /^rediss?:\/\//;

const isClient = (value: unknown) =>
  typeof value === 'object' && value !== null && typeof (value as Redis).defineCommand === 'function';

const redisStoreOptionsSchema = z
  .object(
    {
      client: z.custom<Redis | Cluster>(isClient, { message: 'must be an ioredis Redis or Cluster client' }).optional(),
      url: z.string().regex(URL_SCHEME, 'must be a redis:// or rediss:// URL').optional(),
      keyPrefix: z.string({ message: 'must be a string' }).default('hookinbox:'),
      commandTimeoutMs: z
        .number({ message: 'must be a positive integer (milliseconds)' })
        .int('must be a positive integer (milliseconds)')
        .positive('must be a positive integer (milliseconds)')
        .default(500),
      layout: z.enum(['compact', 'keys'], { message: "must be 'compact' or 'keys'" }).default('compact'),
    },
    { message: 'expected an object such as { client }' },
  )
  .superRefine((options, ctx) => {
    if (options.client !== undefined && options.url !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['client, url'], message: 'give one of them, not both' });
    } else if (options.client === undefined && options.url === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['client'],
        message: 'required (an ioredis Redis or Cluster), or give url',
      });
    }
  });

/** Validate once, when the store is built, through core's one options parser (one style of message everywhere). */
export function parseRedisStoreOptions(options: RedisStoreOptions): ParsedRedisStoreOptions {
  const { client, url, keyPrefix, commandTimeoutMs, layout } = parseOptions(
    redisStoreOptionsSchema,
    options,
    '@hookinbox/redis',
  );
  return { client, url, keyPrefix, commandTimeoutMs, layout };
}
