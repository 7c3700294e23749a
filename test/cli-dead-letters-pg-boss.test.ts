import { runCli } from '@hookinbox/cli';
import { createMemoryStore, createReceiver, type PayloadSchema, silentLogger } from '@hookinbox/core';
import { genstore } from '@hookinbox/genstore';
import { createWorker, pgBossQueue } from '@hookinbox/pg-boss';
import { genstoreDelivery } from '@hookinbox/testing';
import type pg from 'pg';
import type PgBoss from 'pg-boss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBoss } from './helpers/pg-boss.js';
import { connectTestDatabase, databaseUrl, dropSchema, uniqueSchema } from './helpers/postgres.js';

const SECRET = 'cli-dead-letters-pg-boss';
const schema = uniqueSchema();
let pool: pg.Pool;
let boss: PgBoss;

beforeAll(async () => {
  pool = await connectTestDatabase(2);
  boss = await startBoss(schema);
});
afterAll(async () => {
  await boss?.stop({ graceful: false, wait: true });
  await dropSchema(pool, schema);
  await pool.end();
});

async function cli(args: string[], env: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(['dead-letters', ...args], {
    env,
    cwd: process.cwd(),
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
  });
  return { code, stdout, stderr };
}

const stringIds: PayloadSchema = {
  safeParse: (value) =>
    typeof (value as { id?: unknown }).id === 'string'
      ? { success: true, data: value }
      : { success: false, error: new Error('id must be a string') },
};

describe('hookinbox dead-letters (pg-boss)', () => {
  it('lists a parked delivery, replays it through the app’s worker after the fix, and then lists none', async () => {
    const queueName = 'cli';
    const queue = await pgBossQueue({ boss, schema, queueName });
    const receiver = (strict: boolean) => {
      const r = createReceiver({
        provider: genstore({ secret: SECRET, ...(strict ? { schemas: { 'orders/create': stringIds } } : {}) }),
        store: createMemoryStore(),
        dispatcher: queue,
        deadLetters: queue,
        logger: silentLogger,
      });
      return r;
    };
    const strict = receiver(true);
    strict.on('orders/create', () => {});
    const parked = genstoreDelivery({ topic: 'orders/create', payload: { id: 7 }, secret: SECRET, webhookId: 'wh-7' });
    expect(JSON.parse((await strict.handle(parked)).body)).toEqual({ ok: true, parked: true });

    // DATABASE_URL alone picks pg-boss.
    const flags = ['--schema', schema, '--queue-name', queueName];
    const listed = await cli(['list', ...flags, '--json'], { DATABASE_URL: databaseUrl() });
    expect(listed.code).toBe(0);
    const letters = JSON.parse(listed.stdout);
    expect(letters).toMatchObject([{ kind: 'parked', name: 'orders/create' }]);

    const fixed = receiver(false);
    const seen: unknown[] = [];
    fixed.on('orders/create', (event) => void seen.push(event.payload));
    const worker = await createWorker(fixed, { boss, schema, queueName, pollingIntervalSeconds: 0.5 });
    try {
      const replayed = await cli([
        'replay',
        letters[0].id,
        '--queue',
        'pg-boss',
        '--database-url',
        databaseUrl(),
        ...flags,
      ]);
      expect(replayed.stdout).toContain('replay: 1 queued for the worker, 0 not found');
      expect(replayed.code).toBe(0);
      await expect.poll(() => seen, { timeout: 15_000 }).toEqual([{ id: 7 }]);
    } finally {
      await worker.close();
    }
    expect((await cli(['list', '--queue', 'pg-boss', '--database-url', databaseUrl(), ...flags])).stdout).toBe(
      'No dead letters.\n',
    );
  });

  it('--queue pg-boss without a database URL is a usage error', async () => {
    const result = await cli(['list', '--queue', 'pg-boss']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--database-url');
  });
});
