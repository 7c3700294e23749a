import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createReceiver,
  type Provider,
  type RawDelivery,
  readRawBody,
  silentLogger,
  type WebhookEvent,
} from '@hookinbox/core';
import { defineGeinsWebhook, geins } from '@hookinbox/geins';
import { genstore } from '@hookinbox/genstore';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'packages/cli/bin/hookinbox.js');

function hookinbox(args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', '--conditions=source', BIN, ...args],
      { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 30_000 },
      (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
      },
    );
  });
}

/** `hookinbox send --platform <platform> --url <url> <flags>` */
function send(platform: 'genstore' | 'geins', url: string, flags: string[], env?: Record<string, string>) {
  return hookinbox(['send', '--platform', platform, '--url', url, ...flags], env);
}

type Seen = { event: WebhookEvent<string, any, any>; delivery: RawDelivery };

/** A receiver on 127.0.0.1 made of the core and node:http, recording what its handlers got. */
async function startReceiver(provider: Provider<any, any>, patterns: string[]) {
  const seen: Seen[] = [];
  let last: RawDelivery | undefined;
  const receiver = createReceiver({ provider, ack: { mode: 'after-handlers' }, logger: silentLogger });
  for (const pattern of patterns) {
    receiver.on(pattern, (event) => {
      seen.push({ event, delivery: last as RawDelivery });
    });
  }
  const server: Server = createServer(async (req, res) => {
    const body = await readRawBody(req, { limit: 1 << 20, timeoutMs: 5_000 });
    last = { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body };
    const response = await receiver.handle(last);
    res.writeHead(response.status, response.headers).end(response.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let dir: string;
let receiver: Awaited<ReturnType<typeof startReceiver>> | undefined;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hookinbox-send-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

describe('hookinbox send --platform genstore', { timeout: 60_000 }, () => {
  const SECRET = 'client-secret-1';
  const patterns = ['orders/create', 'customers/data_request', 'customers/redact', 'shop/redact'];

  it('posts a correctly signed sample delivery; the receiver answers 200 and routes it', async () => {
    receiver = await startReceiver(genstore({ secret: SECRET }), patterns);
    const run = await send('genstore', `${receiver.url}/webhooks/genstore`, ['--topic', 'orders/create'], {
      GENSTORE_CLIENT_SECRET: SECRET,
      GENSTORE_SHOP: 'demo-shop',
    });

    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^POST http:\/\/127\.0\.0\.1:\d+\/webhooks\/genstore \(orders\/create\)$/m);
    expect(run.stdout).toMatch(/^200 OK in \d+ ms$/m);
    expect(run.stdout).toContain('{"ok":true}');
    expect(receiver.seen).toHaveLength(1);
    const { event, delivery } = receiver.seen[0]!;
    expect(event.name).toBe('orders/create');
    expect(delivery.headers['x-genstore-shop-domain']).toBe('demo-shop.genmystore.com');
    expect(delivery.headers['x-genstore-webhook-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('signs the exact bytes of --payload; a compliance topic reaches its handler', async () => {
    receiver = await startReceiver(genstore({ secret: SECRET }), patterns);
    const file = join(dir, 'redact.json');
    const text = '{ "shop_id": "1",  "shop_domain": "ö-shop.genmystore.com" }\n';
    await writeFile(file, text);
    const run = await send('genstore', `${receiver.url}/hooks`, [
      '--topic',
      'shop/redact',
      '--payload',
      file,
      '--secret',
      SECRET,
    ]);
    expect(run.code).toBe(0);
    expect(receiver.seen.map((s) => s.event.name)).toEqual(['shop/redact']);
    expect(Buffer.from(receiver.seen[0]!.delivery.body).toString('utf8')).toBe(text);
  });

  it('a wrong secret: the receiver answers 401, the CLI prints it and exits 1', async () => {
    receiver = await startReceiver(genstore({ secret: SECRET }), patterns);
    const run = await send('genstore', `${receiver.url}/hooks`, [
      '--topic',
      'orders/create',
      '--secret',
      'not-the-secret',
    ]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^401 Unauthorized in \d+ ms$/m);
    expect(run.stdout).toContain('invalid_signature');
    expect(receiver.seen).toHaveLength(0);
  });

  it('without a secret it explains where to put one and exits 2', async () => {
    const run = await send('genstore', 'http://127.0.0.1:9/x', ['--topic', 'a/b']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('GENSTORE_CLIENT_SECRET');
  });
});

describe('hookinbox send --platform geins', { timeout: 60_000 }, () => {
  it('posts the quick start body with x-idempotency-key and x-timestamp; 200 and the right handler', async () => {
    receiver = await startReceiver(geins({ secret: 'g-secret' }), ['Order.create', 'Order.cancel']);
    const run = await send('geins', `${receiver.url}/webhooks/geins`, [
      '--entity',
      'Order',
      '--action',
      'create',
      '--id',
      '123',
      '--header',
      'authorization: Bearer g-secret',
    ]);

    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^200 OK in \d+ ms$/m);
    expect(receiver.seen).toHaveLength(1);
    const { event, delivery } = receiver.seen[0]!;
    expect(event.name).toBe('Order.create');
    expect(event.payload.ids).toEqual(['123']);
    expect(delivery.body.toString()).toBe('{"entity":"Order","action":"create","id":"123"}');
    expect(delivery.headers['x-idempotency-key']).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number.isNaN(Date.parse(String(delivery.headers['x-timestamp'])))).toBe(false);
  });

  it('without the secret header the receiver answers 401 and the CLI exits 1', async () => {
    receiver = await startReceiver(geins({ secret: 'g-secret' }), ['Order.create']);
    const run = await send('geins', `${receiver.url}/webhooks/geins`, [
      '--entity',
      'Order',
      '--action',
      'create',
      '--id',
      '1',
    ]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^401 /m);
    expect(receiver.seen).toHaveLength(0);
  });

  it('renders from a definition file: its Url, Body and secret; --url only picks the host', async () => {
    const input = {
      name: 'app: prices',
      entity: 'Product',
      actions: ['update', 'delete'],
      url: 'https://app.example/webhooks/geins/{{entity}}?action={{action}}',
      body: '{"productId":"{{id}}","changeType":"{{subEntity}}"}',
      secret: { header: 'x-webhook-secret', value: 'p-secret' },
    };
    const definition = defineGeinsWebhook(input);
    receiver = await startReceiver(definition.provider(), ['Product.update', 'Product.delete']);
    const file = join(dir, 'prices.json');
    await writeFile(file, JSON.stringify([input]));

    const run = await send('geins', receiver.url, [
      '--definitions',
      file,
      '--action',
      'delete',
      '--id',
      '55,56',
      '--sub-entity',
      'price',
      '--idempotency-key',
      'fixed-key-1',
    ]);

    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('/webhooks/geins/Product?action=delete (Product.delete)');
    const { event, delivery } = receiver.seen[0]!;
    expect(event.name).toBe('Product.delete');
    expect(event.payload).toMatchObject({ ids: ['55', '56'], subEntity: 'price' });
    expect(delivery.headers['x-idempotency-key']).toBe('fixed-key-1');
    expect(delivery.headers['x-webhook-secret']).toBe('p-secret');
  });
});
