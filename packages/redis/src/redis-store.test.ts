import { createHash } from 'node:crypto';
import { HookinboxError } from '@hookinbox/core';
import type { Redis } from 'ioredis';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLayout } from './layout.js';
import { redisStore } from './redis-store.js';

type Reply = (...args: unknown[]) => Promise<unknown>;
type Operation = 'claim' | 'claimGetSet' | 'commitCompact' | 'commit' | 'release';

/** Just enough of an ioredis client: defineCommand wires each script name to a scripted reply. */
function fakeClient(replies: Partial<Record<Operation, Reply>> = {}, options: { keyPrefix?: string } = {}) {
  const calls: { command: Operation; args: unknown[] }[] = [];
  const byName: Record<string, Operation> = {
    hookinboxClaimV2: 'claim',
    hookinboxClaimGetSetV2: 'claimGetSet',
    hookinboxCommitCompactV2: 'commitCompact',
    hookinboxCommitV1: 'commit',
    hookinboxReleaseV1: 'release',
  };
  const client: Record<string, unknown> = {
    status: 'ready',
    options,
    defineCommand: vi.fn((name: string) => {
      const op = byName[name];
      if (!op) throw new Error(`unexpected script ${name}`);
      client[name] = (...args: unknown[]) => {
        calls.push({ command: op, args });
        return (replies[op] ?? (async () => null))(...args);
      };
    }),
    quit: vi.fn(async () => 'OK'),
    disconnect: vi.fn(),
  };
  return { client: client as unknown as Redis, raw: client, calls };
}

/** The store's digest of a key: the low seven bits of the first 14 bytes of its SHA-256, one character each. */
const digestOf = (key: string) =>
  String.fromCharCode(
    ...createHash('sha256')
      .update(key)
      .digest()
      .subarray(0, 14)
      .map((byte) => byte & 0x7f),
  );

const never = () => new Promise<never>(() => {});

afterEach(() => {
  vi.useRealTimers();
});

describe('redisStore options', () => {
  it.each([
    ['neither client nor url', {}, /client: required/],
    ['both client and url', { client: fakeClient().client, url: 'redis://127.0.0.1:6379' }, /give one of them/],
    ['a client that is not ioredis', { client: {} as Redis }, /client: must be an ioredis/],
    ['a url that is not redis://', { url: 'http://127.0.0.1:6379' }, /url: must be a redis:\/\//],
    [
      'a keyPrefix that is not a string',
      { client: fakeClient().client, keyPrefix: 5 as unknown as string },
      /keyPrefix/,
    ],
    ['commandTimeoutMs 0', { client: fakeClient().client, commandTimeoutMs: 0 }, /commandTimeoutMs/],
    ['commandTimeoutMs 1.5', { client: fakeClient().client, commandTimeoutMs: 1.5 }, /commandTimeoutMs/],
    ['layout not compact or keys', { client: fakeClient().client, layout: 'hashes' as 'keys' }, /layout: must be/],
    ['a keyPrefix with an unclosed {', { client: fakeClient().client, keyPrefix: 'app{1:' }, /keyPrefix: a '\{'/],
    ['a keyPrefix with an empty {}', { client: fakeClient().client, keyPrefix: 'app{}:' }, /keyPrefix: a '\{'/],
    [
      'a client keyPrefix with an unclosed {',
      { client: fakeClient({}, { keyPrefix: 'tenant{' }).client },
      /client's keyPrefix counts too/,
    ],
    [
      'commandTimeoutMs as a string',
      { client: fakeClient().client, commandTimeoutMs: '500' as unknown as number },
      /commandTimeoutMs/,
    ],
  ])('refuses %s when built', (_name, options, message) => {
    expect(() => redisStore(options)).toThrow(TypeError);
    expect(() => redisStore(options)).toThrow(message);
    expect(() => redisStore(options)).toThrow(/^@hookinbox\/redis: invalid options: /);
  });
});

describe('redisStore replies', () => {
  it('claims with a fresh c: token, the claim key, its shard, the lease and the digest of the key', async () => {
    const { client, calls } = fakeClient();
    const store = redisStore({ client, keyPrefix: 'app:' });
    const first = await store.claim('order-1', 1_000);
    const second = await store.claim('order-1', 1_000);
    if (first.status !== 'claimed' || second.status !== 'claimed') throw new Error('expected claims');
    expect(first.token).toMatch(/^c:[A-Za-z0-9_-]{16}:\d+$/);
    expect(second.token).not.toBe(first.token);
    // Another store (another process sharing Redis) never hands out the same token.
    const other = await redisStore({ client, keyPrefix: 'app:' }).claim('order-1', 1_000);
    if (other.status !== 'claimed') throw new Error('expected a claim');
    expect(other.token.split(':')[1]).not.toBe(first.token.split(':')[1]);
    const { shard } = createLayout('app:').locate('order-1');
    expect(shard).toMatch(/^app:#d\{[0-9A-Za-z]{3}\}[0-3]$/);
    expect(calls[0]).toEqual({
      command: 'claim',
      args: ['app:order-1', shard, first.token, 1_000, digestOf('order-1')],
    });
  });

  it('claims with the script without SET … NX GET once Redis refuses that form (before Redis 7), and keeps to it', async () => {
    const refused = Object.assign(new Error('ERR Error running script: @user_script:3: ERR syntax error'), {
      name: 'ReplyError',
    });
    const claim = vi.fn(() => Promise.reject(refused));
    const { client, calls } = fakeClient({ claim, claimGetSet: async () => null });
    const store = redisStore({ client, keyPrefix: 'app:' });
    const first = await store.claim('order-1', 1_000);
    if (first.status !== 'claimed') throw new Error('expected a claim');
    expect((await store.claim('order-2', 1_000)).status).toBe('claimed');
    expect(claim).toHaveBeenCalledTimes(1);
    // The refused script, then the other for the same claim, then the other only.
    expect(calls.map((c) => c.command)).toEqual(['claim', 'claimGetSet', 'claimGetSet']);
    expect(calls[1]?.args).toEqual(calls[0]?.args);
  });

  it('answers store_unavailable for any other error of the claim, and does not give up SET … NX GET', async () => {
    const claim = vi.fn(() =>
      Promise.reject(new Error('WRONGTYPE Operation against a key holding the wrong kind of value')),
    );
    const { client, calls } = fakeClient({ claim });
    const store = redisStore({ client });
    await expect(store.claim('order-1', 1_000)).rejects.toMatchObject({ code: 'store_unavailable' });
    await expect(store.claim('order-2', 1_000)).rejects.toMatchObject({ code: 'store_unavailable' });
    expect(calls.map((c) => c.command)).toEqual(['claim', 'claim']);
  });

  it('reads the done marker as done and any other value as in flight', async () => {
    const values = ['1', 'c:someone-else'];
    const { client } = fakeClient({ claim: async () => values.shift() });
    const store = redisStore({ client });
    expect(await store.claim('order-1', 1_000)).toEqual({ status: 'done' });
    expect(await store.claim('order-1', 1_000)).toEqual({ status: 'in-flight' });
  });

  it('commits into the shard in the compact layout, as a key with layout keys or a ttl under a second', async () => {
    const replies = [1, 0, 1, 1, 1, 0];
    const reply = async () => replies.shift();
    const { client, calls } = fakeClient({ commitCompact: reply, commit: reply, release: reply });
    const compact = redisStore({ client });
    expect(await compact.commit('order-1', 'c:t', 9_000)).toBe(true);
    expect(await compact.commit('order-1', 'c:t', 9_000)).toBe(false);
    expect(await compact.commit('order-2', 'c:t', 999)).toBe(true);
    expect(await redisStore({ client, layout: 'keys' }).commit('order-3', 'c:t', 9_000)).toBe(true);
    expect(await compact.release('order-1', 'c:t')).toBe(true);
    expect(await compact.release('order-1', 'c:t')).toBe(false);
    const { shard } = createLayout('hookinbox:').locate('order-1');
    expect(calls.map((c) => c.command)).toEqual([
      'commitCompact',
      'commitCompact',
      'commit',
      'commit',
      'release',
      'release',
    ]);
    expect(calls[0]?.args).toEqual(['hookinbox:order-1', shard, 'c:t', digestOf('order-1'), 9_000]);
    expect(calls[2]?.args).toEqual(['hookinbox:order-2', 'c:t', '1', 999]);
    expect(calls[3]?.args).toEqual(['hookinbox:order-3', 'c:t', '1', 9_000]);
    expect(calls[4]?.args).toEqual(['hookinbox:order-1', 'c:t']);
  });

  it('20,000 claims never committed: the first still commits to its own claim key and shard, and a token handed in with another key commits at that key', async () => {
    const { client, calls } = fakeClient({ claim: async () => null, commitCompact: async () => 1 });
    const store = redisStore({ client });
    const tokens: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      const claim = await store.claim(`order-${i}`, 60_000);
      if (claim.status !== 'claimed') throw new Error('not claimed');
      tokens.push(claim.token);
    }
    const layout = createLayout('hookinbox:');
    for (const i of [0, 19_999]) {
      expect(await store.commit(`order-${i}`, tokens[i] as string, 9_000)).toBe(true);
      const { shard } = layout.locate(`order-${i}`);
      expect(calls.at(-1)?.args).toEqual([`hookinbox:order-${i}`, shard, tokens[i], digestOf(`order-${i}`), 9_000]);
    }
    expect(await store.commit('order-7', tokens[19_998] as string, 9_000)).toBe(true);
    expect(calls.at(-1)?.args.slice(0, 2)).toEqual(['hookinbox:order-7', layout.locate('order-7').shard]);
  });

  it('puts the shard in the claim key’s Cluster slot, counting the client’s own keyPrefix', async () => {
    const { client, calls } = fakeClient({}, { keyPrefix: 'tenant-7:' });
    await redisStore({ client, keyPrefix: 'app:' }).claim('order-1', 1_000);
    expect(calls[0]?.args[1]).toBe(createLayout('app:', 'tenant-7:').locate('order-1').shard);
    expect(calls[0]?.args[1]).not.toBe(createLayout('app:').locate('order-1').shard);
  });
});

describe('redisStore failures', () => {
  it('turns a Redis error into store_unavailable, keeping the cause', async () => {
    const boom = new Error('READONLY You can’t write against a read only replica.');
    const { client } = fakeClient({ claim: () => Promise.reject(boom) });
    const error = await redisStore({ client })
      .claim('order-1', 1_000)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HookinboxError);
    expect(error).toMatchObject({ code: 'store_unavailable', status: 503, cause: boom });
    expect((error as Error).message).toBe(`@hookinbox/redis: claim failed: ${boom.message}`);
  });

  it('rejects a command that does not answer after exactly commandTimeoutMs', async () => {
    vi.useFakeTimers();
    const { client } = fakeClient({ claim: never, commitCompact: never, release: never });
    const store = redisStore({ client, commandTimeoutMs: 500 });
    for (const [operation, call] of [
      ['claim', () => store.claim('order-1', 1_000)],
      ['commit', () => store.commit('order-1', 'c:t', 1_000)],
      ['release', () => store.release('order-1', 'c:t')],
    ] as const) {
      let settled: unknown;
      const pending = call().then(
        () => 'resolved',
        (e: unknown) => e,
      );
      pending.then((value) => {
        settled = value;
      });
      await vi.advanceTimersByTimeAsync(499);
      expect(settled).toBeUndefined();
      await vi.advanceTimersByTimeAsync(1);
      expect(settled).toMatchObject({ code: 'store_unavailable' });
      expect((settled as Error).message).toBe(`@hookinbox/redis: Redis did not answer ${operation} within 500 ms`);
    }
  });

  it('times out each of several waiting commands at its own deadline, and never one that answered', async () => {
    vi.useFakeTimers();
    const answers: ((value: number) => void)[] = [];
    const { client } = fakeClient({ commitCompact: () => new Promise((resolve) => answers.push(resolve)) });
    const store = redisStore({ client, commandTimeoutMs: 100 });
    const outcomes: unknown[] = [];
    const send = (i: number) =>
      store.commit(`order-${i}`, 'c:t', 1_000).then(
        (ok) => (outcomes[i] = ok),
        (e: unknown) => (outcomes[i] = (e as HookinboxError).code),
      );
    send(0);
    await vi.advanceTimersByTimeAsync(30);
    send(1);
    await vi.advanceTimersByTimeAsync(30);
    send(2);
    answers[1]?.(1); // the second answers in time
    await vi.advanceTimersByTimeAsync(39); // t = 99
    expect(outcomes).toEqual([undefined, true]);
    await vi.advanceTimersByTimeAsync(1); // t = 100: the first times out
    expect(outcomes).toEqual(['store_unavailable', true]);
    await vi.advanceTimersByTimeAsync(59); // t = 159
    expect(outcomes).toEqual(['store_unavailable', true]);
    await vi.advanceTimersByTimeAsync(1); // t = 160: the third times out
    expect(outcomes).toEqual(['store_unavailable', true, 'store_unavailable']);
  });

  it('releases a claim that lands after its timeout, with its own token', async () => {
    vi.useFakeTimers();
    let land: (value: string | null) => void = () => {};
    const { client, calls } = fakeClient({
      claim: () => new Promise((resolve) => (land = resolve)),
      release: async () => 1,
    });
    const store = redisStore({ client, keyPrefix: 'p:', commandTimeoutMs: 100 });
    const outcome = store.claim('order-1', 60_000).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(100);
    expect(await outcome).toMatchObject({ code: 'store_unavailable' });
    expect(calls.map((c) => c.command)).toEqual(['claim']);

    land(null);
    await vi.advanceTimersByTimeAsync(0);
    const token = calls[0]?.args[2];
    expect(calls[1]).toEqual({ command: 'release', args: ['p:order-1', token] });
    expect(token).toEqual(expect.stringMatching(/^c:/));
  });

  it('leaves the key alone when the late claim found it taken', async () => {
    vi.useFakeTimers();
    let land: (value: string | null) => void = () => {};
    const { client, calls } = fakeClient({ claim: () => new Promise((resolve) => (land = resolve)) });
    const store = redisStore({ client, commandTimeoutMs: 100 });
    const outcome = store.claim('order-1', 60_000).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(100);
    await outcome;
    land('1');
    await vi.advanceTimersByTimeAsync(0);
    expect(calls.map((c) => c.command)).toEqual(['claim']);
  });
});

describe('redisStore clients', () => {
  it('defines its scripts once per client', () => {
    const { client, raw } = fakeClient();
    redisStore({ client });
    redisStore({ client, keyPrefix: 'other:' });
    expect(raw.defineCommand).toHaveBeenCalledTimes(5);
  });

  it('never closes an injected client', async () => {
    const { client, raw } = fakeClient();
    await redisStore({ client }).close();
    expect(raw.quit).not.toHaveBeenCalled();
    expect(raw.disconnect).not.toHaveBeenCalled();
  });
});
