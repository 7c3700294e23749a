import type { Cluster, Redis } from 'ioredis';

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
   * - `'compact'`: as 14-byte digests in 65,536 hashes kept in Redis's compact encoding (34 bytes a delivery
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

/**
 * Validate once, when the store is built. Plain checks rather than a zod schema: five fields do not justify a
 * dependency beyond core and ioredis.
 */
export function parseRedisStoreOptions(options: RedisStoreOptions): ParsedRedisStoreOptions {
  const problems: string[] = [];
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('@hookinbox/redis: invalid options: options: expected an object such as { client }');
  }
  const { client, url, keyPrefix = 'hookinbox:', commandTimeoutMs = 500, layout = 'compact' } = options;
  if (client !== undefined && url !== undefined) {
    problems.push('client, url: give one of them, not both');
  } else if (client === undefined && url === undefined) {
    problems.push('client: required (an ioredis Redis or Cluster), or give url');
  }
  if (
    client !== undefined &&
    (typeof client !== 'object' || client === null || typeof (client as Redis).defineCommand !== 'function')
  ) {
    problems.push('client: must be an ioredis Redis or Cluster client');
  }
  if (url !== undefined && (typeof url !== 'string' || !URL_SCHEME.test(url))) {
    problems.push('url: must be a redis:// or rediss:// URL');
  }
  if (typeof keyPrefix !== 'string') problems.push('keyPrefix: must be a string');
  if (typeof commandTimeoutMs !== 'number' || !Number.isInteger(commandTimeoutMs) || commandTimeoutMs <= 0) {
    problems.push('commandTimeoutMs: must be a positive integer (milliseconds)');
  }
  if (layout !== 'compact' && layout !== 'keys') problems.push("layout: must be 'compact' or 'keys'");
  if (problems.length > 0) throw new TypeError(`@hookinbox/redis: invalid options: ${problems.join('; ')}`);
  return { client, url, keyPrefix, commandTimeoutMs, layout };
}
