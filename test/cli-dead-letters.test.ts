import { randomUUID } from 'node:crypto';
import { type BullmqQueue, bullmqQueue, createWorker } from '@hookinbox/bullmq';
import { runCli } from '@hookinbox/cli';
import { createMemoryStore, createReceiver, type PayloadSchema, silentLogger } from '@hookinbox/core';
import { genstore } from '@hookinbox/genstore';
import { genstoreDelivery } from '@hookinbox/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { redisUrl } from './helpers/redis.js';

const SECRET = 'cli-dead-letters-secret';
const PREFIX = 'hookinbox-test';

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

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const stringIds: PayloadSchema = {
  safeParse: (value) =>
    typeof (value as { id?: unknown }).id === 'string'
      ? { success: true, data: value }
      : { success: false, error: new Error('id must be a string') },
};

describe('hookinbox dead-letters (BullMQ)', () => {
  let queueName: string;
  let queue: BullmqQueue;
  const closers: (() => Promise<void>)[] = [];

  beforeEach(() => {
    queueName = `cli-${randomUUID()}`;
    queue = bullmqQueue({ connection: redisUrl(), queueName, prefix: PREFIX, logger: silentLogger });
  });

  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
    await queue.queue.obliterate({ force: true });
    await queue.close();
  });

  const flags = () => ['--queue', 'bullmq', '--redis-url', redisUrl(), '--queue-name', queueName, '--prefix', PREFIX];
  const receiver = (strict: boolean) => {
    const r = createReceiver({
      provider: genstore({ secret: SECRET, ...(strict ? { schemas: { 'orders/create': stringIds } } : {}) }),
      store: createMemoryStore(),
      dispatcher: queue,
      deadLetters: queue,
      logger: silentLogger,
      retry: { attempts: 2, minDelayMs: 20, maxDelayMs: 50, factor: 2 },
    });
    closers.push(() => r.close({ timeoutMs: 1_000 }).then(() => {}));
    return r;
  };
  const order = (id: string | number) =>
    genstoreDelivery({ topic: 'orders/create', payload: { id }, secret: SECRET, webhookId: `wh-${id}` });

  it('lists parked and failed letters; replay of one id runs it through the worker once, and it stays done', async () => {
    // A parked delivery (its id is a number) and an event whose handler fails both attempts.
    const strict = receiver(true);
    strict.on('orders/create', () => {});
    expect((await strict.handle(order(42))).status).toBe(200);
    const failing = receiver(false);
    let down = true;
    const handled: unknown[] = [];
    failing.on('orders/create', (event) => {
      if (down) throw new Error('downstream is down');
      handled.push(event.payload);
    });
    expect((await failing.handle(order('f-1'))).status).toBe(200);
    const worker = await createWorker(failing, {
      connection: redisUrl(),
      queueName,
      prefix: PREFIX,
      logger: silentLogger,
    });
    closers.push(() => worker.close());
    await until(async () => (await queue.deadLetters()).length === 2, 'two dead letters');

    const listed = await cli(['list', ...flags()]);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^KIND +NAME +RECEIVED +ID +REASON$/m);
    expect(listed.stdout).toMatch(/^parked +orders\/create .*id must be a string/m);
    expect(listed.stdout).toMatch(/^failed +orders\/create .*downstream is down/m);
    expect(listed.stdout).toContain('2 dead letter(s)');

    const json = await cli(['list', '--json', ...flags()]);
    const letters = JSON.parse(json.stdout) as { kind: string; id: string }[];
    const failed = letters.find((l) => l.kind === 'failed');
    expect(failed).toBeDefined();

    down = false;
    const replayed = await cli(['replay', failed!.id, ...flags()]);
    expect(replayed).toMatchObject({ code: 0 });
    expect(replayed.stdout).toContain('replay: 1 queued for the worker, 0 not found');
    await until(() => handled.length === 1, 'the replayed handler');
    await until(async () => (await queue.deadLetters()).length === 1, 'the failed letter to go');
    expect(handled).toEqual([{ id: 'f-1' }]);

    // Replaying an id that is no longer a dead letter does nothing and says so.
    const again = await cli(['replay', failed!.id, ...flags()]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`no dead letter ${failed!.id}`);
    await new Promise((r) => setTimeout(r, 300));
    expect(handled).toHaveLength(1);
  });

  it('replay --all queues every letter; a parked one goes through replay with the schema fixed', async () => {
    const strict = receiver(true);
    strict.on('orders/create', () => {});
    await strict.handle(order(7));
    await strict.handle(order(8));
    await until(async () => (await queue.deadLetters()).length === 2, 'two parked letters');
    const fixed = receiver(false);
    const seen: unknown[] = [];
    fixed.on('orders/create', (event) => void seen.push(event.payload));
    const worker = await createWorker(fixed, {
      connection: redisUrl(),
      queueName,
      prefix: PREFIX,
      logger: silentLogger,
    });
    closers.push(() => worker.close());
    const replayed = await cli(['replay', '--all', ...flags()]);
    expect(replayed.stdout).toContain('replay: 2 queued for the worker, 0 not found');
    await until(() => seen.length === 2, 'both parked deliveries handled');
    await until(async () => (await queue.deadLetters()).length === 0, 'no dead letters');
    expect(seen).toEqual(expect.arrayContaining([{ id: 7 }, { id: 8 }]));
  });

  it('usage errors: no queue named, a Redis URL of the wrong kind, replay without ids', async () => {
    expect(await cli(['list'])).toMatchObject({ code: 2, stderr: expect.stringContaining('say which queue') });
    expect(await cli(['list', '--queue', 'bullmq', '--redis-url', 'http://x'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('redis:// or rediss://'),
    });
    expect(await cli(['replay', ...flags()])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('give the ids to replay, or --all'),
    });
    expect(await cli(['purge'])).toMatchObject({ code: 2 });
    expect((await cli(['list', '--help'])).stdout).toContain('hookinbox dead-letters list');
  });
});
