import { createHmac } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '@hookinbox/cli';
import { createReceiver, readRawBody, silentLogger } from '@hookinbox/core';
import { genstore } from '@hookinbox/genstore';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

const SECRET = 'sim-secret';
const LAST_LINE =
  /^deliveries (\d+), acknowledged (\d+), retried (\d+), given up (\d+), ack p50 (\d+|-) ms, p99 (\d+|-) ms$/;

interface Seen {
  headers: IncomingMessage['headers'];
  body: string;
}

/** A local HTTP server that records every request and answers as `answer` says (`undefined`: never). */
async function startServer(answer: (n: number, res: ServerResponse) => void, port = 0) {
  const seen: Seen[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      answer(seen.length, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const close = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  servers.push(close);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, close };
}

const ok = (_n: number, res: ServerResponse) => res.writeHead(200).end('{"ok":true}');
const failFirst = (times: number) => (n: number, res: ServerResponse) =>
  n <= times ? res.writeHead(500).end('boom') : ok(n, res);

const servers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((close) => close()));
});

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hookinbox-simulate-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Runs `hookinbox simulate …` in process, with its own IO. */
async function simulate(args: string[], env: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const io = {
    env,
    cwd: dir,
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
  };
  const code = await runCli(['simulate', ...args], io);
  const last = stdout.trimEnd().split('\n').at(-1) ?? '';
  const match = LAST_LINE.exec(last);
  const counts = match
    ? { deliveries: +match[1]!, acknowledged: +match[2]!, retried: +match[3]!, givenUp: +match[4]! }
    : undefined;
  return { code, stdout, stderr, last, counts };
}

const genstoreArgs = (url: string, ...more: string[]) => [
  '--platform',
  'genstore',
  '--url',
  url,
  '--secret',
  SECRET,
  ...more,
];
const geinsArgs = (url: string, ...more: string[]) => [
  '--platform',
  'geins',
  '--url',
  url,
  '--header',
  'authorization: Bearer g-secret',
  ...more,
];

describe('hookinbox simulate --platform genstore', { timeout: 60_000 }, () => {
  it('against a server that always answers 200: all acknowledged, none retried, the last line as documented', async () => {
    const server = await startServer(ok);
    const run = await simulate(genstoreArgs(server.url, '--count', '20', '--rate', '1000'));

    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.last).toMatch(LAST_LINE);
    expect(run.counts).toEqual({ deliveries: 20, acknowledged: 20, retried: 0, givenUp: 0 });
    expect(server.seen).toHaveLength(20);
    expect(new Set(server.seen.map((s) => s.body)).size).toBe(20);
    for (const s of server.seen) {
      expect(s.headers['x-genstore-hmac-sha256']).toBe(createHmac('sha256', SECRET).update(s.body).digest('base64'));
      expect(s.headers['x-genstore-topic']).toBe('orders/create');
    }
  });

  it('against a real receiver: every delivery is verified and handled once, since each has its own body', async () => {
    const handled: unknown[] = [];
    const receiver = createReceiver({ provider: genstore({ secret: SECRET }), logger: silentLogger });
    receiver.on('customers/redact', (event) => {
      handled.push(event.payload);
    });
    const server = createServer(async (req, res) => {
      const body = await readRawBody(req, { limit: 1 << 20, timeoutMs: 5_000 });
      const answer = await receiver.handle({
        method: req.method ?? 'POST',
        url: req.url ?? '/',
        headers: req.headers,
        body,
      });
      res.writeHead(answer.status, answer.headers).end(answer.body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/genstore`;

    const run = await simulate(genstoreArgs(url, '--topic', 'customers/redact', '--count', '8', '--rate', '1000'));
    await receiver.close();

    expect(run.counts).toEqual({ deliveries: 8, acknowledged: 8, retried: 0, givenUp: 0 });
    expect(handled).toHaveLength(8);
  });

  it('against a server that fails the first 5 times: each failure is retried, nothing is given up', async () => {
    const server = await startServer(failFirst(5));
    const run = await simulate(genstoreArgs(server.url, '--count', '2', '--rate', '1000', '--time-scale', '0.0001'));

    expect(run.code).toBe(0);
    expect(run.counts).toEqual({ deliveries: 2, acknowledged: 2, retried: 5, givenUp: 0 });
    expect(server.seen).toHaveLength(7);
    expect(run.stdout).toContain('Answers: 200 ×2, 500 ×5');
  });

  it('against a server that never answers: each try times out, 8 tries in all, then given up', async () => {
    const server = await startServer(() => {});
    const run = await simulate(
      genstoreArgs(
        server.url,
        '--count',
        '2',
        '--rate',
        '1000',
        '--time-scale',
        '0.00001',
        '--timeout',
        '150',
        '--json',
      ),
    );
    const report = JSON.parse(run.stdout);

    expect(run.code).toBe(1);
    expect(report).toMatchObject({ deliveries: 2, acknowledged: 0, retried: 14, givenUp: 2, answers: { timeout: 16 } });
    expect(report.ackMs).toEqual({ p50: null, p99: null, max: null });
    expect(report.timeoutMs).toBe(150);
    expect(server.seen).toHaveLength(16);
    for (const item of report.items)
      expect(item.tries.every((t: { latencyMs: number }) => t.latencyMs >= 140)).toBe(true);
  });

  it('against a server that goes down and comes back: the retries deliver everything', async () => {
    const first = await startServer(ok);
    const { port } = new URL(first.url);
    await first.close();
    const pending = simulate(genstoreArgs(first.url, '--count', '3', '--rate', '1000', '--time-scale', '0.001'));
    await new Promise((resolve) => setTimeout(resolve, 400));
    const back = await startServer(ok, Number(port));
    const run = await pending;

    expect(run.code).toBe(0);
    expect(run.counts).toMatchObject({ deliveries: 3, acknowledged: 3, givenUp: 0 });
    expect(run.counts?.retried).toBeGreaterThanOrEqual(3);
    expect(run.stdout).toMatch(/Answers: .*error ×\d+/);
    expect(back.seen).toHaveLength(3);
  });

  it('--duplicates sends the same delivery again, byte for byte, with the same webhook id', async () => {
    const server = await startServer(ok);
    const run = await simulate(
      genstoreArgs(server.url, '--count', '6', '--rate', '1000', '--duplicates', '4', '--json'),
    );
    const report = JSON.parse(run.stdout);

    expect(report).toMatchObject({ deliveries: 6, acknowledged: 6, retried: 0, givenUp: 0, duplicatesSent: 4 });
    expect(server.seen).toHaveLength(10);
    const byBody = new Map<string, Set<unknown>>();
    for (const s of server.seen) {
      byBody.set(s.body, (byBody.get(s.body) ?? new Set()).add(s.headers['x-genstore-webhook-id']));
    }
    expect(byBody.size).toBe(6);
    expect([...byBody.values()].every((ids) => ids.size === 1)).toBe(true);
  });
});

describe('hookinbox simulate --platform geins', { timeout: 60_000 }, () => {
  it('3 retries 10 minutes apart (scaled): a server failing 10 times makes both deliveries give up', async () => {
    const server = await startServer(failFirst(10));
    const run = await simulate(geinsArgs(server.url, '--count', '2', '--rate', '1000', '--time-scale', '0.0001'));

    expect(run.code).toBe(1);
    expect(run.counts).toEqual({ deliveries: 2, acknowledged: 0, retried: 6, givenUp: 2 });
    expect(run.last).toMatch(/ack p50 - ms, p99 - ms$/);
    expect(server.seen).toHaveLength(8);
    const keys = server.seen.map((s) => s.headers['x-idempotency-key']);
    expect(new Set(keys).size).toBe(2);
    expect(new Set(server.seen.map((s) => s.body)).size).toBe(2);
    expect(server.seen.every((s) => s.headers.authorization === 'Bearer g-secret')).toBe(true);
  });

  it('a duplicate carries the same x-Idempotency-Key; a later success acknowledges', async () => {
    const server = await startServer(failFirst(1));
    const run = await simulate(
      geinsArgs(server.url, '--count', '2', '--rate', '1000', '--duplicates', '2', '--time-scale', '0.0001'),
    );

    expect(run.counts).toEqual({ deliveries: 2, acknowledged: 2, retried: 1, givenUp: 0 });
    const perKey = new Map<unknown, number>();
    for (const s of server.seen)
      perKey.set(s.headers['x-idempotency-key'], (perKey.get(s.headers['x-idempotency-key']) ?? 0) + 1);
    expect([...perKey.values()].sort()).toEqual([2, 3]);
  });

  it('a definition with retry off is tried once', async () => {
    const server = await startServer(failFirst(1));
    const file = join(dir, 'no-retry.json');
    const definition = {
      name: 'app: orders',
      entity: 'Order',
      actions: ['create'],
      url: 'https://app.example/webhooks/geins',
      secret: { header: 'authorization', value: 'Bearer g-secret' },
      retry: false,
    };
    await writeFile(file, JSON.stringify([definition]));
    const run = await simulate(['--platform', 'geins', '--definitions', file, '--url', server.url, '--count', '1']);

    expect(run.counts).toEqual({ deliveries: 1, acknowledged: 0, retried: 0, givenUp: 1 });
    expect(server.seen[0]?.headers.authorization).toBe('Bearer g-secret');
  });
});

describe('hookinbox simulate: bad input exits 2 before sending anything', () => {
  it.each([
    ['--count 0', ['--count', '0'], /--count must be a whole number from 1/],
    ['--count not a number', ['--count', 'many'], /--count/],
    ['--rate negative', ['--rate', '-1'], /--rate/],
    ['--duplicates above --count', ['--count', '2', '--duplicates', '3'], /--duplicates/],
    ['--time-scale not a number', ['--time-scale', 'fast'], /--time-scale/],
    ['--payload (send only)', ['--payload', 'x.json'], /Unknown option '--payload'/],
  ])('%s', async (_name, extra, message) => {
    const server = await startServer(ok);
    const run = await simulate(genstoreArgs(server.url, ...extra));
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(server.seen).toHaveLength(0);
  });

  it('no --url, no platform, and no secret for genstore', async () => {
    expect((await simulate(['--platform', 'genstore', '--secret', 's'])).stderr).toMatch(/--url is required/);
    expect((await simulate(['--url', 'http://127.0.0.1:9'])).stderr).toMatch(/needs --platform/);
    const secretless = await simulate(['--platform', 'genstore', '--url', 'http://127.0.0.1:9']);
    expect(secretless.code).toBe(2);
    expect(secretless.stderr).toContain('GENSTORE_CLIENT_SECRET');
  });
});
