/**
 * hookinbox benchmark: each row's server in its own child process on 127.0.0.1, driven by autocannon from this
 * process over loopback, one row after the other. Prints one table whose ratios all come from this one run.
 *
 *   pnpm bench [--duration 10] [--warmup 2] [--connections 32] [--only fastify-bare,fastify-memory]
 *              [--rate 200] [--smoke] [--cpu-prof] [--json out.json] [--markdown out.md]
 */
import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { Socket } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Webhooks } from '@octokit/webhooks';
import autocannon from 'autocannon';
import type { ChildMessage } from './child.js';
import {
  buildPool,
  GITHUB_EVENT,
  GITHUB_PATH,
  GITHUB_SECRET,
  PATH,
  SHOP_DOMAIN,
  type SignedBody,
  signGenstore,
  TOPIC,
} from './payload.js';
import { machine, type RowResult, renderMarkdown, renderTable, targets } from './report.js';
import { ROWS, type Row } from './rows.js';

const here = dirname(fileURLToPath(import.meta.url));

const { values } = parseArgs({
  options: {
    duration: { type: 'string' },
    warmup: { type: 'string' },
    connections: { type: 'string', default: '32' },
    only: { type: 'string' },
    rate: { type: 'string', default: '200' },
    pool: { type: 'string', default: '65536' },
    smoke: { type: 'boolean', default: false },
    'cpu-prof': { type: 'boolean', default: false },
    json: { type: 'string' },
    markdown: { type: 'string' },
  },
});

const smoke = values.smoke === true;
const duration = Number(values.duration ?? (smoke ? 1.5 : 10));
const warmup = Number(values.warmup ?? (smoke ? 0.5 : 2));
const connections = Number(values.connections);
const rate = Number(values.rate);
const poolSize = Number(values.pool);
for (const [name, value] of Object.entries({ duration, warmup, connections, rate, pool: poolSize })) {
  if (!Number.isFinite(value) || value < 0 || (name !== 'warmup' && value === 0)) {
    console.error(`bench: --${name} must be a positive number`);
    process.exit(2);
  }
}

let rows = ROWS.filter((r) => !r.diagnostic);
if (values.only) {
  const wanted = values.only.split(',').map((s) => s.trim());
  const unknown = wanted.filter((id) => !ROWS.some((r) => r.id === id));
  if (unknown.length > 0) {
    console.error(`bench: unknown row ${unknown.join(', ')}; rows are ${ROWS.map((r) => r.id).join(', ')}`);
    process.exit(2);
  }
  rows = ROWS.filter((r) => wanted.includes(r.id));
}

const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const runId = randomBytes(4).toString('hex');
const profileDir = resolve(here, '..', '.profiles');

/** Does a Redis answer PING at the URL's host and port? Checked once, so the Redis rows can be skipped cleanly. */
function redisAnswers(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((done) => {
    const socket = new Socket();
    const finish = (ok: boolean) => {
      socket.destroy();
      done(ok);
    };
    socket.setTimeout(1_000, () => finish(false));
    socket.once('error', () => finish(false));
    socket.connect(Number(port || 6379), hostname || '127.0.0.1', () => socket.write('PING\r\n'));
    socket.once('data', (data) => finish(data.toString().startsWith('+PONG') || data.toString().startsWith('-NOAUTH')));
  });
}

function startChild(row: Row): Promise<{ child: ChildProcess; port: number }> {
  const spec = { ...row.server };
  if (spec.store === 'redis') {
    spec.redisUrl = redisUrl;
    spec.redisPrefix = `hookinbox-bench:${runId}:${row.id}:`;
  }
  const execArgv = [...process.execArgv];
  if (values['cpu-prof']) {
    // One folder per row: the module loader's worker thread writes a profile of its own beside the main thread's.
    const dir = join(profileDir, `${row.id}-${runId}`);
    mkdirSync(dir, { recursive: true });
    execArgv.push('--cpu-prof', `--cpu-prof-dir=${dir}`);
  }
  const child = fork(join(here, 'child.ts'), [JSON.stringify(spec)], {
    execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolveStart, reject) => {
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error('did not start within 30 s'));
    }, 30_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with code ${code} before it was ready`));
    });
    child.on('message', (message: ChildMessage) => {
      if (message.type === 'ready') {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        resolveStart({ child, port: message.port });
      } else if (message.type === 'failed') {
        clearTimeout(timer);
        reject(new Error(message.message));
      }
    });
  });
}

/** Ask the child to start counting CPU time and requests now. */
function markChild(child: ChildProcess): Promise<void> {
  return new Promise((done) => {
    const onMessage = (message: ChildMessage) => {
      if (message.type !== 'marked') return;
      child.off('message', onMessage);
      done();
    };
    child.on('message', onMessage);
    child.send({ type: 'mark' });
  });
}

/** Stop the child; resolves with its CPU time per answered request since the mark, when it reported one. */
function stopChild(child: ChildProcess): Promise<number | undefined> {
  return new Promise((done) => {
    if (child.exitCode !== null) {
      done(undefined);
      return;
    }
    let perRequest: number | undefined;
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.on('message', (message: ChildMessage) => {
      if (message.type === 'stopped' && message.requests > 0) perRequest = message.cpuMicros / message.requests;
    });
    child.once('exit', () => {
      clearTimeout(timer);
      done(perRequest);
    });
    child.send({ type: 'stop' });
  });
}

/**
 * Every request is distinct: a fresh `x-genstore-webhook-id` (run id + a counter shared by all connections), so
 * with dedupe on each one is a real claim and commit, never a cheap "duplicate" answer; and the body comes from a
 * pool of distinct pre-signed bodies, so no two neighbouring requests carry the same bytes or signature.
 */
function requestSetup(row: Row, pool: SignedBody[]) {
  let seq = 0;
  const prefix = `${runId}-${row.id}-`;
  if (row.scheme === 'github') {
    return (req: any) => {
      const n = seq++;
      const signed = pool[n % pool.length] as SignedBody;
      req.headers = {
        'content-type': 'application/json',
        'x-github-event': GITHUB_EVENT,
        'x-github-delivery': prefix + n,
        'x-hub-signature-256': signed.signature,
      };
      req.body = signed.body;
      return req;
    };
  }
  return (req: any) => {
    const n = seq++;
    const signed = pool[n % pool.length] as SignedBody;
    req.headers = {
      'content-type': 'application/json',
      'x-genstore-topic': TOPIC,
      'x-genstore-hmac-sha256': signed.signature,
      'x-genstore-shop-domain': SHOP_DOMAIN,
      'x-genstore-webhook-id': prefix + n,
    };
    req.body = signed.body;
    return req;
  };
}

/** The fixed rate of a latency row: `--rate`, lower in a smoke run. */
function offeredRate(row: Row): number | undefined {
  if (!row.rate) return undefined;
  return smoke ? Math.min(rate, 50) : rate;
}

function load(row: Row, port: number, pool: SignedBody[], seconds: number): Promise<autocannon.Result> {
  const setupRequest = requestSetup(row, pool);
  return autocannon({
    url: `http://127.0.0.1:${port}${row.scheme === 'github' ? GITHUB_PATH : PATH}`,
    method: 'POST',
    connections: row.rate ? Math.min(connections, offeredRate(row) as number) : connections,
    duration: seconds,
    ...(row.rate ? { overallRate: offeredRate(row) } : {}),
    requests: [{ setupRequest }],
  });
}

async function main() {
  const m = machine();
  console.log(
    `hookinbox bench: ${m.cpus}× ${m.cpuModel}, node ${m.node}, load average ${m.loadAverage} ` +
      `(${duration} s per row after ${warmup} s warm-up, ${connections} connections)`,
  );
  if (m.loadAverageOne > m.cpus * 0.5) {
    console.log(`bench: the machine is busy (load ${m.loadAverageOne.toFixed(2)}); the numbers will be noisy`);
  }
  const needsRedis = rows.some((r) => r.server.store === 'redis');
  const haveRedis = needsRedis && (await redisAnswers(redisUrl));
  if (needsRedis && !haveRedis) console.log(`bench: no Redis answers at ${redisUrl}; the Redis rows are skipped`);

  const genstorePool = await buildPool(poolSize, (body) => signGenstore(body));
  const octokit = new Webhooks({ secret: GITHUB_SECRET });
  const githubPool = rows.some((r) => r.scheme === 'github')
    ? await buildPool(poolSize, (body) => octokit.sign(body.toString('utf8')))
    : [];

  const results: RowResult[] = [];
  let failed = false;
  for (const row of rows) {
    if (row.server.store === 'redis' && !haveRedis) {
      results.push({ row, skipped: 'no Redis' });
      continue;
    }
    process.stdout.write(`  ${row.id} … `);
    let started: { child: ChildProcess; port: number };
    try {
      started = await startChild(row);
    } catch (error) {
      failed = true;
      console.log(`failed to start: ${error instanceof Error ? error.message : String(error)}`);
      results.push({ row, skipped: 'failed to start' });
      continue;
    }
    const pool = row.scheme === 'github' ? githubPool : genstorePool;
    let result: autocannon.Result | undefined;
    try {
      if (warmup > 0) await load(row, started.port, pool, warmup);
      await markChild(started.child);
      result = await load(row, started.port, pool, duration);
    } finally {
      const cpuMicrosPerRequest = await stopChild(started.child);
      if (result) {
        const ok = result['2xx'];
        const bad = result.non2xx + result.errors + result.timeouts;
        const cpu = cpuMicrosPerRequest === undefined ? '' : `, server CPU ${cpuMicrosPerRequest.toFixed(0)} µs/req`;
        console.log(`${Math.round(result.requests.average)} req/s, ${ok} 2xx, ${bad} failed${cpu}`);
        if (ok === 0) failed = true;
        results.push({ row, result, offeredRate: offeredRate(row), cpuMicrosPerRequest });
      }
    }
  }

  console.log('');
  console.log(renderTable(results));
  const checks = targets(results);
  if (checks.length > 0) {
    console.log('');
    console.log('Targets (ratios from this run):');
    for (const c of checks) console.log(`  ${c.met ? 'met   ' : 'MISSED'} ${c.text}`);
  }
  const options = { duration, warmup, connections, rate, smoke };
  if (values.json) writeFileSync(values.json, `${JSON.stringify({ machine: m, options, results }, null, 2)}\n`);
  if (values.markdown) writeFileSync(values.markdown, renderMarkdown(results, checks, m, options));
  if (values['cpu-prof']) console.log(`\nCPU profiles in ${profileDir}`);
  if (failed) {
    console.error('bench: a server failed to start or answered no request with 2xx');
    process.exit(1);
  }
}

await main();
