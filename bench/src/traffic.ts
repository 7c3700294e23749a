/**
 * A picture of the traffic through one server, drawn from its own Prometheus metrics: the Fastify memory row with
 * traces and metrics on (a child process, as in `pnpm bench`) takes a load that steps up through fixed rates and
 * ends as fast as it can go, while `GET /metrics` is scraped every second. Throughput comes from
 * `hookinbox_deliveries_total`, the acknowledgement latency (mean and p99, as PromQL's `histogram_quantile` reads
 * it) from `hookinbox_ack_latency_seconds`. Writes `bench/traffic.png` (and the SVG it is rendered from).
 *
 *   pnpm bench:traffic [--rates 500,1000,2000,max] [--step 6] [--out bench/traffic.png] [--source]
 */
import { fork } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Resvg } from '@resvg/resvg-js';
import { ensureBuilt, serverExecArgv } from './built.js';
import { type Phase, renderChart } from './chart.js';
import type { ChildMessage } from './child.js';
import { closedLoop, type LoadRequest, paced } from './load.js';
import { buildPool, GENSTORE_SIGNATURE, genstoreRequest, PATH, type SignedBody } from './payload.js';
import type { ServerSpec } from './rows.js';
import { type Interval, interval, parseScrape, type Scrape } from './scrape.js';

const here = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    rates: { type: 'string', default: '500,1000,2000,max' },
    step: { type: 'string', default: '6' },
    connections: { type: 'string', default: '32' },
    out: { type: 'string', default: join(here, '..', 'traffic.png') },
    source: { type: 'boolean', default: false },
  },
});
// The server runs the built packages, as in `pnpm bench` (built.ts says why).
if (!values.source) ensureBuilt();
const steps = (values.rates as string).split(',').map((r) => (r === 'max' ? 'max' : Number(r)));
const stepSeconds = Number(values.step);

function startChild(spec: ServerSpec): Promise<{ port: number; stop(): Promise<void> }> {
  const child = fork(join(here, 'child.ts'), [JSON.stringify(spec)], {
    execArgv: serverExecArgv(values.source === true),
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        resolve();
      }, 10_000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.send({ type: 'stop' });
    });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('bench: the server did not start within 30 s'));
    }, 30_000);
    child.on('message', (message: ChildMessage) => {
      if (message.type === 'ready') {
        clearTimeout(timer);
        resolve({ port: message.port, stop });
      } else if (message.type === 'failed') {
        clearTimeout(timer);
        reject(new Error(message.message));
      }
    });
  });
}

function requests(pool: SignedBody[]): () => LoadRequest {
  let n = 0;
  return () => {
    const id = `traffic-${n}`;
    return genstoreRequest((pool[n++ % pool.length] as SignedBody).distinct(id), id);
  };
}

async function main() {
  const pool = buildPool(8_192, GENSTORE_SIGNATURE);
  const server = await startChild({ kind: 'fastify-hookinbox', store: 'memory', observe: 'on' });
  const scrapes: Scrape[] = [];
  const started = performance.now();
  const scrape = async () => {
    const res = await fetch(`http://127.0.0.1:${server.port}/metrics`);
    scrapes.push(parseScrape(await res.text(), (performance.now() - started) / 1_000));
  };
  await scrape();
  const ticker = setInterval(() => void scrape().catch(() => {}), 1_000);
  const phases: Phase[] = [];
  const next = requests(pool);
  const connections = Number(values.connections);
  try {
    for (const step of steps) {
      const from = (performance.now() - started) / 1_000;
      const common = { port: server.port, path: PATH, seconds: stepSeconds, next };
      if (step === 'max') await closedLoop({ ...common, connections });
      else await paced({ ...common, rate: step });
      const label = step === 'max' ? `as fast as ${connections} connections go` : `${step} deliveries/s`;
      phases.push({ from, to: (performance.now() - started) / 1_000, label });
    }
    await new Promise((resolve) => setTimeout(resolve, 1_100));
  } finally {
    clearInterval(ticker);
    await server.stop();
  }
  const points: Interval[] = [];
  for (let i = 1; i < scrapes.length; i++) points.push(interval(scrapes[i - 1] as Scrape, scrapes[i] as Scrape));
  const total = (scrapes.at(-1) as Scrape).deliveries;
  const note =
    `Fastify 5, memory store, OpenTelemetry SDK and prom-client on; ${total} signed 1 KB Genstore deliveries; ` +
    `scraped from GET /metrics every second; ${cpus().length} cores shared with the load generator; Node ${process.versions.node}.`;
  const svg = renderChart(points, phases, 'hookinbox: one run, as its Prometheus metrics saw it', note);
  const png = new Resvg(svg, { fitTo: { mode: 'width', value: 1000 }, font: { loadSystemFonts: true } })
    .render()
    .asPng();
  const out = values.out as string;
  await writeFile(out.replace(/\.png$/, '.svg'), svg);
  await writeFile(out, png);
  for (const p of points) {
    console.log(
      `${p.at.toFixed(1).padStart(5)} s  ${p.perSecond.toFixed(0).padStart(6)}/s  mean ${p.meanMs.toFixed(2)} ms  p99 ${p.p99Ms.toFixed(2)} ms`,
    );
  }
  console.log(`bench: wrote ${out} (${png.length} bytes) from ${scrapes.length} scrapes`);
}

await main();
