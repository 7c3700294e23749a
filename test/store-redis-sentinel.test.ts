import { redisStore } from '@hookinbox/redis';
import { describeDedupeStore } from '@hookinbox/testing/store-contract';
import { Redis } from 'ioredis';
import { Redis as Redis6 } from 'ioredis6';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asStoreClient, deleteKeys, uniquePrefix } from './helpers/redis.js';
import { type RedisSentinel, startRedisSentinel } from './setup/redis-server.js';

let sentinel: RedisSentinel | undefined;
let client: Redis;
let client6: Redis6;

beforeAll(async () => {
  // One master and one Sentinel on loopback, started for this file only.
  sentinel = await startRedisSentinel();
  client = new Redis({ sentinels: sentinel.sentinels, name: sentinel.name });
  client6 = new Redis6({ sentinels: sentinel.sentinels, name: sentinel.name });
  client.on('error', () => {});
  client6.on('error', () => {});
  await Promise.all([client.ping(), client6.ping()]);
}, 30_000);

afterAll(async () => {
  for (const redis of [client, client6]) {
    if (redis && redis.status !== 'end') await redis.quit().catch(() => redis.disconnect());
  }
  await sentinel?.stop();
});

// 1,000 concurrent claims on a loaded machine can take longer than the store's default 500 ms command timeout; the
// timeout itself has tests of its own (test/redis-failure.test.ts).
const CONTRACT_TIMEOUT_MS = 10_000;

describeDedupeStore('redis (sentinel)', async () => {
  const prefix = uniquePrefix('sentinel');
  return {
    store: redisStore({ client, keyPrefix: prefix, commandTimeoutMs: CONTRACT_TIMEOUT_MS }),
    cleanup: () => deleteKeys(client, prefix).then(() => {}),
  };
});

describeDedupeStore('redis (sentinel, ioredis 6)', async () => {
  const prefix = uniquePrefix('sentinel-6');
  return {
    store: redisStore({ client: asStoreClient(client6), keyPrefix: prefix, commandTimeoutMs: CONTRACT_TIMEOUT_MS }),
    cleanup: () => deleteKeys(client, prefix).then(() => {}),
  };
});

describe('redisStore behind Sentinel', () => {
  it('writes to the master the Sentinel names', async () => {
    const prefix = uniquePrefix('sentinel-master');
    const first = sentinel?.sentinels[0];
    if (!sentinel || !first) throw new Error('no Sentinel');
    const asker = new Redis(first.port, first.host);
    const [host, port] = (await asker.call('SENTINEL', 'get-master-addr-by-name', sentinel.name)) as [string, string];
    asker.disconnect();
    const master = new Redis(Number(port), host);
    try {
      const store = redisStore({ client, keyPrefix: prefix, commandTimeoutMs: CONTRACT_TIMEOUT_MS });
      expect((await store.claim('order-1', 30_000)).status).toBe('claimed');
      expect(await master.exists(`${prefix}order-1`)).toBe(1);
      expect(((await master.call('ROLE')) as string[])[0]).toBe('master');
    } finally {
      await deleteKeys(master, prefix);
      master.disconnect();
    }
  });
});
