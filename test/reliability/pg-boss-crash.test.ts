import { runCli } from '@hookinbox/cli';
import { pgBossQueue } from '@hookinbox/pg-boss';
import { migrate } from '@hookinbox/postgres';
import { genstoreDelivery } from '@hookinbox/testing';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startBoss } from '../helpers/pg-boss.js';
import { connectTestDatabase, databaseUrl, dropSchema, uniqueSchema } from '../helpers/postgres.js';
import { type PrivatePostgres, startPrivatePostgres } from '../helpers/private-postgres.js';
import {
  killAllQueueProcesses,
  post,
  type QueueProcess,
  RUNS_TABLE_SQL,
  readRuns,
  runsById,
  startBalancer,
  startQueueProcess,
  until,
} from './pg-boss-processes.js';

// Crash tests of @hookinbox/pg-boss with real processes and real signals. Each test has a schema of its own (pg-boss's
// tables, the dedupe table, the runs its handlers record), dropped afterwards; every process it started is killed.
const SECRET = 'pg-boss-crash-secret';

let records: pg.Pool;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  records = await connectTestDatabase(4);
});
afterEach(async () => {
  await killAllQueueProcesses();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(async () => {
  await records.end();
});

/**
 * pg-boss's schema and queue and the dedupe table on `url`, created before any process starts (so processes never
 * race to create them), and the runs table on the tests' database; the environment of the test's processes.
 */
async function scenario(url = databaseUrl(), extra: Record<string, string> = {}) {
  const schema = uniqueSchema();
  const queueName = 'crash';
  const boss = await startBoss(schema, { supervise: false, connectionString: url });
  await pgBossQueue({ boss, schema, queueName, expireInSeconds: Number(extra.EXPIRE_S ?? 900) });
  await boss.stop({ graceful: false, wait: true });
  const setup = new pg.Pool({ connectionString: url, max: 1 });
  setup.on('error', () => {});
  await migrate(setup, { schema });
  await records.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
  const runsTable = `"${schema}".runs`;
  await records.query(RUNS_TABLE_SQL(runsTable));
  cleanups.push(async () => {
    await dropSchema(records, schema);
    await dropSchema(setup, schema).catch(() => {});
    await setup.end();
  });
  const env = { DATABASE_URL: url, RECORD_URL: databaseUrl(), SCHEMA: schema, QUEUE_NAME: queueName, SECRET, ...extra };
  return { env: { ...env, RUNS_TABLE: runsTable }, runs: () => readRuns(records, runsTable) };
}

const order = (n: number | string) =>
  genstoreDelivery({ topic: 'orders/create', payload: { id: String(n) }, secret: SECRET, webhookId: `wh-${n}` });

/** POST until a 200, as a platform retries (every 200 ms here), within `timeoutMs`; resolves to the tries made. */
async function deliver(port: () => number, delivery: ReturnType<typeof order>, timeoutMs = 20_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (let tries = 1; ; tries++) {
    if ((await post(port(), delivery, 3_000)) === 200) return tries;
    if (Date.now() > deadline) throw new Error(`no 200 within ${timeoutMs} ms after ${tries} tries`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('@hookinbox/pg-boss crash tests', () => {
  it('the web process SIGKILLed right after it answered 200, restarted: the handler runs, once', async () => {
    const { env, runs } = await scenario();
    const web = await startQueueProcess({ ...env, ROLE: 'web' });
    const delivery = order('kill-web');
    expect(await post(web.port as number, delivery)).toBe(200);
    await web.kill('SIGKILL');

    // The acknowledged event is a committed job in PostgreSQL, not in the dead process: the restarted app runs it.
    const restarted = await startQueueProcess({ ...env, ROLE: 'both' });
    await until(async () => (await runs()).some((r) => r.phase === 'end'), 'the handler after the restart', 20_000);
    // The platform's copy (it resends when unsure) is a duplicate: still one run.
    expect(await post(restarted.port as number, delivery)).toBe(200);
    await new Promise((r) => setTimeout(r, 1_000));
    expect((await runs()).map((r) => [r.phase, r.pid, r.attempt])).toEqual([
      ['start', restarted.pid, 1],
      ['end', restarted.pid, 1],
    ]);
  }, 60_000);

  it('a worker SIGKILLed mid-handler: its job expires and another worker runs it, as attempt 2', async () => {
    const { env, runs } = await scenario(databaseUrl(), { EXPIRE_S: '2' });
    const web = await startQueueProcess({ ...env, ROLE: 'web' });
    // The first worker's handler outlasts the test: it is killed in the middle.
    const doomed = await startQueueProcess({ ...env, ROLE: 'worker', HANDLER_MS: '60000' });
    expect(await post(web.port as number, order('kill-worker'))).toBe(200);
    await until(async () => (await runs()).some((r) => r.phase === 'start'), 'the first run to start', 15_000);
    await doomed.kill('SIGKILL');

    const rescuer = await startQueueProcess({ ...env, ROLE: 'worker' });
    await until(async () => (await runs()).some((r) => r.phase === 'end'), 'the rescuing worker', 30_000);
    const all = await runs();
    expect(all.map((r) => [r.phase, r.pid, r.attempt])).toEqual([
      ['start', doomed.pid, 1],
      ['start', rescuer.pid, 2],
      ['end', rescuer.pid, 2],
    ]);
    expect(runsById(all).size).toBe(1);
  }, 60_000);

  describe('on a PostgreSQL of its own', () => {
    let server: PrivatePostgres;
    beforeAll(async () => {
      server = await startPrivatePostgres();
    }, 60_000);
    afterAll(async () => {
      await server?.stop();
    });

    it('PostgreSQL restarted during a stream of deliveries: nothing acknowledged is lost, nothing runs twice', async () => {
      const { env, runs } = await scenario(server.url);
      const app = await startQueueProcess({ ...env, ROLE: 'both' });
      const port = () => app.port as number;
      const count = 60;
      // A stream: one delivery every 50 ms, each retried until acknowledged; the server restarts a third of the way.
      const sent = Array.from({ length: count }, (_, i) =>
        new Promise((r) => setTimeout(r, i * 50)).then(() => deliver(port, order(`stream-${i}`), 40_000)),
      );
      await new Promise((r) => setTimeout(r, (count * 50) / 3));
      await server.restart();
      const tries = await Promise.all(sent);
      // The restart was felt: some deliveries were refused (503) or cut, and sent again.
      expect(tries.some((t) => t > 1)).toBe(true);
      await until(
        async () => new Set((await runs()).filter((r) => r.phase === 'end').map((r) => r.id)).size === count,
        `all ${count} handlers`,
        30_000,
      );
      const byId = runsById(await runs());
      expect(byId.size).toBe(count);
      for (const [, list] of byId) expect(list.map((r) => r.phase)).toEqual(['start', 'end']);
    }, 60_000);
  });

  it("hookinbox simulate --count 1000 against two web processes and two workers, one of each SIGKILLed and restarted: given up 0, every event handled, no run twice but a killed worker's", async () => {
    const { env, runs } = await scenario(databaseUrl(), { EXPIRE_S: '3' });
    // A lease well inside the compressed schedule (58 s): see LEASE_MS in the fixture.
    const web = { ...env, ROLE: 'web', LEASE_MS: '2000' };
    // The workers fetch four jobs at a time, as apps are told to: a killed worker leaves its whole batch to expire.
    const worker = { ...env, ROLE: 'worker', HANDLER_MS: '30', BATCH_SIZE: '4' };
    const [web1, web2, worker1] = await Promise.all([
      startQueueProcess(web),
      startQueueProcess(web),
      startQueueProcess(worker),
      startQueueProcess(worker),
    ]);
    const webs = [web1, web2];
    const balancer = await startBalancer(() => webs.map((w) => w.port as number));
    cleanups.push(() => balancer.close());
    const killed: number[] = [];
    const chaos = async (victim: QueueProcess, restart: Record<string, string>, replace: (p: QueueProcess) => void) => {
      await new Promise((r) => setTimeout(r, 500 + Math.random() * 2_500));
      killed.push(victim.pid);
      if (victim === web1) webs.splice(webs.indexOf(victim), 1);
      await victim.kill('SIGKILL');
      replace(await startQueueProcess(restart));
    };
    let output = '';
    const io = {
      env: {},
      cwd: process.cwd(),
      stdout: { write: (t: string) => (output += t) },
      stderr: { write: (t: string) => (output += t) },
    };
    const simulation = runCli(
      [
        'simulate',
        ...['--platform', 'genstore', '--url', `http://127.0.0.1:${balancer.port}/webhooks/genstore`],
        // 100 a second for 10 s; Genstore's 4-hour schedule played in 58 s; 10 s to answer, for a loaded machine.
        ...['--secret', SECRET, '--count', '1000', '--rate', '100', '--time-scale', '0.004', '--timeout', '10000'],
      ],
      io,
    );
    await Promise.all([chaos(web1, web, (p) => webs.push(p)), chaos(worker1, worker, () => {})]);
    const code = await simulation;
    expect(output.trimEnd().split('\n').at(-1)).toMatch(
      /^deliveries 1000, acknowledged 1000, retried \d+, given up 0,/,
    );
    expect(code).toBe(0);
    await until(
      async () => new Set((await runs()).filter((r) => r.phase === 'end').map((r) => r.id)).size === 1000,
      'every event handled',
      30_000,
    );
    const byId = runsById(await runs());
    // A run before the last one of an event can only be one the killed worker was running when it died.
    const reruns = [...byId.values()].flatMap((list) => list.filter((r) => r.phase === 'start').slice(0, -1));
    expect(reruns.filter((r) => r.pid !== worker1.pid)).toEqual([]);
    expect(killed).toEqual(expect.arrayContaining([web1.pid, worker1.pid]));
    expect(byId.size).toBe(1000);
  }, 180_000);
});
