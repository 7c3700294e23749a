/**
 * The Fetch entry with the Genstore and Geins providers on a real edge runtime: the worker in test/edge/worker.ts,
 * bundled as Wrangler bundles for Cloudflare (conditions workerd, worker, browser; no Node built-ins, so a `node:`
 * import fails the bundle), runs on workerd through Miniflare. Miniflare needs Node 22: on an older Node the test
 * starts it with `npx -y node@22`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { geinsDelivery, genstoreDelivery } from '@hookinbox/testing';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const GENSTORE_SECRET = 'edge-genstore-secret';
const GEINS_SECRET = 'edge-geins-secret';
const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const EDGE_CONDITIONS = ['workerd', 'worker', 'browser'];

/** Bundles an entry for workerd. `source` resolves the workspace packages to their TypeScript, as the tests do. */
async function bundleForWorkerd(entry: string): Promise<string> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: 'esm',
    // Neutral: Node's built-ins are not known, so any `node:` import is an unresolved import and fails the bundle.
    platform: 'neutral',
    conditions: ['source', ...EDGE_CONDITIONS],
    mainFields: ['module', 'main'],
    target: 'es2022',
    logLevel: 'silent',
  });
  return (result.outputFiles[0] as { text: string }).text;
}

describe('the edge entry, bundled for workerd', () => {
  it('bundles with no Node built-in: a `node:` import anywhere would have failed the build', async () => {
    const code = await bundleForWorkerd(here('./edge/worker.ts'));
    expect(code).not.toMatch(/\bnode:/);
    expect(code).not.toMatch(/\bBuffer\b/);
    // The web seam is in, and the Node one is not.
    expect(code).toContain('crypto.subtle');
    expect(code).not.toContain('timingSafeEqual');
  });

  it('the same bundle fails when a module of it imports a Node built-in (the check can fail)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hookinbox-edge-'));
    try {
      const entry = join(dir, 'stray.ts');
      writeFileSync(entry, `import { createHash } from 'node:crypto';\nexport default createHash;\n`);
      await expect(bundleForWorkerd(entry)).rejects.toThrow(/node:crypto/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('on workerd (Miniflare)', () => {
  let host: ChildProcess | undefined;
  let base = '';
  let dir = '';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hookinbox-workerd-'));
    const script = join(dir, 'worker.mjs');
    writeFileSync(script, await bundleForWorkerd(here('./edge/worker.ts')));
    const bindings = JSON.stringify({ GENSTORE_SECRET, GEINS_SECRET });
    const hostScript = here('./edge/miniflare-host.mjs');
    const major = Number(process.versions.node.split('.')[0]);
    const [command, args] =
      major >= 22
        ? [process.execPath, [hostScript, script, bindings]]
        : ['npx', ['-y', 'node@22', hostScript, script, bindings]];
    const child = spawn(command, args, { cwd: here('..'), stdio: ['pipe', 'pipe', 'pipe'] });
    host = child;
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    base = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`Miniflare did not start within 45 s\n${stderr}`)), 45_000);
      createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
        if (!line.startsWith('{')) return;
        clearTimeout(timer);
        resolve((JSON.parse(line) as { url: string }).url.replace(/\/$/, ''));
      });
      child.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`Miniflare exited (${code}) before it was ready\n${stderr}`));
      });
    });
  }, 60_000);

  afterAll(async () => {
    const child = host;
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.stdin?.end();
      const timer = setTimeout(() => child.pid && process.kill(child.pid, 'SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 15_000);

  const send = (d: { method: string; url: string; headers: Record<string, string>; body: Uint8Array }) =>
    fetch(`${base}${d.url}`, { method: d.method, headers: d.headers, body: d.body });

  /** What the worker's handlers recorded, once `count` records are there (they run after the answer). */
  async function seen(count: number) {
    for (let i = 0; i < 100; i++) {
      const records = (await (await fetch(`${base}/seen`)).json()) as { provider: string; name: string; id: string }[];
      if (records.length >= count) return records;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`the worker recorded fewer than ${count} events within 5 s`);
  }

  it('a signed Genstore delivery: 200, and its handler ran after the answer (kept alive by ctx.waitUntil)', async () => {
    const d = genstoreDelivery({
      topic: 'orders/create',
      body: '{"id":820982911946154508,"note":"Grüße 🛒"}',
      secret: GENSTORE_SECRET,
    });
    const res = await send(d);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
    // The 64-bit id kept every digit: the exact parser ran on workerd too.
    expect(await seen(1)).toEqual([{ provider: 'genstore', name: 'orders/create', id: '820982911946154508' }]);
    // A resend is acknowledged as a duplicate and not handled again.
    expect((await send(d)).status).toBe(200);
  });

  it('a tampered Genstore delivery: 401 invalid_signature, the handler not run', async () => {
    const d = genstoreDelivery({ topic: 'orders/create', payload: { id: 2 }, secret: GENSTORE_SECRET });
    const tampered = { ...d, body: new TextEncoder().encode('{"id":3}') };
    const res = await send(tampered);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('invalid_signature');
    const wrongSecret = genstoreDelivery({ topic: 'orders/create', payload: { id: 4 }, secret: 'not-the-secret' });
    expect((await send(wrongSecret)).status).toBe(401);
  });

  it('a Geins delivery with the bearer secret: 200 and handled; a wrong secret: 401', async () => {
    const values = { entity: 'Order', action: 'create', id: 12345 };
    const res = await send(geinsDelivery({ values, secret: GEINS_SECRET }));
    expect(res.status).toBe(200);
    const records = await seen(2);
    expect(records.filter((r) => r.provider === 'geins')).toEqual([
      { provider: 'geins', name: 'Order.create', id: '12345' },
    ]);
    const wrong = await send(geinsDelivery({ values, secret: 'not-the-secret' }));
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
    // Only the two authentic deliveries were handled, once each.
    expect(await seen(2)).toHaveLength(2);
  });
});
