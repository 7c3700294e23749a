import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type PlatformServer, startPlatformServer } from './fixtures/platform-server.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'packages/cli/bin/hookinbox.js');

/** Runs the CLI as a user would, in a child process with only the given environment (and PATH). */
function hookinbox(args: string[], env: Record<string, string> = {}, cwd = ROOT) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', '--conditions=source', BIN, ...args],
      { cwd, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 30_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

const GEINS = { apiKey: 'k', username: 'u', password: 'p' };
let server: PlatformServer;
let genstoreEnv: Record<string, string>;
let geinsEnv: Record<string, string>;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hookinbox-cli-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));
beforeEach(async () => {
  server = await startPlatformServer({ genstoreToken: 'tok', geins: GEINS });
  genstoreEnv = { GENSTORE_SHOP: 'demo-shop', GENSTORE_ACCESS_TOKEN: 'tok', GENSTORE_API_BASE_URL: server.url };
  geinsEnv = {
    GEINS_API_KEY: GEINS.apiKey,
    GEINS_USERNAME: GEINS.username,
    GEINS_PASSWORD: GEINS.password,
    GEINS_API_BASE_URL: server.url,
  };
});
afterEach(() => server.close());

/** The table rows (ACTION and the next column) the CLI printed. */
function rows(stdout: string): string[] {
  return stdout
    .split('\n')
    .filter((l) => /^(create|update|unchanged|stale \(kept\)|delete|skipped|not ours)\s{2,}/.test(l))
    .map((l) =>
      l
        .split(/\s{2,}/)
        .slice(0, 2)
        .join(' '),
    );
}

describe('hookinbox subscriptions sync --platform genstore', { timeout: 60_000 }, () => {
  const address = 'https://app.example/webhooks/genstore';
  const args = ['subscriptions', 'sync', '--platform', 'genstore', '--address', address];

  it('--dry-run prints the plan (handled topics + compliance topics) and writes nothing', async () => {
    await fetch(`${server.url}/api/202412/app/webhooks`, {
      method: 'POST',
      headers: { 'x-genstore-access-token': 'tok', 'content-type': 'application/json' },
      body: JSON.stringify({ webhook: { address: 'https://old.example/x', topic: 'products/update' } }),
    });
    const writesBefore = server.writes().length;

    const run = await hookinbox([...args, '--topics', 'orders/create,customers/update', '--dry-run'], genstoreEnv);

    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(rows(run.stdout)).toEqual([
      'create orders/create',
      'create customers/update',
      'create customers/data_request',
      'create customers/redact',
      'create shop/redact',
      'stale (kept) products/update',
    ]);
    expect(run.stdout).toContain('Plan: 5 to create, 0 to update, 1 stale, 0 unchanged');
    expect(run.stdout).toContain('Dry run: nothing was changed');
    expect(server.writes()).toHaveLength(writesBefore);
  });

  it('dry run is the default; --apply twice changes nothing the second time', async () => {
    const dry = await hookinbox([...args, '--topics', 'orders/create'], genstoreEnv);
    expect(dry.code).toBe(0);
    expect(server.writes()).toHaveLength(0);

    const first = await hookinbox([...args, '--topics', 'orders/create', '--apply'], genstoreEnv);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('Applied: 4 created, 0 updated, 0 deleted.');
    expect([...server.genstore.values()].map((w) => w.topic).sort()).toEqual(
      ['customers/data_request', 'customers/redact', 'orders/create', 'shop/redact'].sort(),
    );
    const writesAfterFirst = server.writes().length;

    const second = await hookinbox([...args, '--topics', 'orders/create', '--apply'], genstoreEnv);
    expect(second.code).toBe(0);
    expect(rows(second.stdout).every((r) => r.startsWith('unchanged '))).toBe(true);
    expect(rows(second.stdout)).toHaveLength(4);
    expect(second.stdout).toContain('No changes');
    expect(server.writes()).toHaveLength(writesAfterFirst);
  });

  it('--apply --delete-stale deletes what no handler wants', async () => {
    await hookinbox([...args, '--topics', 'orders/create', '--apply'], genstoreEnv);
    const run = await hookinbox([...args, '--apply', '--delete-stale'], genstoreEnv);
    expect(run.code).toBe(0);
    expect(rows(run.stdout)).toContain('delete orders/create');
    expect([...server.genstore.values()].map((w) => w.topic)).not.toContain('orders/create');
  });

  it('--json prints the plan as data', async () => {
    const run = await hookinbox([...args, '--topics', 'orders/*,orders/paid', '--json'], genstoreEnv);
    const out = JSON.parse(run.stdout);
    expect(out.dryRun).toBe(true);
    expect(out.plan.create.map((c: { topic: string }) => c.topic)).toContain('orders/paid');
    expect(out.plan.skipped).toEqual([expect.objectContaining({ pattern: 'orders/*' })]);
  });

  it('lists every missing environment variable and exits 2', async () => {
    const run = await hookinbox([...args, '--topics', 'orders/create'], { GENSTORE_API_BASE_URL: server.url });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('missing environment variables for genstore: GENSTORE_SHOP, GENSTORE_ACCESS_TOKEN');
    expect(server.calls).toHaveLength(0);
  });

  it('an API error exits 1 with the status and body', async () => {
    const run = await hookinbox([...args, '--topics', 'orders/create'], {
      ...genstoreEnv,
      GENSTORE_ACCESS_TOKEN: 'bad',
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/answered 401.*Invalid API key or access token/);
  });

  it('refuses contradictory or misplaced options with exit 2', async () => {
    expect((await hookinbox([...args, '--apply', '--dry-run'], genstoreEnv)).code).toBe(2);
    expect((await hookinbox([...args, '--definitions', 'x.json'], genstoreEnv)).code).toBe(2);
    const missing = await hookinbox(['subscriptions', 'sync', '--platform', 'genstore'], genstoreEnv);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--address');
    expect(server.calls).toHaveLength(0);
  });
});

describe('hookinbox subscriptions sync --platform geins', { timeout: 60_000 }, () => {
  const definitions = [
    {
      name: 'app: orders',
      entity: 'Order',
      actions: ['create', 'complete'],
      url: 'https://app.example/webhooks/geins',
      secret: { header: 'authorization', value: 'Bearer geins-secret' },
    },
    {
      name: 'app: prices',
      entity: 'Product',
      actions: ['update'],
      url: 'https://app.example/webhooks/geins/products',
      body: '{"productId":"{{id}}","changeType":"{{subEntity}}"}',
      secret: { header: 'x-webhook-secret', value: 'p-secret' },
    },
  ];

  it('--dry-run with a JSON file prints the plan; --apply twice changes nothing the second time', async () => {
    const file = join(dir, 'webhooks.json');
    await writeFile(file, JSON.stringify(definitions));
    const args = ['subscriptions', 'sync', '--platform', 'geins', '--definitions', file];

    const dry = await hookinbox([...args, '--dry-run'], geinsEnv);
    expect(dry.stderr).toBe('');
    expect(dry.code).toBe(0);
    expect(rows(dry.stdout)).toEqual(['create app: orders', 'create app: prices']);
    expect(dry.stdout).not.toContain('geins-secret');
    expect(server.writes()).toHaveLength(0);

    const first = await hookinbox([...args, '--apply'], geinsEnv);
    expect(first.stdout).toContain('Applied: 2 created, 0 updated, 0 deleted.');
    expect([...server.geins.values()].map((w) => [w.Name, w.Headers])).toEqual([
      ['app: orders', 'Authorization: Bearer geins-secret'],
      ['app: prices', 'x-webhook-secret: p-secret'],
    ]);
    const writes = server.writes().length;

    const second = await hookinbox([...args, '--apply'], geinsEnv);
    expect(second.code).toBe(0);
    expect(rows(second.stdout)).toEqual(['unchanged app: orders', 'unchanged app: prices']);
    expect(server.writes()).toHaveLength(writes);
  });

  it('loads a module exporting definitions and plans an update when a field changed', async () => {
    const file = join(dir, 'webhooks.mjs');
    await writeFile(file, `export const definitions = ${JSON.stringify(definitions)};\n`);
    await hookinbox(['subscriptions', 'sync', '--platform', 'geins', '--definitions', file, '--apply'], geinsEnv);

    const changed = structuredClone(definitions);
    changed[0]!.actions = ['create', 'complete', 'cancel'];
    const file2 = join(dir, 'webhooks-2.mjs');
    await writeFile(file2, `export default ${JSON.stringify(changed)};\n`);
    const run = await hookinbox(['subscriptions', 'sync', '--platform', 'geins', '--definitions', file2], geinsEnv);
    expect(rows(run.stdout)).toEqual(['update app: orders', 'unchanged app: prices']);
    expect(run.stdout).toContain('changes: Actions');
  });

  it('an invalid definition file is a usage error naming the problem', async () => {
    const file = join(dir, 'bad.json');
    await writeFile(file, JSON.stringify([{ ...definitions[0], entity: 'Basket' }]));
    const run = await hookinbox(['subscriptions', 'sync', '--platform', 'geins', '--definitions', file], geinsEnv);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/definition 1 .*entity/s);
  });
});

describe('hookinbox subscriptions list and help', { timeout: 60_000 }, () => {
  it('lists Genstore subscriptions as a table', async () => {
    await hookinbox(
      ['subscriptions', 'sync', '--platform', 'genstore', '--address', 'https://a.example/h', '--apply'],
      genstoreEnv,
    );
    const run = await hookinbox(['subscriptions', 'list', '--platform', 'genstore'], genstoreEnv);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Genstore subscriptions of demo-shop: 3');
    expect(run.stdout).toMatch(/^ID\s+TOPIC\s+ADDRESS\s+CREATED$/m);
    expect(run.stdout).toMatch(/customers\/redact\s+https:\/\/a\.example\/h/);
  });

  it('lists Geins webhooks without showing header values', async () => {
    const file = join(dir, 'one.json');
    await writeFile(
      file,
      JSON.stringify([
        {
          name: 'n',
          entity: 'Order',
          actions: ['create'],
          url: 'https://a.example/h',
          secret: { header: 'authorization', value: 'Bearer hidden-value' },
        },
      ]),
    );
    await hookinbox(['subscriptions', 'sync', '--platform', 'geins', '--definitions', file, '--apply'], geinsEnv);
    const run = await hookinbox(['subscriptions', 'list', '--platform', 'geins'], geinsEnv);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Authorization: ***');
    expect(run.stdout).not.toContain('hidden-value');
  });

  it('--help at each level', async () => {
    const main = await hookinbox(['--help']);
    expect(main.code).toBe(0);
    expect(main.stdout).toContain('hookinbox subscriptions sync --platform genstore');
    const sync = await hookinbox(['subscriptions', 'sync', '--help']);
    expect(sync.stdout).toContain('GENSTORE_ACCESS_TOKEN');
    expect(sync.stdout).toContain('--delete-stale');
    const send = await hookinbox(['send', '--help']);
    expect(send.stdout).toContain('GENSTORE_CLIENT_SECRET');
    const none = await hookinbox([]);
    expect(none.code).toBe(2);
  });
});
