import { randomUUID } from 'node:crypto';
import { redisStore } from '@hookinbox/redis';
import { describeDedupeStore } from '@hookinbox/testing/store-contract';
import { Redis } from 'ioredis';
import { Redis as Redis6 } from 'ioredis6';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { asStoreClient, deleteKeys, redisUrl, uniquePrefix } from './helpers/redis.js';

let client: Redis;
// The same contract with a client of each ioredis major the package accepts (6 speaks RESP3 by default).
let client6: Redis6;
let client6Pipelined: Redis6;
const prefixes: string[] = [];

beforeAll(() => {
  client = new Redis(redisUrl());
  client6 = new Redis6(redisUrl());
  client6Pipelined = new Redis6(redisUrl(), { enableAutoPipelining: true });
});

afterAll(async () => {
  await Promise.all([client.quit(), client6.quit(), client6Pipelined.quit()]);
});

// 1,000 concurrent claims on a loaded machine can take longer than the store's default 500 ms command timeout; the
// timeout itself has tests of its own (test/redis-failure.test.ts).
const CONTRACT_TIMEOUT_MS = 10_000;

describeDedupeStore('redis (standalone)', async () => {
  const prefix = uniquePrefix('contract');
  return {
    store: redisStore({ client, keyPrefix: prefix, commandTimeoutMs: CONTRACT_TIMEOUT_MS }),
    cleanup: () => deleteKeys(client, prefix).then(() => {}),
  };
});

describeDedupeStore('redis (standalone, a client of its own from url, auto-pipelined)', async () => {
  const prefix = uniquePrefix('contract-url');
  const store = redisStore({ url: redisUrl(), keyPrefix: prefix, commandTimeoutMs: CONTRACT_TIMEOUT_MS });
  return {
    store,
    cleanup: async () => {
      await deleteKeys(client, prefix);
      await store.close();
    },
  };
});

describeDedupeStore('redis (standalone, ioredis 6)', async () => {
  const prefix = uniquePrefix('contract-6');
  return {
    store: redisStore({ client: asStoreClient(client6), keyPrefix: prefix, commandTimeoutMs: CONTRACT_TIMEOUT_MS }),
    cleanup: () => deleteKeys(client, prefix).then(() => {}),
  };
});

describeDedupeStore('redis (standalone, ioredis 6, auto-pipelined)', async () => {
  const prefix = uniquePrefix('contract-6-pipelined');
  return {
    store: redisStore({
      client: asStoreClient(client6Pipelined),
      keyPrefix: prefix,
      commandTimeoutMs: CONTRACT_TIMEOUT_MS,
    }),
    cleanup: () => deleteKeys(client, prefix).then(() => {}),
  };
});

describe('redisStore on a standalone Redis', () => {
  it('talks RESP3 with ioredis 6 and RESP2 with ioredis 5', async () => {
    expect(await client6.call('CLIENT', 'INFO')).toMatch(/ resp=3\b/);
    expect(await client.call('CLIENT', 'INFO')).toMatch(/ resp=2\b/);
  });

  const newPrefix = (label: string) => {
    const prefix = uniquePrefix(label);
    prefixes.push(prefix);
    return prefix;
  };

  afterEach(async () => {
    for (const prefix of prefixes.splice(0)) await deleteKeys(client, prefix);
  });

  it('stores a claim as its token under keyPrefix + key, expiring with the lease', async () => {
    const prefix = newPrefix('layout');
    const store = redisStore({ client, keyPrefix: prefix, commandTimeoutMs: CONTRACT_TIMEOUT_MS });
    const claim = await store.claim('order-1', 30_000);
    if (claim.status !== 'claimed') throw new Error('expected a claim');
    expect(claim.token.startsWith('c:')).toBe(true);
    expect(await client.get(`${prefix}order-1`)).toBe(claim.token);
    const leaseLeft = await client.pttl(`${prefix}order-1`);
    expect(leaseLeft).toBeGreaterThan(0);
    expect(leaseLeft).toBeLessThanOrEqual(30_000);
  });

  it('with layout keys, stores a done key as "1", distinct from any token, expiring with the ttl', async () => {
    const prefix = newPrefix('layout');
    const store = redisStore({ client, keyPrefix: prefix, layout: 'keys' });
    const claim = await store.claim('order-1', 30_000);
    if (claim.status !== 'claimed') throw new Error('expected a claim');
    expect(await store.commit('order-1', claim.token, 3_600_000)).toBe(true);
    expect(await client.get(`${prefix}order-1`)).toBe('1');
    const ttlLeft = await client.pttl(`${prefix}order-1`);
    expect(ttlLeft).toBeGreaterThan(30_000);
    expect(ttlLeft).toBeLessThanOrEqual(3_600_000);
    // A stray value that is not the done marker reads as in flight, never as done.
    await client.set(`${prefix}order-2`, 'c:someone-else', 'PX', 30_000);
    expect(await store.claim('order-2', 30_000)).toEqual({ status: 'in-flight' });
  });

  it('uses hookinbox: as the default key prefix, after the client’s own keyPrefix', async () => {
    const key = `hookinbox-test-default-${randomUUID()}`;
    const store = redisStore({ client });
    expect((await store.claim(key, 30_000)).status).toBe('claimed');
    expect(await client.exists(`hookinbox:${key}`)).toBe(1);
    await client.del(`hookinbox:${key}`);

    const prefixed = new Redis(redisUrl(), { keyPrefix: 'app-a:' });
    try {
      const inner = newPrefix('client-prefix');
      const store2 = redisStore({ client: prefixed, keyPrefix: inner });
      expect((await store2.claim('order-1', 30_000)).status).toBe('claimed');
      expect(await client.exists(`app-a:${inner}order-1`)).toBe(1);
      await client.del(`app-a:${inner}order-1`);
    } finally {
      await prefixed.quit();
    }
  });

  it('sends one command per operation and never KEYS or SCAN', async () => {
    const prefix = newPrefix('round-trips');
    const storeClient = new Redis(redisUrl());
    const monitor = await client.monitor();
    try {
      const address = /addr=(\S+)/.exec(await storeClient.client('INFO'))?.[1];
      const seen: string[][] = [];
      const scripted: string[][] = [];
      monitor.on('monitor', (_time: string, args: string[], source: string) => {
        if (source === address) seen.push(args);
        // Redis names the source of a command a script ran "lua"; only this test's store runs scripts on its prefix.
        else if (source === 'lua' && args.some((arg) => String(arg).startsWith(prefix))) scripted.push(args);
      });
      // The monitor may report this connection's CLIENT INFO after the listener is attached: count from a marker.
      await storeClient.echo('start-of-operations');
      const store = redisStore({ client: storeClient, keyPrefix: prefix, commandTimeoutMs: CONTRACT_TIMEOUT_MS });
      const claim = await store.claim('order-1', 30_000);
      if (claim.status !== 'claimed') throw new Error('expected a claim');
      await store.claim('order-1', 30_000);
      await store.commit('order-1', claim.token, 60_000);
      await store.claim('order-1', 30_000);
      const other = await store.claim('order-2', 30_000);
      if (other.status !== 'claimed') throw new Error('expected a claim');
      await store.release('order-2', other.token);
      // Everything the store sent is seen before this marker.
      await storeClient.echo('end-of-operations');
      const isMarker = (args: string[], text: string) => String(args[0]).toLowerCase() === 'echo' && args[1] === text;
      await vi.waitFor(() => expect(seen.some((args) => isMarker(args, 'end-of-operations'))).toBe(true), {
        timeout: 2_000,
      });

      const start = seen.findIndex((args) => isMarker(args, 'start-of-operations'));
      expect(start).toBeGreaterThanOrEqual(0);
      const names = seen.slice(start + 1).map((args) => String(args[0]).toLowerCase());
      // Six operations, six commands, all scripts: each EVAL the first time on a connection (EVALSHA, its hash only,
      // afterwards). Claim, commit (compact) and release are three scripts.
      expect(names).toEqual(['eval', 'evalsha', 'eval', 'evalsha', 'evalsha', 'eval', 'echo']);
      // Inside them: the claim key and the shard only, never a scan of the keyspace. A new delivery's claim reads
      // the shard and sets the claim key (SET … NX GET on Redis 7 and later).
      const inside = scripted.map((args) => String(args[0]).toLowerCase());
      expect(inside.slice(0, 2)).toEqual(['hget', 'set']);
      expect(inside).not.toContain('keys');
      expect(inside).not.toContain('scan');
    } finally {
      monitor.disconnect();
      await storeClient.quit();
    }
  });

  it('registers its scripts once per client, so several stores can share one client', async () => {
    const shared = new Redis(redisUrl());
    try {
      const define = vi.spyOn(shared, 'defineCommand');
      const a = redisStore({ client: shared, keyPrefix: newPrefix('shared-a') });
      expect(define).toHaveBeenCalledTimes(5);
      const b = redisStore({ client: shared, keyPrefix: newPrefix('shared-b') });
      expect(define).toHaveBeenCalledTimes(5);
      const claimA = await a.claim('order-1', 30_000);
      const claimB = await b.claim('order-1', 30_000);
      if (claimA.status !== 'claimed' || claimB.status !== 'claimed') throw new Error('expected two claims');
      expect(await a.commit('order-1', claimA.token, 60_000)).toBe(true);
      expect(await b.release('order-1', claimB.token)).toBe(true);
      expect(await a.claim('order-1', 30_000)).toEqual({ status: 'done' });
      expect((await b.claim('order-1', 30_000)).status).toBe('claimed');
    } finally {
      await shared.quit();
    }
  });

  it('close() leaves an injected client open', async () => {
    const injected = new Redis(redisUrl());
    try {
      const store = redisStore({ client: injected, keyPrefix: newPrefix('close') });
      expect((await store.claim('order-1', 30_000)).status).toBe('claimed');
      await store.close();
      expect(injected.status).toBe('ready');
      expect(await injected.ping()).toBe('PONG');
      expect((await store.claim('order-2', 30_000)).status).toBe('claimed');
    } finally {
      await injected.quit();
    }
  });

  it('with url, creates its own client and closes it in close()', async () => {
    const prefix = newPrefix('own-client');
    const store = redisStore({ url: redisUrl(), keyPrefix: prefix, commandTimeoutMs: CONTRACT_TIMEOUT_MS });
    expect((await store.claim('order-1', 30_000)).status).toBe('claimed');
    expect(await client.exists(`${prefix}order-1`)).toBe(1);
    await store.close();
    expect(store.client.status).toBe('end');
    await expect(store.claim('order-2', 30_000)).rejects.toMatchObject({ code: 'store_unavailable' });
  });

  it('with url and nothing listening, answers store_unavailable within its timeout, naming the connection error', async () => {
    const printed = vi.spyOn(console, 'error').mockImplementation(() => {});
    const store = redisStore({ url: 'redis://127.0.0.1:1', commandTimeoutMs: 300 });
    try {
      const started = performance.now();
      const error = await store.claim('order-1', 30_000).catch((e: unknown) => e);
      expect(performance.now() - started).toBeLessThan(2_000);
      expect(error).toMatchObject({ code: 'store_unavailable', message: expect.stringMatching(/ECONNREFUSED/) });
      // The store listens to the client it owns: ioredis has nothing to print as an unhandled error event.
      expect(printed.mock.calls.flat().join(' ')).not.toMatch(/Unhandled error event/);
    } finally {
      store.client.disconnect();
      printed.mockRestore();
    }
  });

  it('with url, pipelines the commands of a turn and still answers each claim and commit on its own', async () => {
    const prefix = newPrefix('pipelined');
    const store = redisStore({ url: redisUrl(), keyPrefix: prefix, commandTimeoutMs: CONTRACT_TIMEOUT_MS });
    try {
      expect((store.client as Redis).options.enableAutoPipelining).toBe(true);
      const keys = Array.from({ length: 200 }, (_, i) => `order-${i % 100}`); // every key twice, in one turn
      const claims = await Promise.all(keys.map((key) => store.claim(key, 30_000)));
      expect(claims.filter((c) => c.status === 'claimed')).toHaveLength(100);
      expect(claims.filter((c) => c.status === 'in-flight')).toHaveLength(100);
      const commits = await Promise.all(
        claims.map((c, i) => (c.status === 'claimed' ? store.commit(keys[i] as string, c.token, 60_000) : false)),
      );
      expect(commits.filter(Boolean)).toHaveLength(100);
      const again = await Promise.all(keys.map((key) => store.claim(key, 30_000)));
      expect(again.every((c) => c.status === 'done')).toBe(true);
    } finally {
      await store.close();
    }
  });
});
