import { genstoreDelivery, genstoreSamples } from '@hookinbox/testing';
import { createStaticHandler } from 'react-router';
import { beforeAll, describe, expect, it, vi } from 'vitest';

// React Router's framework-mode server answers a request for a resource route with the static handler's queryRoute
// (its handleResourceRequest); this test routes through the same call, without building the app with Vite.
const secret = 'react-router-example-secret';
let queryRoute: (request: Request) => Promise<unknown>;
let orders: Record<string, unknown>[];

beforeAll(async () => {
  vi.stubEnv('GENSTORE_CLIENT_SECRET', secret);
  const route = await import('../src/routes/api.webhooks.genstore');
  ({ orders } = await import('../src/webhooks.server'));
  const handler = createStaticHandler([
    { id: 'routes/api.webhooks.genstore', path: '/api/webhooks/genstore', ...route },
  ]);
  queryRoute = (request) => handler.queryRoute(request);
});

const post = async (d: ReturnType<typeof genstoreDelivery>) => {
  const url = `https://shop-app.example/api/webhooks/genstore`;
  const result = await queryRoute(new Request(url, { method: d.method, headers: d.headers, body: d.body }));
  expect(result).toBeInstanceOf(Response);
  return result as Response;
};

describe('example: React Router resource route action', () => {
  it('verifies a signed orders/create, answers 200 and saves the order once', async () => {
    const d = genstoreDelivery({
      topic: 'orders/create',
      payload: genstoreSamples.ordersCreate,
      secret,
      webhookId: 'r-1',
    });
    const res = await post(d);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
    await vi.waitFor(() => expect(orders).toHaveLength(1));
    expect(orders[0]).toMatchObject({ id: '8589934859', customer: { firstName: 'Åsa' } });
    expect(await (await post(d)).json()).toEqual({ ok: true, duplicate: true });
    expect(orders).toHaveLength(1);
  });

  it('refuses an unsigned delivery: 401 missing_signature, nothing saved', async () => {
    const d = genstoreDelivery({
      topic: 'orders/create',
      payload: { id: 'r-2' },
      secret,
      headers: { 'x-genstore-hmac-sha256': null },
    });
    const res = await post(d);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('missing_signature');
    expect(orders).toHaveLength(1);
  });
});
