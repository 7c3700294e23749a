import { genstoreDelivery, genstoreSamples } from '@hookinbox/testing';
import { beforeAll, describe, expect, it, vi } from 'vitest';

// The route is called directly with a Request, as Next.js calls it; no Next.js server runs (see the README).
// Next.js' after() needs the request scope of a running Next.js server, so it is replaced by one that keeps its tasks:
// the test then waits for them as the platform would before freezing the function.
const tasks = vi.hoisted(() => [] as Promise<unknown>[]);
vi.mock('next/server', () => ({ after: (task: Promise<unknown>) => void tasks.push(task) }));

const secret = 'next-example-secret';
let POST: (request: Request) => Promise<Response>;
let orders: Record<string, unknown>[];

beforeAll(async () => {
  vi.stubEnv('GENSTORE_CLIENT_SECRET', secret);
  ({ POST } = await import('../src/app/api/webhooks/genstore/route'));
  ({ orders } = await import('../src/lib/orders'));
});

const post = (d: ReturnType<typeof genstoreDelivery>) =>
  POST(new Request(`https://shop-app.example${d.url}`, { method: d.method, headers: d.headers, body: d.body }));

describe('example: Next.js App Router route handler', () => {
  it('verifies a signed orders/create, answers 200 at once, and hands the handler to after()', async () => {
    const d = genstoreDelivery({
      topic: 'orders/create',
      payload: genstoreSamples.ordersCreate,
      secret,
      webhookId: 'n-1',
    });
    const res = await post(d);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
    expect(tasks).toHaveLength(1);
    await Promise.all(tasks);
    expect(orders).toEqual([expect.objectContaining({ id: '8589934859', currency: 'SEK' })]);
    // Genstore's retry of the same webhook: a duplicate, nothing handed to after(), the order saved once.
    expect(await (await post(d)).json()).toEqual({ ok: true, duplicate: true });
    expect(tasks).toHaveLength(1);
    expect(orders).toHaveLength(1);
  });

  it('refuses a tampered body: 401 invalid_signature, nothing saved', async () => {
    const d = genstoreDelivery({ topic: 'orders/create', payload: { id: 'n-2' }, secret });
    d.body = Buffer.from(JSON.stringify({ id: 'n-3' }));
    const res = await post(d);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('invalid_signature');
    expect(orders).toHaveLength(1);
  });
});
