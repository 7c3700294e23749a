import { randomUUID } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import type { Cluster as Cluster6, Redis as Redis6 } from 'ioredis6';
import { inject } from 'vitest';

/** The Redis URL chosen by test/setup/redis.ts. Throws when no Redis could be found or started. */
export function redisUrl(): string {
  const url = inject('redisUrl') || process.env.REDIS_URL;
  if (!url) {
    throw new Error(
      'no Redis for the tests: set REDIS_URL, run redis-server on 127.0.0.1:6379, or install redis-server',
    );
  }
  return url;
}

/** A key prefix no other test run uses, so runs in parallel never see each other's keys. */
export function uniquePrefix(label: string): string {
  return `hookinbox-test:${label}:${randomUUID()}:`;
}

/** Delete every key under `prefix` (SCAN here is fine: this is test cleanup, not the request path). */
export async function deleteKeys(client: Redis | Cluster, prefix: string): Promise<number> {
  const nodes = client.isCluster ? (client as Cluster).nodes('master') : [client as Redis];
  let deleted = 0;
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', `${globEscape(prefix)}*`, 'COUNT', 1000);
      cursor = next;
      // One DEL per key: on a Cluster, keys of one node may still span slots.
      for (const key of keys) deleted += await node.del(key);
    } while (cursor !== '0');
  }
  return deleted;
}

function globEscape(value: string): string {
  return value.replace(/[*?[\]\\]/g, '\\$&');
}

/**
 * An ioredis 6 client, typed as the client the store's options name. The workspace installs ioredis 6 under an alias
 * beside ioredis 5, so the package's types are 5's here; an app that installs ioredis 6 gets 6's and needs no cast.
 */
export function asStoreClient(client: Redis6 | Cluster6): Redis | Cluster {
  return client as unknown as Redis | Cluster;
}
