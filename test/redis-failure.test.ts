import { createReceiver, type Provider, type RawDelivery, type ReceiverHooks, silentLogger } from '@hookinbox/core';
import { redisStore } from '@hookinbox/redis';
import { Redis, type RedisOptions } from 'ioredis';
import { Redis as Redis6 } from 'ioredis6';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { asStoreClient } from './helpers/redis.js';
import { freePort, type RedisServer, startRedisServer } from './setup/redis-server.js';

// Generous: the store gives up after COMMAND_TIMEOUT_MS; the bound leaves room for a loaded machine.
const COMMAND_TIMEOUT_MS = 300;
const PROMPT_MS = 2_000;
const LONG = 60_000;

/** A provider that trusts everything: the dedupe key is the body's `id`. */
const provider: Provider = {
  name: 'test',
  verify: (delivery) => ({
    name: 'thing/happened',
    dedupeKey: (JSON.parse(Buffer.from(delivery.body).toString('utf8')) as { id: string }).id,
    payload: {},
    meta: {},
  }),
};

const delivery = (id: string): RawDelivery => ({
  method: 'POST',
  url: '/webhooks/test',
  headers: { 'content-type': 'application/json' },
  body: Buffer.from(JSON.stringify({ id })),
});

/** A client that keeps trying to reach `url`, with ioredis's defaults: offline queue on, 20 retries a command. */
function quietClient(url: string, options: RedisOptions = {}): Redis {
  const client = new Redis(url, options);
  // Connection errors are expected here; without a listener ioredis prints each one.
  client.on('error', () => {});
  return client;
}

function receiverFor(client: Redis, keyPrefix: string, onStoreError: 'fail-closed' | 'fail-open') {
  const handled: string[] = [];
  const storeErrors: Parameters<NonNullable<ReceiverHooks['onStoreError']>>[0][] = [];
  const receiver = createReceiver({
    provider,
    store: redisStore({ client, keyPrefix, commandTimeoutMs: COMMAND_TIMEOUT_MS }),
    dedupe: { onStoreError, leaseMs: LONG, retryAfterSeconds: 7 },
    logger: silentLogger,
    hooks: { onStoreError: (info) => storeErrors.push(info) },
  });
  receiver.on('thing/happened', (event) => {
    handled.push(event.id);
  });
  return { receiver, handled, storeErrors };
}

async function timed<T>(work: Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work;
  return { value, ms: performance.now() - started };
}

// Each ioredis major the package accepts: 6 retries with exponential back-off and jitter by default, 5 linearly.
const majors: [string, (url: string) => Redis][] = [
  ['ioredis 5', (url) => quietClient(url)],
  [
    'ioredis 6',
    (url) => {
      const client = new Redis6(url);
      client.on('error', () => {});
      return asStoreClient(client) as Redis;
    },
  ],
];

describe.each(majors)('redisStore when Redis is unreachable (%s)', (_major, connect) => {
  let client: Redis;

  beforeAll(async () => {
    // Nothing listens on this loopback port: every connection attempt is refused and ioredis keeps retrying.
    client = connect(`redis://127.0.0.1:${await freePort()}`);
  });

  afterAll(() => {
    client.disconnect();
  });

  it('rejects claim, commit and release with store_unavailable, promptly, despite the offline queue', async () => {
    const store = redisStore({ client, commandTimeoutMs: COMMAND_TIMEOUT_MS });
    for (const operation of [
      () => store.claim('order-1', LONG),
      () => store.commit('order-1', 'c:token', LONG),
      () => store.release('order-1', 'c:token'),
    ]) {
      const started = performance.now();
      const error = await operation().catch((e: unknown) => e);
      expect(performance.now() - started).toBeLessThan(PROMPT_MS);
      expect(error).toMatchObject({ name: 'HookinboxError', code: 'store_unavailable', status: 503 });
      expect((error as Error).message).toMatch(/^@hookinbox\/redis: /);
    }
  });

  it('rejects 100 concurrent claims promptly, each on its own', async () => {
    const store = redisStore({ client, commandTimeoutMs: COMMAND_TIMEOUT_MS });
    const { value: results, ms } = await timed(
      Promise.allSettled(Array.from({ length: 100 }, (_, i) => store.claim(`order-${i}`, LONG))),
    );
    expect(ms).toBeLessThan(PROMPT_MS);
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
  });

  it('fail-closed: answers 503 with Retry-After within the command timeout and runs no handler', async () => {
    const { receiver, handled, storeErrors } = receiverFor(client, 'unreachable:', 'fail-closed');
    const { value: response, ms } = await timed(receiver.handle(delivery('order-1')));
    expect(ms).toBeLessThan(PROMPT_MS);
    expect(response.status).toBe(503);
    expect(response.headers['retry-after']).toBe('7');
    expect(JSON.parse(response.body)).toMatchObject({ error: { code: 'store_unavailable' } });
    expect(storeErrors).toHaveLength(1);
    expect(storeErrors[0]).toMatchObject({ policy: 'fail-closed', operation: 'claim' });
    expect(storeErrors[0]?.error).toMatchObject({ code: 'store_unavailable' });
    await receiver.close({ timeoutMs: 1_000 });
    expect(handled).toEqual([]);
  });

  it('fail-open: answers 200, runs the handler and reports the store error', async () => {
    const { receiver, handled, storeErrors } = receiverFor(client, 'unreachable:', 'fail-open');
    const { value: response, ms } = await timed(receiver.handle(delivery('order-1')));
    expect(ms).toBeLessThan(PROMPT_MS);
    expect(response.status).toBe(200);
    await vi.waitFor(() => expect(handled).toEqual(['order-1']), { timeout: PROMPT_MS });
    expect(storeErrors[0]).toMatchObject({ policy: 'fail-open', operation: 'claim' });
    expect(storeErrors[0]?.error).toMatchObject({ code: 'store_unavailable' });
    await receiver.close({ timeoutMs: 1_000 });
  });
});

describe('redisStore across a Redis outage and a hung Redis (own redis-server)', () => {
  let server: RedisServer;
  let client: Redis;
  let admin: Redis;

  beforeAll(async () => {
    server = await startRedisServer();
    // Reconnect quickly so the test does not wait on ioredis's back-off once the server is back.
    client = quietClient(server.url, { retryStrategy: () => 50 });
    admin = quietClient(server.url, { retryStrategy: () => 50 });
    await Promise.all([client.ping(), admin.ping()]);
  });

  afterAll(async () => {
    client?.disconnect();
    admin?.disconnect();
    await server?.stop();
  });

  const ready = (redis: Redis) =>
    vi.waitFor(() => expect(redis.status).toBe('ready'), { timeout: 10_000, interval: 20 });

  it('refuses or processes without dedupe while Redis is down, and dedupes again once it is back', async () => {
    const closed = receiverFor(client, 'outage:', 'fail-closed');
    const open = receiverFor(client, 'outage:', 'fail-open');

    // Healthy: processed once, the copy is a duplicate.
    expect((await closed.receiver.handle(delivery('before'))).status).toBe(200);
    await vi.waitFor(() => expect(closed.handled).toEqual(['before']));
    await vi.waitFor(async () =>
      expect((await closed.receiver.handle(delivery('before'))).body).toContain('duplicate'),
    );

    await server.stop();

    const refused = await timed(closed.receiver.handle(delivery('during')));
    expect(refused.ms).toBeLessThan(PROMPT_MS);
    expect(refused.value.status).toBe(503);
    expect(refused.value.headers['retry-after']).toBe('7');
    expect(closed.storeErrors).toMatchObject([{ policy: 'fail-closed', operation: 'claim' }]);

    const processed = await timed(open.receiver.handle(delivery('during-open')));
    expect(processed.ms).toBeLessThan(PROMPT_MS);
    expect(processed.value.status).toBe(200);
    await vi.waitFor(() => expect(open.handled).toEqual(['during-open']), { timeout: PROMPT_MS });
    expect(open.storeErrors[0]).toMatchObject({ policy: 'fail-open', operation: 'claim' });

    await server.restart();
    await ready(client);

    // The provider's retry of the refused delivery: the claim queued during the outage may have run once Redis
    // came back, and must not leave the key looking in flight.
    await vi.waitFor(
      async () => {
        const response = await closed.receiver.handle(delivery('during'));
        expect(response.status).toBe(200);
        expect(response.body).not.toContain('duplicate');
      },
      { timeout: 5_000, interval: 100 },
    );
    await vi.waitFor(() => expect(closed.handled).toEqual(['before', 'during']));

    // A new delivery after the outage: handled normally, and its copy is a duplicate again.
    expect((await closed.receiver.handle(delivery('after'))).status).toBe(200);
    await vi.waitFor(() => expect(closed.handled).toEqual(['before', 'during', 'after']));
    await vi.waitFor(async () => expect((await closed.receiver.handle(delivery('after'))).body).toContain('duplicate'));
    expect(closed.handled).toEqual(['before', 'during', 'after']);

    await Promise.all([closed.receiver.close({ timeoutMs: 1_000 }), open.receiver.close({ timeoutMs: 1_000 })]);
  });

  it('times out on a hung Redis, and undoes the claim that runs once Redis answers again', async () => {
    await ready(client);
    await ready(admin);
    const store = redisStore({ client, keyPrefix: 'hung:', commandTimeoutMs: COMMAND_TIMEOUT_MS });
    // Redis stops serving every client for 1.5 s: the command sits on the socket, unanswered.
    await admin.call('CLIENT', 'PAUSE', '1500', 'ALL');
    const started = performance.now();
    const error = await store.claim('order-1', LONG).catch((e: unknown) => e);
    expect(performance.now() - started).toBeLessThan(PROMPT_MS);
    expect(error).toMatchObject({ code: 'store_unavailable' });
    expect((error as Error).message).toContain('did not answer claim');

    // Once the pause ends the claim runs anyway. Nobody holds its token, so the store deletes it again; left
    // alone it would answer "in flight" to every retry for the whole 60 s lease.
    await new Promise((resolve) => setTimeout(resolve, 1_800 - (performance.now() - started)));
    await vi.waitFor(async () => expect(await admin.exists('hung:order-1')).toBe(0), { timeout: 3_000, interval: 50 });
    expect((await store.claim('order-1', LONG)).status).toBe('claimed');
  });
});
