import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { queueJobId } from '@hookinbox/core';
import { genstoreEventKey } from '@hookinbox/genstore';
import { Redis } from 'ioredis';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteKeys, redisUrl, uniquePrefix } from '../../../test/helpers/redis.js';
import { type ExampleConfig, loadConfig } from '../src/config.js';
import type { SqlClient } from '../src/database.js';
import { genstoreRequest } from '../src/deliveries.js';
import { type AppLogger, createLogger } from '../src/logger.js';
import type { ExampleApp } from '../src/main.js';

/** Debian's chromium package, which .ci/run installs; playwright-core downloads no browser of its own. */
export const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];

const SECRET = 'test-genstore-secret';
const TOKEN = 'test-dashboard-token-0123456789';
/** The order the handler is made to refuse (by a CHECK constraint in the example's database) until it is fixed. */
const REFUSED = 'R-dashboard';
const CONSTRAINT = 'refused_by_dashboard_test';

export interface DashboardSubject<A extends ExampleApp> {
  example: 'gdpr-express' | 'gdpr-fastify';
  createApp(config: ExampleConfig, options: { logger?: AppLogger; database?: SqlClient }): Promise<A>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/**
 * bull-board mounted by an example with QUEUE=bullmq and ADMIN_TOKEN, on the real Redis: its guard over HTTP, then a
 * failed job seen and retried in headless Chromium, and the handler's effect in the example's database.
 */
export function describeDashboard<A extends ExampleApp>(subject: DashboardSubject<A>): void {
  const { example } = subject;
  // Skipped, and named so, only where chromium is not installed; CI installs it, so there it runs (or fails).
  const hasChromium = existsSync(CHROMIUM) || process.env.CI === 'true';
  const inBrowser = hasChromium ? it : it.skip;
  const skipped = hasChromium ? '' : ` [skipped: no ${CHROMIUM}; apt-get install chromium, as .ci/run does]`;
  // The default reporter counts a skipped test without naming it: say so where it shows.
  if (!hasChromium) console.warn(`${example}: the dashboard test in Chromium${skipped}`);

  describe(`${example}: bull-board at /admin/queues (QUEUE=bullmq)`, () => {
    const prefix = uniquePrefix(`${example}-dashboard`);
    const logs: string[] = [];
    let scratch: string;
    let app: A;
    let url: string;
    let redis: Redis;

    beforeAll(async () => {
      scratch = await mkdtemp(join(tmpdir(), `hookinbox-${example}-dashboard-`));
      const config = loadConfig(example, {
        GENSTORE_CLIENT_SECRET: SECRET,
        ADMIN_TOKEN: TOKEN,
        DATABASE_PATH: 'memory://',
        EXPORTS_DIR: join(scratch, 'exports'),
        HOST: '127.0.0.1',
        PORT: '0',
        QUEUE: 'bullmq',
        REDIS_URL: redisUrl(),
        REDIS_KEY_PREFIX: prefix,
      });
      app = await subject.createApp(config, {
        logger: createLogger({ name: example, level: 'info', write: (line) => logs.push(line) }),
      });
      url = await app.listen();
      redis = new Redis(redisUrl());
    });

    afterAll(async () => {
      await app?.close();
      if (redis) {
        await deleteKeys(redis, prefix);
        await redis.quit();
      }
      if (scratch) await rm(scratch, { recursive: true, force: true });
    });

    const get = async (path: string, authorization?: string) => {
      const res = await fetch(`${url}${path}`, { headers: authorization ? { authorization } : {} });
      return { status: res.status, headers: res.headers, text: await res.text() };
    };
    const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

    it('refuses the page, its assets and its API without the token (401, a Basic challenge, a JSON error), and a change from another site (403)', async () => {
      for (const path of ['/admin/queues', '/admin/queues/api/queues', '/admin/queues/static/favicon-32x32.png']) {
        for (const authorization of [undefined, `Bearer ${TOKEN}x`, basic('admin', 'wrong'), `Basic ${TOKEN}`]) {
          const refused = await get(path, authorization);
          expect(refused.status, `${path} with ${authorization}`).toBe(401);
          expect(refused.headers.get('www-authenticate')).toBe('Basic realm="hookinbox queues", charset="UTF-8"');
          expect(JSON.parse(refused.text)).toMatchObject({ error: { code: 'unauthorized' } });
          expect(refused.text).not.toContain(TOKEN);
        }
      }
      const page = await get('/admin/queues', basic('anyone', TOKEN));
      expect(page.status).toBe(200);
      expect(page.text).toContain('<base href="/admin/queues/"');
      const api = await get('/admin/queues/api/queues', `Bearer ${TOKEN}`);
      expect(JSON.parse(api.text).queues).toEqual([expect.objectContaining({ name: 'genstore', allowRetries: true })]);
      // A change must come from the dashboard's own pages: a browser says another site's page sent it.
      const put = (site?: string) =>
        fetch(`${url}/admin/queues/api/queues/pause`, {
          method: 'PUT',
          headers: { authorization: `Bearer ${TOKEN}`, ...(site ? { 'sec-fetch-site': site } : {}) },
        });
      const crossSite = await put('cross-site');
      expect(crossSite.status).toBe(403);
      expect(await crossSite.json()).toMatchObject({ error: { code: 'cross_site' } });
      expect((await put('same-site')).status).toBe(403);
      expect((await get('/admin/queues/api/queues', `Bearer ${TOKEN}`)).status).toBe(200);
      // Nothing else is behind the token, and no log line names it.
      expect((await get('/health')).status).toBe(200);
      expect(logs.some((line) => line.includes('dashboard at /admin/queues'))).toBe(true);
      expect(logs.join('\n')).not.toContain(TOKEN);
    });

    inBrowser(
      `in Chromium: a failed job shows its error; Retry after the fix runs the handler, and the order is stored${skipped}`,
      async () => {
        if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: .ci/run installs Debian's chromium`);
        const orders = async () =>
          (await app.db.sql.query<{ id: string }>('SELECT id FROM orders WHERE id = $1', [REFUSED])).rows;
        const stored = () => logs.filter((line) => line.includes('orders/create: order stored')).length;
        await app.db.sql.exec(`ALTER TABLE orders ADD CONSTRAINT ${CONSTRAINT} CHECK (id <> '${REFUSED}')`);

        const delivery = genstoreRequest('orders/create', { order: { id: REFUSED, shopId: 'shop-dash' } }, SECRET);
        const res = await fetch(`${url}/webhooks/genstore`, { method: 'POST', ...delivery });
        expect(res.status).toBe(200);
        const jobId = queueJobId(genstoreEventKey('orders/create', delivery.body, SECRET));
        const failed = `${prefix}queue:genstore:failed`;
        // Three attempts (the receiver's retry policy), then the failed set: the dead letter.
        await waitFor('the job to fail its attempts', async () => (await redis.zscore(failed, jobId)) !== null);

        let browser: Browser | undefined;
        try {
          browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 20_000 });
          const context = await browser.newContext({ httpCredentials: { username: 'admin', password: TOKEN } });
          const page = await context.newPage();
          // Loopback only: the page's web fonts are not fetched.
          await page.route('**/*', (route) =>
            route.request().url().startsWith(url) ? route.continue() : route.abort(),
          );
          await page.goto(`${url}/admin/queues/queue/genstore?status=failed`, { waitUntil: 'domcontentloaded' });
          const card = page.locator('main').filter({ hasText: jobId });
          await card.getByText(`violates check constraint "${CONSTRAINT}"`).first().waitFor({ timeout: 15_000 });
          expect(await orders()).toEqual([]);

          // The fix is deployed; the operator retries the dead letter from the dashboard.
          await app.db.sql.exec(`ALTER TABLE orders DROP CONSTRAINT ${CONSTRAINT}`);
          await pressRetry(page);
          await waitFor('the retried job to store the order', async () => (await orders()).length === 1);
          await waitFor(
            'the job to complete',
            async () => (await redis.zscore(`${prefix}queue:genstore:completed`, jobId)) !== null,
          );
          expect(await redis.zscore(failed, jobId)).toBeNull();
          expect(stored()).toBe(1);
        } finally {
          await browser?.close();
        }

        // The UI offers no Retry on a completed job, but its API takes one: the worker then runs no handler again,
        // since the dedupe store remembers the handler as done.
        const completed = `${prefix}queue:genstore:completed`;
        const finishedAt = await redis.zscore(completed, jobId);
        const retried = await fetch(`${url}/admin/queues/api/queues/genstore/${jobId}/retry`, {
          method: 'PUT',
          headers: { authorization: `Bearer ${TOKEN}` },
        });
        expect(retried.status).toBe(204);
        await waitFor('the job to complete again', async () => {
          const again = await redis.zscore(completed, jobId);
          return again !== null && again !== finishedAt;
        });
        await sleep(200);
        expect(stored()).toBe(1);
        expect(await orders()).toEqual([{ id: REFUSED }]);
      },
      45_000,
    );
  });
}

/** Bull-board's job actions are icon buttons named only by a tooltip: hover each until one says Retry, press it. */
async function pressRetry(page: Page): Promise<void> {
  const buttons = page.locator('main li button');
  const count = await buttons.count();
  for (let i = 0; i < count; i++) {
    const button = buttons.nth(i);
    await button.hover();
    const tip = page.getByText('Retry', { exact: true });
    const named = await tip.waitFor({ state: 'visible', timeout: 1_500 }).then(
      () => true,
      () => false,
    );
    if (named) {
      await button.click();
      // Job actions ask for confirmation unless the user turned that off in the dashboard's settings.
      const confirm = page.getByRole('button', { name: /^(Confirm|Yes|OK)$/i });
      const asked = await confirm.waitFor({ state: 'visible', timeout: 2_000 }).then(
        () => true,
        () => false,
      );
      if (asked) await confirm.click();
      return;
    }
  }
  throw new Error('no Retry button on the failed job');
}
