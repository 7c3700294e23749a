import { createReceiver, type Logger } from '@hookinbox/core';
import { hookinbox } from '@hookinbox/fastify';
import { genstore, genstoreEventKey } from '@hookinbox/genstore';
import { redisStore } from '@hookinbox/redis';
import Fastify, { type FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type RedisServer, startRedisServer } from '../setup/redis-server.js';
import { genstoreRequest, sleep, type TestRequest } from './support.js';

/**
 * Faults of a real Redis under a stream of deliveries: the tests start their own redis-server (never the shared
 * one), stop it, start it again on the same port, and freeze it with SIGSTOP.
 */
const SECRET = 'gs-redis-faults-secret';
const COMMAND_TIMEOUT_MS = 200;
const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };

let server: RedisServer;
let client: Redis;
let admin: Redis;

beforeAll(async () => {
  server = await startRedisServer();
  // Reconnect quickly once the server is back, so the test does not sit in ioredis's back-off.
  client = new Redis(server.url, { retryStrategy: () => 50 });
  admin = new Redis(server.url, { retryStrategy: () => 50 });
  client.on('error', () => {});
  admin.on('error', () => {});
  await Promise.all([client.ping(), admin.ping()]);
});

afterAll(async () => {
  client?.disconnect();
  admin?.disconnect();
  await server?.stop();
});

const ready = (redis: Redis) => vi.waitFor(() => expect(redis.status).toBe('ready'), { timeout: 10_000, interval: 20 });

async function setup(keyPrefix: string) {
  const handled = new Map<string, number>();
  const receiver = createReceiver({
    provider: genstore({ secret: SECRET }),
    store: redisStore({ client, keyPrefix, commandTimeoutMs: COMMAND_TIMEOUT_MS }),
    dedupe: { leaseMs: 30_000, retryAfterSeconds: 3 },
    logger: quiet,
  });
  receiver.on('*', async (event) => {
    handled.set(event.id, (handled.get(event.id) ?? 0) + 1);
  });
  const app: FastifyInstance = Fastify();
  await app.register(hookinbox, { path: '/webhooks/genstore', receiver, closeTimeoutMs: 2_000 });
  await app.ready();
  const post = async (req: TestRequest) => {
    const res = await app.inject({ method: 'POST', url: req.url, headers: req.headers, payload: req.body });
    const body = res.json() as { ok?: boolean; duplicate?: boolean; error?: { code: string } };
    return { status: res.statusCode, body, retryAfter: res.headers['retry-after'] };
  };
  const idle = () => vi.waitFor(() => expect(receiver.stats().inFlight).toBe(0), { timeout: 5_000, interval: 10 });
  return { receiver, handled, app, post, idle };
}

const delivery = (label: string) =>
  genstoreRequest({
    secret: SECRET,
    body: JSON.stringify({ label }),
    headers: { 'x-genstore-webhook-id': label },
  });
/** The event id of `delivery(label)`: the provider's dedupe key, from topic and body. */
const keyOf = (label: string) => genstoreEventKey('orders/create', JSON.stringify({ label }), SECRET);

describe('Redis faults under load (own redis-server)', () => {
  it('Redis stopped under load and started again on the same port: 503 store_unavailable while it is gone, nothing handled twice, handled again once it is back', async () => {
    const t = await setup(`faults-outage-${Date.now()}:`);
    type Phase = 'up' | 'down' | 'restarting' | 'back';
    let phase: Phase = 'up';
    let running = true;
    let seq = 0;
    const results: { label: string; phase: Phase; endPhase: Phase; status: number; code?: string; dup: boolean }[] = [];

    // Eight senders, each a stream of distinct deliveries, as a busy platform sends them.
    const sender = async (lane: number) => {
      while (running) {
        const label = `outage-${lane}-${seq++}`;
        const sentIn = phase;
        const res = await t.post(delivery(label));
        results.push({
          label,
          phase: sentIn,
          endPhase: phase,
          status: res.status,
          ...(res.body.error ? { code: res.body.error.code } : {}),
          dup: res.body.duplicate === true,
        });
        if (res.status === 503) await sleep(5);
      }
    };
    const lanes = Array.from({ length: 8 }, (_, i) => sender(i));

    await sleep(400);
    await server.stop();
    phase = 'down';
    await sleep(1_000);
    phase = 'restarting';
    await server.restart();
    await ready(client);
    phase = 'back';
    await sleep(600);
    running = false;
    await Promise.all(lanes);
    await t.idle();

    // Only two answers exist: accepted, or 503 store_unavailable with its Retry-After.
    for (const r of results) {
      expect(r.status === 200 || (r.status === 503 && r.code === 'store_unavailable')).toBe(true);
    }
    const during = results.filter((r) => r.phase === 'down' && r.endPhase === 'down');
    expect(during.length).toBeGreaterThan(8);
    expect(during.filter((r) => r.status !== 503)).toEqual([]);
    expect(results.filter((r) => r.phase === 'up' && r.status === 200).length).toBeGreaterThan(8);

    // No delivery handled twice; every accepted one handled exactly once; every refused one not at all.
    for (const count of t.handled.values()) expect(count).toBe(1);
    for (const r of results) {
      expect({ label: r.label, handled: t.handled.get(keyOf(r.label)) ?? 0 }).toEqual({
        label: r.label,
        handled: r.status === 200 && !r.dup ? 1 : 0,
      });
    }

    // The first delivery sent once Redis was back is handled.
    const firstBack = results.find((r) => r.phase === 'back');
    expect(firstBack?.status).toBe(200);
    expect(t.handled.get(keyOf(firstBack?.label as string))).toBe(1);

    // The platform retries what got 503: each is handled exactly once; no late claim from the outage blocks it.
    const refused = results.filter((r) => r.status === 503);
    for (const r of refused) {
      const res = await t.post(delivery(r.label));
      expect(res.status).toBe(200);
      expect(res.body.duplicate).toBeUndefined();
    }
    await t.idle();
    for (const r of refused) expect(t.handled.get(keyOf(r.label))).toBe(1);
    await t.app.close();
  });

  it('a Redis that stops answering (SIGSTOP) is met by the command timeout: 503 long before it wakes, then the retry is handled once', async () => {
    await ready(client);
    await ready(admin);
    const t = await setup(`faults-frozen-${Date.now()}:`);
    const info = await admin.info('server');
    const pid = Number(/process_id:(\d+)/.exec(info)?.[1]);
    expect(info).toContain(`tcp_port:${server.port}`);
    expect(pid).toBeGreaterThan(0);

    const FROZEN_MS = 2_000;
    process.kill(pid, 'SIGSTOP');
    const frozenAt = performance.now();
    let res: Awaited<ReturnType<typeof t.post>>;
    let answeredAfter: number;
    try {
      res = await t.post(delivery('frozen-1'));
      answeredAfter = performance.now() - frozenAt;
      await sleep(Math.max(0, FROZEN_MS - (performance.now() - frozenAt)));
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    expect(res.status).toBe(503);
    expect(res.body.error?.code).toBe('store_unavailable');
    expect(res.retryAfter).toBe('3');
    // Generous: the command timeout is 200 ms; the frozen Redis would have held the delivery 2 s.
    expect(answeredAfter).toBeLessThan(1_500);
    expect(t.handled.size).toBe(0);

    // Once Redis wakes, the claim queued on the socket runs late and is undone: the retry is handled, once.
    await vi.waitFor(
      async () => {
        const retry = await t.post(delivery('frozen-1'));
        expect(retry.status).toBe(200);
        expect(retry.body.duplicate).toBeUndefined();
      },
      { timeout: 5_000, interval: 100 },
    );
    await t.idle();
    expect(t.handled.get(keyOf('frozen-1'))).toBe(1);
    const again = await t.post(delivery('frozen-1'));
    expect(again.body.duplicate).toBe(true);
    await t.idle();
    expect(t.handled.get(keyOf('frozen-1'))).toBe(1);
    await t.app.close();
  });
});
