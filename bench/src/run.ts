/**
 * hookinbox benchmark. Each row's server runs in its own child process on 127.0.0.1; this process drives them over
 * loopback, one at a time, and prints one table whose ratios all come from this one run.
 *
 *   pnpm bench [--duration 10] [--rounds 5] [--warmup 2] [--connections 32] [--rate 200] [--pool 65536]
 *              [--only fastify-bare,fastify-memory] [--diagnostics] [--full] [--smoke] [--cpu-prof]
 *              [--json out.json] [--markdown out.md] [--source]
 *
 * The servers run the built packages, as an installed app does (`built.ts` builds them first when the source is newer,
 * and says why the source is not measured); `--source` runs the TypeScript source through tsx instead.
 *
 * Every server is started and warmed up first; then each row gets `--duration` seconds of load in all, split into
 * `--rounds` rounds that visit the rows in turn (forwards, then backwards). A change in the machine's background
 * load during the run then falls on every row alike instead of on whichever row happened to run at the time.
 *
 * The run's steps (options, servers, rounds, targets, report) stay in this one module, past the usual length of one,
 * so that the order of a run reads top to bottom.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { Socket } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Webhooks } from '@octokit/webhooks';
import { ensureBuilt, serverExecArgv } from './built.js';
import type { ChildMessage } from './child.js';
import { closedLoop, type LoadRequest, type Measured, paced } from './load.js';
import {
  buildPool,
  GENSTORE_SIGNATURE,
  GITHUB_EVENT,
  GITHUB_PATH,
  GITHUB_SECRET,
  GITHUB_SIGNATURE,
  genstoreRequest,
  PATH,
  type SignedBody,
} from './payload.js';
import { machine, type RowResult, renderMarkdown, renderTable, summarise, targets } from './report.js';
import { ROWS, type Row, runPosition, usesRedis } from './rows.js';

const here = dirname(fileURLToPath(import.meta.url));

const { values } = parseArgs({
  options: {
    duration: { type: 'string' },
    rounds: { type: 'string' },
    warmup: { type: 'string' },
    connections: { type: 'string', default: '32' },
    only: { type: 'string' },
    rate: { type: 'string', default: '200' },
    pool: { type: 'string' },
    diagnostics: { type: 'boolean', default: false },
    full: { type: 'boolean', default: false },
    smoke: { type: 'boolean', default: false },
    'cpu-prof': { type: 'boolean', default: false },
    json: { type: 'string' },
    markdown: { type: 'string' },
    source: { type: 'boolean', default: false },
  },
});

const smoke = values.smoke === true;
const duration = Number(values.duration ?? (smoke ? 1.5 : 10));
const rounds = Number(values.rounds ?? (smoke ? 1 : 5));
const warmup = Number(values.warmup ?? (smoke ? 0.5 : 2));
const connections = Number(values.connections);
const rate = Number(values.rate);
const poolSize = Number(values.pool ?? (smoke ? 8_192 : 65_536));
for (const [name, value] of Object.entries({ duration, rounds, warmup, connections, rate, pool: poolSize })) {
  if (!Number.isFinite(value) || value < 0 || (name !== 'warmup' && value === 0)) {
    console.error(`bench: --${name} must be a positive number`);
    process.exit(2);
  }
}
if (!Number.isInteger(rounds)) {
  console.error('bench: --rounds must be a whole number');
  process.exit(2);
}

let rows = values.diagnostics ? ROWS : ROWS.filter((r) => !r.diagnostic);
if (values.only) {
  const wanted = values.only.split(',').map((s) => s.trim());
  const unknown = wanted.filter((id) => !ROWS.some((r) => r.id === id));
  if (unknown.length > 0) {
    console.error(`bench: unknown row ${unknown.join(', ')}; rows are ${ROWS.map((r) => r.id).join(', ')}`);
    process.exit(2);
  }
  rows = ROWS.filter((r) => wanted.includes(r.id));
}

if (!values.source) ensureBuilt();

const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const runId = randomBytes(4).toString('hex');
const profileDir = resolve(here, '..', '.profiles');
/** The fixed rate of the latency rows; lower in a smoke run, which only checks that they answer. */
const latencyRate = smoke ? Math.min(rate, 50) : rate;
/** A latency row's rate: its own when its target names one (issue 17's 1,000 deliveries/s), else `--rate`. */
const rateOf = (row: Row) =>
  row.fixedRate === undefined ? latencyRate : smoke ? Math.min(row.fixedRate, 50) : row.fixedRate;

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

/** How long a server may take to start: filling a store to its bound takes a while. */
const startLimitS = values.full ? 120 : 30;

function startChild(row: Row): Promise<{ child: ChildProcess; port: number }> {
  const spec = { ...row.server };
  if (values.full && spec.store === 'memory') spec.prefill = true;
  if (usesRedis(spec.store)) {
    spec.redisUrl = redisUrl;
    spec.redisPrefix = `hookinbox-bench:${runId}:${row.id}:`;
  }
  if (spec.store === 'postgres-pg-boss') {
    spec.databaseUrl = databaseUrl;
    spec.databaseSchema = `hookinbox_bench_${runId}_${row.id.replace(/-/g, '_')}`;
  }
  const execArgv = serverExecArgv(values.source === true);
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
      reject(new Error(`did not start within ${startLimitS} s`));
    }, startLimitS * 1_000);
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

/** Send the child a message and wait for the answer of the given type. */
function ask<T extends ChildMessage['type']>(
  child: ChildProcess,
  type: 'mark' | 'report',
  answer: T,
): Promise<Extract<ChildMessage, { type: T }>> {
  return new Promise((done, fail) => {
    const onMessage = (message: ChildMessage) => {
      if (message.type !== answer) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      done(message as Extract<ChildMessage, { type: T }>);
    };
    const onExit = () => fail(new Error('the server process exited'));
    child.on('message', onMessage);
    child.once('exit', onExit);
    child.send({ type });
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((done) => {
    if (child.exitCode !== null) {
      done();
      return;
    }
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', () => {
      clearTimeout(timer);
      done();
    });
    child.send({ type: 'stop' });
  });
}

/**
 * Every request is distinct: its body carries the run id, the row and a counter (and so does its delivery id header),
 * so with dedupe on each one is a real claim and commit, never a cheap "duplicate" answer: the Genstore provider keys
 * on a digest of the body, not on the unsigned id header. The orders come from a pool signed ahead of time, and each
 * request's signature costs the hash of its short tag alone (payload.ts), so the load generator, which shares the
 * machine with the server, spends little CPU on HMAC while it runs.
 */
function requests(row: Row, pool: SignedBody[]): () => LoadRequest {
  let seq = 0;
  const prefix = `${runId}-${row.id}-`;
  if (row.scheme === 'github') {
    return () => {
      const n = seq++;
      const signed = (pool[n % pool.length] as SignedBody).distinct(prefix + n);
      return {
        headers: {
          'content-type': 'application/json',
          'x-github-event': GITHUB_EVENT,
          'x-github-delivery': prefix + n,
          'x-hub-signature-256': signed.signature,
        },
        body: signed.body,
      };
    };
  }
  return () => {
    const n = seq++;
    return genstoreRequest((pool[n % pool.length] as SignedBody).distinct(prefix + n), prefix + n);
  };
}

interface Live {
  row: Row;
  child: ChildProcess;
  port: number;
  next: () => LoadRequest;
  measured: Measured;
  /** 2xx req/s of each round, in round order. */
  roundRps: number[];
  cpuMicros: number;
  /** CPU time of the row's worker process, when it has one. */
  workerCpuMicros: number | undefined;
  cpuRequests: number;
}

function load(live: Live, seconds: number): Promise<Measured> {
  const path = live.row.scheme === 'github' ? GITHUB_PATH : PATH;
  const common = { port: live.port, path, seconds, next: live.next };
  return live.row.rate ? paced({ ...common, rate: rateOf(live.row) }) : closedLoop({ ...common, connections });
}

// The bench's run from the command line to the report, in the order it happens (machine, servers, rounds, targets,
// report): longer than a usual function, so that the order of a run is read in one place.
async function main() {
  const m = machine();
  console.log(
    `hookinbox bench: ${m.cpus}× ${m.cpuModel}, node ${m.node}, load average ${m.loadAverage}; ` +
      `${duration} s per row in ${rounds} round(s) after ${warmup} s warm-up, ${connections} connections`,
  );
  if (m.loadAverageOne > m.cpus * 0.5) {
    console.log(`bench: the machine is busy (load ${m.loadAverageOne.toFixed(2)}); the numbers will be noisy`);
  }
  const needsRedis = rows.some((r) => usesRedis(r.server.store));
  const haveRedis = needsRedis && (await redisAnswers(redisUrl));
  if (needsRedis && !haveRedis) console.log(`bench: no Redis answers at ${redisUrl}; the Redis rows are skipped`);

  const genstorePool = buildPool(poolSize, GENSTORE_SIGNATURE);
  const githubPool = rows.some((r) => r.scheme === 'github') ? buildPool(poolSize, GITHUB_SIGNATURE) : [];
  const octokit = new Webhooks({ secret: GITHUB_SECRET });
  const probe = githubPool[0]?.distinct('probe');
  if (probe && probe.signature !== (await octokit.sign(probe.body.toString('utf8')))) {
    throw new Error('bench: the GitHub signature differs from what @octokit/webhooks signs');
  }

  const skipped = new Map<string, string>();
  const live: Live[] = [];
  let failed = false;
  try {
    for (const row of rows) {
      if (usesRedis(row.server.store) && !haveRedis) {
        skipped.set(row.id, 'no Redis');
        continue;
      }
      process.stdout.write(`  start ${row.id} … `);
      try {
        const { child, port } = await startChild(row);
        const entry: Live = {
          row,
          child,
          port,
          next: requests(row, row.scheme === 'github' ? githubPool : genstorePool),
          measured: { seconds: 0, ok: 0, non2xx: 0, errors: 0, latencies: [] },
          roundRps: [],
          cpuMicros: 0,
          workerCpuMicros: undefined,
          cpuRequests: 0,
        };
        if (warmup > 0) await load(entry, warmup);
        live.push(entry);
        console.log(`port ${port}, warmed up`);
      } catch (error) {
        failed = true;
        skipped.set(row.id, 'failed to start');
        console.log(`failed to start: ${error instanceof Error ? error.message : String(error)}`);
      }
    }

    const visit = [...live].sort((a, b) => runPosition(a.row.id) - runPosition(b.row.id));
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? visit : [...visit].reverse();
      for (const entry of order) {
        await ask(entry.child, 'mark', 'marked');
        const measured = await load(entry, duration / rounds);
        const report = await ask(entry.child, 'report', 'report');
        entry.measured.seconds += measured.seconds;
        entry.measured.ok += measured.ok;
        entry.measured.non2xx += measured.non2xx;
        entry.measured.errors += measured.errors;
        for (const latency of measured.latencies) entry.measured.latencies.push(latency);
        entry.cpuMicros += report.cpuMicros;
        if (report.workerCpuMicros !== undefined) {
          entry.workerCpuMicros = (entry.workerCpuMicros ?? 0) + report.workerCpuMicros;
        }
        entry.cpuRequests += report.requests;
        entry.roundRps.push(measured.seconds > 0 ? measured.ok / measured.seconds : 0);
        console.log(
          `  round ${round + 1}/${rounds} ${entry.row.id}: ${Math.round(measured.ok / measured.seconds)} req/s 2xx, ` +
            `${measured.non2xx + measured.errors} failed`,
        );
      }
    }
  } finally {
    await Promise.all(live.map((entry) => stopChild(entry.child)));
  }

  const results: RowResult[] = rows.map((row) => {
    const entry = live.find((l) => l.row === row);
    if (!entry) return { row, skipped: skipped.get(row.id) ?? 'no result' };
    const result = summarise(
      row,
      entry.measured,
      entry.cpuRequests > 0 ? entry.cpuMicros / entry.cpuRequests : undefined,
    );
    if (row.rate) result.offeredRate = rateOf(row);
    if (entry.workerCpuMicros !== undefined && entry.cpuRequests > 0) {
      result.workerCpuMicrosPerRequest = entry.workerCpuMicros / entry.cpuRequests;
    }
    result.roundRps = entry.roundRps;
    if (entry.measured.ok === 0) failed = true;
    return result;
  });

  console.log('');
  console.log(renderTable(results));
  const checks = targets(results);
  if (checks.length > 0) {
    console.log('');
    console.log('Targets (ratios from this run):');
    for (const c of checks) {
      console.log(`  ${c.info ? 'info  ' : c.met ? 'met   ' : 'MISSED'} ${c.text}`);
      if (c.rounds) console.log(`         ${c.rounds}`);
    }
  }
  const options = { duration, rounds, warmup, connections, rate: latencyRate, smoke };
  if (values.json) {
    const plain = results.map(({ latencies: _omitted, ...rest }) => ({ ...rest, row: rest.row.id }));
    writeFileSync(values.json, `${JSON.stringify({ machine: m, options, results: plain }, null, 2)}\n`);
  }
  if (values.markdown) writeFileSync(values.markdown, renderMarkdown(results, checks, m, options));
  if (values['cpu-prof']) console.log(`\nCPU profiles in ${profileDir}`);
  if (failed) {
    console.error('bench: a server failed to start or answered no request with 2xx');
    process.exit(1);
  }
}

await main();
