import { Agent } from 'node:http';
import { genstoreEventKey } from '@hookinbox/genstore';
import { describe, expect, it, vi } from 'vitest';
import { redisUrl, uniquePrefix } from '../helpers/redis.js';
import {
  genstoreRequest,
  pool,
  type ReceiverProcess,
  receiverProcesses,
  send,
  sleep,
  startReceiverProcess,
  type TestRequest,
} from './support.js';

const SECRET = 'gs-many-instances-secret';
const TOPIC = 'orders/create';

const spawned = receiverProcesses();
const { prefixes, processes } = spawned;

/** Start receiver processes sharing one Redis under a key prefix of their own test. */
async function instances(label: string, envs: Record<string, string>[]) {
  const prefix = uniquePrefix(label);
  prefixes.push(prefix);
  const started = await Promise.all(
    envs.map((env) => startReceiverProcess({ REDIS_URL: redisUrl(), KEY_PREFIX: prefix, SECRET, ...env })),
  );
  processes.push(...started);
  return started;
}

const delivery = (body: object): TestRequest =>
  genstoreRequest({ secret: SECRET, topic: TOPIC, body: JSON.stringify(body) });
/** Genstore deliveries are deduplicated on topic and body (through the body's HMAC). */
const keyOf = (req: TestRequest) => genstoreEventKey(TOPIC, req.body, SECRET);

const handledBy = (p: ReceiverProcess) =>
  p.reports.filter((r): r is { type: 'handled'; id: string } => r.type === 'handled').map((r) => r.id);
const startedBy = (p: ReceiverProcess) =>
  p.reports.filter((r): r is { type: 'started'; id: string; attempt: number } => r.type === 'started').map((r) => r.id);

describe('many instances sharing one Redis', () => {
  it('two receiver processes, 1,000 distinct deliveries each sent to both at once: every delivery handled exactly once', async () => {
    const [a, b] = (await instances('many', [{}, {}])) as [ReceiverProcess, ReceiverProcess];
    const agents = [new Agent({ keepAlive: true, maxSockets: 50 }), new Agent({ keepAlive: true, maxSockets: 50 })];
    const deliveries = Array.from({ length: 1_000 }, (_, i) => delivery({ order: i, note: `delivery ${i}` }));

    const pairs = await pool(deliveries, 50, (req) =>
      Promise.all([send(a.port, req, { agent: agents[0] }), send(b.port, req, { agent: agents[1] })]),
    );
    for (const agent of agents) agent.destroy();

    // Both acknowledge; exactly one of them claimed the delivery, the other saw it in flight or done.
    for (const [ra, rb] of pairs) {
      expect([ra.status, rb.status]).toEqual([200, 200]);
      const fresh = [ra, rb].filter((r) => !JSON.parse(r.text).duplicate);
      expect(fresh).toHaveLength(1);
    }

    // Handlers run after the answer: wait until both processes are idle and have reported every handled event.
    await vi.waitFor(
      async () => {
        for (const p of [a, b]) {
          const stats = JSON.parse(
            (await send(p.port, { method: 'GET', url: '/stats', headers: {}, body: Buffer.alloc(0) })).text,
          );
          expect(stats.inFlight).toBe(0);
        }
        expect(handledBy(a).length + handledBy(b).length).toBeGreaterThanOrEqual(1_000);
      },
      { timeout: 20_000, interval: 100 },
    );
    await sleep(100);

    const counts = new Map<string, number>();
    for (const id of [...handledBy(a), ...handledBy(b)]) counts.set(id, (counts.get(id) ?? 0) + 1);
    const expected = deliveries.map(keyOf);
    expect(new Set(expected).size).toBe(1_000);
    expect(counts.size).toBe(1_000);
    for (const key of expected) expect(counts.get(key)).toBe(1);
    // Both instances took part: the race for each delivery went both ways.
    expect(handledBy(a).length).toBeGreaterThan(0);
    expect(handledBy(b).length).toBeGreaterThan(0);
  }, 60_000);

  it('kill -9 of an instance while its handler runs: the provider retry after the lease is handled exactly once by another instance', async () => {
    // The lease is long enough that the in-lease retry below always lands inside it, even on a slow machine.
    const LEASE_MS = 6_000;
    const common = { ACK_MODE: 'after-handlers', ACK_TIMEOUT_MS: '4000', LEASE_MS: String(LEASE_MS) };
    const [a, b] = (await instances('crash', [
      { ...common, HANDLER_MS: '30000' },
      { ...common, HANDLER_MS: '0' },
    ])) as [ReceiverProcess, ReceiverProcess];
    const req = delivery({ order: 'crash-1' });
    const key = keyOf(req);

    // A claims the delivery and starts its (slow) handler; the platform is still waiting for the answer.
    const first = send(a.port, req).then(
      (res) => ({ answered: res.status }),
      (error: Error) => ({ failed: error.message }),
    );
    await a.waitFor((r) => r.type === 'started' && r.id === key);
    const claimedAt = performance.now();
    await a.kill();
    expect((await a.exited).signal).toBe('SIGKILL');
    // The platform sees the connection die without a 2xx, so it will retry.
    expect(await first).toMatchObject({ failed: expect.any(String) });

    // A retry within the lease finds the crashed claim still in flight: 409, nothing handled.
    const early = await send(b.port, req);
    expect(performance.now() - claimedAt, 'the retry must land inside the lease').toBeLessThan(LEASE_MS);
    expect(early.status).toBe(409);
    expect(JSON.parse(early.text).error.code).toBe('in_flight');
    expect(early.headers['retry-after']).toBeDefined();

    // After the lease, the retry reaches B, which handles it.
    await vi.waitFor(
      async () => {
        const retry = await send(b.port, req);
        expect(retry.status).toBe(200);
        expect(retry.text).toBe('{"ok":true}');
      },
      { timeout: LEASE_MS + 10_000, interval: 250 },
    );
    const again = await send(b.port, req);
    expect(JSON.parse(again.text)).toEqual({ ok: true, duplicate: true });

    expect(handledBy(a)).toEqual([]);
    expect(startedBy(b)).toEqual([key]);
    expect(handledBy(b)).toEqual([key]);
  }, 60_000);
});
