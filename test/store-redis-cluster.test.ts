import { redisStore } from '@hookinbox/redis';
import { describeDedupeStore } from '@hookinbox/testing/store-contract';
import { Cluster } from 'ioredis';
import { Cluster as Cluster6 } from 'ioredis6';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLayout } from '../packages/redis/src/layout.js';
import { asStoreClient, deleteKeys, uniquePrefix } from './helpers/redis.js';
import { type RedisCluster, startRedisCluster } from './setup/redis-server.js';

let cluster: RedisCluster | undefined;
let client: Cluster;
let client6: Cluster6;

/** Resolves once a cluster client knows the slots. */
function ready(redis: { once(event: string, listener: () => void): unknown }): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    redis.once('ready', () => resolve());
    redis.once('end', () => reject(new Error('the cluster client closed before it was ready')));
  });
}

beforeAll(async () => {
  // A real three-master cluster on loopback, started for this file only; startRedisCluster stops what it
  // started when it fails half-way.
  cluster = await startRedisCluster(3);
  client = new Cluster(cluster.nodes);
  client6 = new Cluster6(cluster.nodes);
  client.on('error', () => {});
  client6.on('error', () => {});
  await Promise.all([ready(client), ready(client6)]);
}, 30_000);

afterAll(async () => {
  for (const redis of [client, client6]) {
    if (redis && redis.status !== 'end') await redis.quit().catch(() => redis.disconnect());
  }
  await cluster?.stop();
});

// 1,000 concurrent claims on a loaded machine can take longer than the store's default 500 ms command timeout; the
// timeout itself has tests of its own (test/redis-failure.test.ts).
const CONTRACT_TIMEOUT_MS = 10_000;

describeDedupeStore('redis (cluster, 3 masters)', async () => {
  const prefix = uniquePrefix('cluster');
  return {
    store: redisStore({ client, keyPrefix: prefix, commandTimeoutMs: CONTRACT_TIMEOUT_MS }),
    cleanup: () => deleteKeys(client, prefix).then(() => {}),
  };
});

describeDedupeStore('redis (cluster, 3 masters, ioredis 6)', async () => {
  const prefix = uniquePrefix('cluster-6');
  return {
    store: redisStore({ client: asStoreClient(client6), keyPrefix: prefix, commandTimeoutMs: CONTRACT_TIMEOUT_MS }),
    cleanup: () => deleteKeys(client, prefix).then(() => {}),
  };
});

describe('redisStore on a Redis Cluster', () => {
  it('spreads deliveries over the masters, the claim key and the shard of each in one slot', async () => {
    const prefix = uniquePrefix('cluster-spread');
    const store = redisStore({ client, keyPrefix: prefix, commandTimeoutMs: CONTRACT_TIMEOUT_MS });
    try {
      const keys = Array.from({ length: 60 }, (_, i) => `order-${i}`);
      const claims = await Promise.all(keys.map((key) => store.claim(key, 60_000)));
      const inFlight = await Promise.all(
        client.nodes('master').map(async (node) => {
          const [, found] = await node.scan('0', 'MATCH', `${prefix}order-*`, 'COUNT', 10_000);
          return found.length;
        }),
      );
      const commits = await Promise.all(
        claims.map((claim, i) =>
          claim.status === 'claimed' ? store.commit(keys[i] as string, claim.token, 60_000) : false,
        ),
      );
      // No command failed with CROSSSLOT or MOVED: each script's keys share a slot.
      expect(commits.every(Boolean)).toBe(true);

      // The claim keys landed in many slots, on more than one master; so did the shards that now hold the digests.
      expect(inFlight.filter((n) => n > 0).length).toBeGreaterThan(1);
      expect(inFlight.reduce((a, b) => a + b, 0)).toBe(keys.length);
      const shards = await Promise.all(
        client.nodes('master').map(async (node) => {
          const [, found] = await node.scan('0', 'MATCH', `${prefix}#d*`, 'COUNT', 10_000);
          return found.length;
        }),
      );
      expect(shards.filter((n) => n > 0).length).toBeGreaterThan(1);
      const layout = createLayout(prefix);
      for (const key of keys) {
        const { claimKey, shard } = layout.locate(key);
        expect(await client.cluster('KEYSLOT', shard)).toBe(await client.cluster('KEYSLOT', claimKey));
      }
      expect(await Promise.all(keys.map((key) => store.claim(key, 60_000)))).toEqual(
        keys.map(() => ({ status: 'done' })),
      );
    } finally {
      await deleteKeys(client, prefix);
    }
  });
});
