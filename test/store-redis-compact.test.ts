import { createHash } from 'node:crypto';
import { redisStore } from '@hookinbox/redis';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLayout } from '../packages/redis/src/layout.js';
import { DONE, defineScripts, EPOCH_SECONDS, SWEEP_SECONDS } from '../packages/redis/src/scripts.js';
import { deleteKeys, redisUrl, uniquePrefix } from './helpers/redis.js';

// The compact layout as Redis holds it: what a user relies on is that a processed delivery is remembered for its
// ttl and not much longer, in little memory, and that claims still read what the layout before it wrote.

const DAY = 24 * 3_600_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** The store's digest of a key: the low seven bits of the first 14 bytes of its SHA-256, one character each. */
const digestOf = (key: string) =>
  String.fromCharCode(
    ...createHash('sha256')
      .update(key)
      .digest()
      .subarray(0, 14)
      .map((byte) => byte & 0x7f),
  );

let client: Redis;
const prefixes: string[] = [];
const newPrefix = (label: string) => {
  const prefix = uniquePrefix(label);
  prefixes.push(prefix);
  return prefix;
};

async function claimAndCommit(store: ReturnType<typeof redisStore>, key: string, ttlMs: number) {
  const claim = await store.claim(key, 30_000);
  if (claim.status !== 'claimed') throw new Error(`expected a claim of ${key}, got ${claim.status}`);
  expect(await store.commit(key, claim.token, ttlMs)).toBe(true);
}

/** `count` keys that share the shard of `key` under `prefix`. */
function sameShard(prefix: string, key: string, count: number): string[] {
  const layout = createLayout(prefix);
  const { shard } = layout.locate(key);
  const found: string[] = [];
  for (let i = 0; found.length < count; i++) {
    if (layout.locate(`${key}-${i}`).shard === shard) found.push(`${key}-${i}`);
  }
  return found;
}

beforeAll(() => {
  client = new Redis(redisUrl());
});

afterEach(async () => {
  for (const prefix of prefixes.splice(0)) await deleteKeys(client, prefix);
});

afterAll(async () => {
  await client.quit();
});

describe('redisStore compact layout', () => {
  it('keeps a processed delivery as a 14-byte digest in its shard, until the second its ttl ends, and drops the claim key', async () => {
    const prefix = newPrefix('compact');
    const store = redisStore({ client, keyPrefix: prefix, commandTimeoutMs: 5_000 });
    const before = Math.floor(Date.now() / 1000);
    await claimAndCommit(store, 'order-1', 7 * DAY);
    const after = Math.ceil(Date.now() / 1000);

    const { shard } = createLayout(prefix).locate('order-1');
    expect(await client.exists(`${prefix}order-1`)).toBe(0);
    const fields = await client.hgetallBuffer(shard);
    const digests = Object.keys(fields).filter((field) => field.length !== 1);
    expect(digests).toHaveLength(1);
    const ends = Number(await client.hget(shard, digestOf('order-1')));
    expect(ends + EPOCH_SECONDS).toBeGreaterThanOrEqual(before + 7 * 24 * 3_600);
    expect(ends + EPOCH_SECONDS).toBeLessThanOrEqual(after + 7 * 24 * 3_600 + 1);
    // The shard as a whole outlives its latest delivery by less than a second.
    const shardLeft = await client.pttl(shard);
    expect(shardLeft).toBeGreaterThan(7 * DAY - 60_000);
    expect(shardLeft).toBeLessThanOrEqual(7 * DAY + 1_000);
    expect(await store.claim('order-1', 30_000)).toEqual({ status: 'done' });
  });

  it('remembers a delivery for its whole ttl and forgets it less than a second after', async () => {
    const prefix = newPrefix('compact-ttl');
    const store = redisStore({ client, keyPrefix: prefix, commandTimeoutMs: 5_000 });
    const committed = performance.now();
    await claimAndCommit(store, 'order-1', 1_500);
    await sleep(900 - (performance.now() - committed));
    expect(await store.claim('order-1', 30_000)).toEqual({ status: 'done' });
    await sleep(2_800 - (performance.now() - committed));
    expect((await store.claim('order-1', 30_000)).status).toBe('claimed');
  });

  it('keeps a delivery whose ttl is under a second as a key of its own, expiring to the millisecond', async () => {
    const prefix = newPrefix('compact-short');
    const store = redisStore({ client, keyPrefix: prefix, commandTimeoutMs: 5_000 });
    await claimAndCommit(store, 'order-1', 999);
    expect(await client.get(`${prefix}order-1`)).toBe('1');
    const left = await client.pttl(`${prefix}order-1`);
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThanOrEqual(999);
    expect(await client.exists(createLayout(prefix).locate('order-1').shard)).toBe(0);
  });

  it('sweeps the digests past their second out of a shard, and keeps the others', async () => {
    const prefix = newPrefix('compact-sweep');
    const store = redisStore({ client, keyPrefix: prefix, commandTimeoutMs: 5_000 });
    const [short, long, later] = sameShard(prefix, 'order', 3) as [string, string, string];
    const { shard } = createLayout(prefix).locate(short);
    await claimAndCommit(store, short, 1_000);
    await claimAndCommit(store, long, DAY);
    await sleep(2_100);
    // A commit sweeps when it moves the shard's expiry across a boundary of SWEEP_SECONDS (once an hour for a shard
    // in steady use). Here the last day's commit would not move it: bring the expiry back, as an hour later would.
    await client.pexpire(shard, 60_000);
    expect(60 * 1000).toBeLessThan(SWEEP_SECONDS * 1000); // so the move to a day crosses one
    await claimAndCommit(store, later, DAY);
    expect(await client.hexists(shard, digestOf(short))).toBe(0);
    expect(await client.hexists(shard, digestOf(long))).toBe(1);
    expect(await client.hexists(shard, digestOf(later))).toBe(1);
    expect(await client.pttl(shard)).toBeGreaterThan(DAY - 60_000);
  });

  it('does not sweep a shard whose expiry stays within one period, and moves its expiry only forward', async () => {
    const prefix = newPrefix('compact-no-sweep');
    const store = redisStore({ client, keyPrefix: prefix, commandTimeoutMs: 5_000 });
    const [short, long, later] = sameShard(prefix, 'order', 3) as [string, string, string];
    const { shard } = createLayout(prefix).locate(short);
    await claimAndCommit(store, long, DAY);
    await claimAndCommit(store, short, 1_000);
    await sleep(2_100);
    await claimAndCommit(store, later, 1_000);
    // The digest past its second stays until a sweep (claims read it as forgotten), and the shorter ttls left the
    // shard's expiry at the day.
    expect(await client.hexists(shard, digestOf(short))).toBe(1);
    expect((await store.claim(short, 30_000)).status).toBe('claimed');
    expect(await client.pttl(shard)).toBeGreaterThan(DAY - 60_000);
  });

  it('lets a shard whose deliveries have all been forgotten expire as a whole', async () => {
    const prefix = newPrefix('compact-expire');
    const store = redisStore({ client, keyPrefix: prefix, commandTimeoutMs: 5_000 });
    const [a, b] = sameShard(prefix, 'order', 2) as [string, string];
    await claimAndCommit(store, a, 1_000);
    await claimAndCommit(store, b, 1_200);
    const { shard } = createLayout(prefix).locate(a);
    expect(await client.exists(shard)).toBe(1);
    await sleep(2_600);
    expect(await client.exists(shard)).toBe(0);
  });

  it('writes fields and values short enough for the compact listpack encoding', async () => {
    const prefix = newPrefix('compact-encoding');
    const store = redisStore({ client, keyPrefix: prefix, commandTimeoutMs: 5_000 });
    const keys = sameShard(prefix, 'order', 3);
    await Promise.all(keys.map((key) => claimAndCommit(store, key, DAY)));
    const { shard } = createLayout(prefix).locate(keys[0] as string);
    expect(await client.hlen(shard)).toBe(3); // three digests, and no field of the shard's own
    // Redis 7 calls the encoding listpack, Redis 6 ziplist: either is the compact one; a field or value over
    // hash-max-listpack-value (64 bytes) would have made it a hashtable.
    expect(await client.object('ENCODING', shard)).toMatch(/^(listpack|ziplist)$/);
  });

  it('keeps a key starting with # apart from the shards', async () => {
    const prefix = newPrefix('compact-hash');
    const store = redisStore({ client, keyPrefix: prefix, commandTimeoutMs: 5_000 });
    const { shard } = createLayout(prefix).locate('order-1');
    const lookalike = shard.slice(prefix.length);
    const claim = await store.claim(lookalike, 30_000);
    if (claim.status !== 'claimed') throw new Error('expected a claim');
    expect(await client.get(`${prefix}#${lookalike}`)).toBe(claim.token);
    await claimAndCommit(store, 'order-1', DAY);
    expect(await store.commit(lookalike, claim.token, DAY)).toBe(true);
    expect(await store.claim(lookalike, 30_000)).toEqual({ status: 'done' });
    expect(await store.claim('order-1', 30_000)).toEqual({ status: 'done' });
  });

  it('works under a prefix whose hash tag pins every key to one slot', async () => {
    const prefix = `${newPrefix('compact-tag')}{pinned}:`;
    prefixes.push(prefix);
    const store = redisStore({ client, keyPrefix: prefix, commandTimeoutMs: 5_000 });
    await claimAndCommit(store, 'order-1', DAY);
    expect(await store.claim('order-1', 30_000)).toEqual({ status: 'done' });
    expect((await store.claim('order-2', 30_000)).status).toBe('claimed');
  });
});

describe('redisStore moving between layouts', () => {
  it('reads done markers and claims in flight of the layout before, and of a store on the other layout', async () => {
    const prefix = newPrefix('migration');
    // What the store before the compact layout left: a done marker and a claim in flight, each a key.
    await client.set(`${prefix}old-done`, '1', 'PX', DAY);
    await client.set(`${prefix}old-in-flight`, 'c:an-older-process:1', 'PX', 30_000);
    const compact = redisStore({ client, keyPrefix: prefix, commandTimeoutMs: 5_000 });
    const keys = redisStore({ client, keyPrefix: prefix, layout: 'keys' });
    for (const store of [compact, keys]) {
      expect(await store.claim('old-done', 30_000)).toEqual({ status: 'done' });
      expect(await store.claim('old-in-flight', 30_000)).toEqual({ status: 'in-flight' });
    }
    // During a rolling upgrade, each side sees what the other committed.
    await claimAndCommit(compact, 'by-compact', DAY);
    await claimAndCommit(keys, 'by-keys', DAY);
    for (const store of [compact, keys]) {
      expect(await store.claim('by-compact', 30_000)).toEqual({ status: 'done' });
      expect(await store.claim('by-keys', 30_000)).toEqual({ status: 'done' });
    }
  });
});

describe('the claim script for Redis before 7.0', () => {
  it('answers as the one the store uses on Redis 7, reading the claim key and then setting it', async () => {
    // Redis 7 runs both scripts; the store switches to this one only where Redis refuses SET with NX and GET.
    const prefix = newPrefix('claim-get-set');
    const store = redisStore({ client, keyPrefix: prefix, commandTimeoutMs: 5_000 });
    const layout = createLayout(prefix);
    const commands = defineScripts(client);
    await claimAndCommit(store, 'done-compact', DAY);
    await client.set(`${prefix}done-keys`, DONE, 'PX', DAY);
    await client.set(`${prefix}in-flight`, 'c:someone-else:1', 'PX', 30_000);
    const claimWithGetSet = (key: string) => {
      const { claimKey, shard, digest } = layout.locate(key);
      return commands.hookinboxClaimGetSetV2(claimKey, shard, `c:test:${key}`, 30_000, digest);
    };
    expect(await claimWithGetSet('done-compact')).toBe(DONE);
    expect(await claimWithGetSet('done-keys')).toBe(DONE);
    expect(await claimWithGetSet('in-flight')).toBe('c:someone-else:1');
    expect(await claimWithGetSet('new')).toBeNull();
    expect(await client.get(`${prefix}new`)).toBe('c:test:new');
    const left = await client.pttl(`${prefix}new`);
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThanOrEqual(30_000);
    expect(await claimWithGetSet('new')).toBe('c:test:new');
  });
});
