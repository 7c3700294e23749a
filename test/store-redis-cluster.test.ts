import { redisStore } from '@hookinbox/redis';
import { describeDedupeStore } from '@hookinbox/testing/store-contract';
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteKeys, uniquePrefix } from './helpers/redis.js';
import { type RedisCluster, startRedisCluster } from './setup/redis-server.js';

let cluster: RedisCluster | undefined;
let client: Cluster;

beforeAll(async () => {
  // A real three-master cluster on loopback, started for this file only; startRedisCluster stops what it
  // started when it fails half-way.
  cluster = await startRedisCluster(3);
  client = new Cluster(cluster.nodes);
  client.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    client.once('ready', () => resolve());
    client.once('end', () => reject(new Error('the cluster client closed before it was ready')));
  });
}, 30_000);

afterAll(async () => {
  if (client && client.status !== 'end') await client.quit().catch(() => client.disconnect());
  await cluster?.stop();
});

describeDedupeStore('redis (cluster, 3 masters)', async () => {
  const prefix = uniquePrefix('cluster');
  return { store: redisStore({ client, keyPrefix: prefix }), cleanup: () => deleteKeys(client, prefix).then(() => {}) };
});

describe('redisStore on a Redis Cluster', () => {
  it('spreads keys over the masters, each operation on its own key’s node', async () => {
    const prefix = uniquePrefix('cluster-spread');
    const store = redisStore({ client, keyPrefix: prefix });
    try {
      const keys = Array.from({ length: 60 }, (_, i) => `order-${i}`);
      const claims = await Promise.all(keys.map((key) => store.claim(key, 60_000)));
      const commits = await Promise.all(
        claims.map((claim, i) =>
          claim.status === 'claimed' ? store.commit(keys[i] as string, claim.token, 60_000) : false,
        ),
      );
      expect(commits.every(Boolean)).toBe(true);

      const perMaster = await Promise.all(
        client.nodes('master').map(async (node) => {
          const [, found] = await node.scan('0', 'MATCH', `${prefix}*`, 'COUNT', 10_000);
          return found.length;
        }),
      );
      // Without hash tags the 60 keys land in many slots, on more than one master, and no command failed with
      // CROSSSLOT or MOVED.
      expect(perMaster.filter((n) => n > 0).length).toBeGreaterThan(1);
      expect(perMaster.reduce((a, b) => a + b, 0)).toBe(keys.length);
      expect(await Promise.all(keys.map((key) => store.claim(key, 60_000)))).toEqual(
        keys.map(() => ({ status: 'done' })),
      );
    } finally {
      await deleteKeys(client, prefix);
    }
  });
});
