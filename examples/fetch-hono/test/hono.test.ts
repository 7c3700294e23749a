import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { silentLogger } from '@hookinbox/core';
import { genstoreDelivery, genstoreSamples } from '@hookinbox/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createApp } from '../src/app.js';

const secret = 'hono-example-secret';

describe('example: Hono on Node', () => {
  let server: Server | undefined;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
  });

  const start = async () => {
    const orders: Record<string, unknown>[] = [];
    const { app, receiver } = createApp({
      secret,
      saveOrder: (order) => void orders.push(order),
      logger: silentLogger,
    });
    server = await new Promise<Server>((resolve) => {
      const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s as Server));
    });
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const send = (d: ReturnType<typeof genstoreDelivery>) =>
      fetch(base + d.url, { method: d.method, headers: d.headers, body: d.body });
    return { orders, receiver, send };
  };

  it('verifies a signed orders/create over a real socket, acknowledges it and saves the order once', async () => {
    const { orders, receiver, send } = await start();
    const d = genstoreDelivery({
      topic: 'orders/create',
      payload: genstoreSamples.ordersCreate,
      secret,
      webhookId: 'h-1',
    });
    const res = await send(d);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
    await vi.waitFor(() => expect(orders).toHaveLength(1));
    expect(orders[0]).toMatchObject({ id: '8589934859', lineItems: [{ title: 'Tröja — röd ✓' }] });
    // Genstore's retry of the same webhook is acknowledged as a duplicate, and the order is not saved twice.
    expect(await (await send(d)).json()).toEqual({ ok: true, duplicate: true });
    expect(receiver.stats().duplicates).toBe(1);
    expect(orders).toHaveLength(1);
  });

  it('refuses a delivery signed with another secret: 401 invalid_signature, nothing saved', async () => {
    const { orders, send } = await start();
    const d = genstoreDelivery({ topic: 'orders/create', payload: genstoreSamples.ordersCreate, secret: 'not-ours' });
    const res = await send(d);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('invalid_signature');
    expect(orders).toHaveLength(0);
  });
});
