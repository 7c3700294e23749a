/**
 * `pnpm soak`: steady load on loopback against a hookinbox server in a child process, printing its memory and open
 * handles every 5 s and at the end. Not part of CI; run it before a release, or after touching the hot path.
 *
 *   pnpm soak                      # 60 s against the GDPR example on Fastify
 *   pnpm soak -- --seconds 300 --connections 32 --target plain
 *
 * Every request is a distinct, correctly signed Genstore delivery (orders/create), so the dedupe store grows as it
 * would in production. A leak shows as RSS or handles that keep climbing while the request rate is flat, and as
 * handles that do not fall back once the load stops.
 */
import { fork } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: process.env.SOAK_SECONDS ?? '60' },
    connections: { type: 'string', default: process.env.SOAK_CONNECTIONS ?? '16' },
    target: { type: 'string', default: process.env.SOAK_TARGET },
    interval: { type: 'string', default: '5' },
  },
});
const seconds = Number(values.seconds);
const connections = Number(values.connections);
const intervalMs = Number(values.interval) * 1_000;
if (!(seconds > 0) || !(connections > 0) || !(intervalMs > 0)) {
  console.error('soak: --seconds, --connections and --interval must be positive numbers');
  process.exit(2);
}
const exampleApp = fileURLToPath(new URL('../../examples/gdpr-fastify/src/app.ts', import.meta.url));
const target = values.target ?? (existsSync(exampleApp) ? 'example' : 'plain');
const secret = 'soak-client-secret';

interface Sample {
  rss: number;
  heapUsed: number;
  handles: number;
  resources: number;
  stats: { received: number; handled: number; inFlight: number; duplicates: number; rejected: Record<string, number> };
}

const child = fork(fileURLToPath(new URL('./soak-server.ts', import.meta.url)), [], {
  execArgv: ['--import', 'tsx', '--conditions=source'],
  env: { ...process.env, SOAK_TARGET: target, SOAK_SECRET: secret },
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
});
child.once('exit', (code, signal) => {
  if (!stopping) {
    console.error(`soak: the server exited during the run (code ${code}, signal ${signal})`);
    process.exit(1);
  }
});
let stopping = false;

const listening = await new Promise<{ port: number; target: string }>((resolve) => {
  child.on('message', (m: { type: string; port: number; target: string }) => {
    if (m.type === 'listening') resolve(m);
  });
});
const pending: ((s: Sample) => void)[] = [];
child.on('message', (m: { type: string } & Sample) => {
  if (m.type === 'sample') pending.shift()?.(m);
});
const sample = () =>
  new Promise<Sample>((resolve) => {
    pending.push(resolve);
    child.send({ type: 'sample' });
  });

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const line = (label: string, s: Sample, extra = '') =>
  console.log(
    `${label.padEnd(8)} rss ${mb(s.rss).padStart(9)}  heap ${mb(s.heapUsed).padStart(9)}  handles ${String(s.handles).padStart(4)}` +
      `  resources ${String(s.resources).padStart(4)}  received ${String(s.stats.received).padStart(8)}` +
      `  handled ${String(s.stats.handled).padStart(8)}  in flight ${String(s.stats.inFlight).padStart(4)}${extra}`,
  );

console.log(
  `soak: ${seconds} s, ${connections} connections, target ${listening.target} on 127.0.0.1:${listening.port} (node ${process.version})`,
);
const first = await sample();
line('start', first);

let n = 0;
const started = performance.now();
const run = new Promise<import('autocannon').Result>((resolve, reject) => {
  autocannon(
    {
      url: `http://127.0.0.1:${listening.port}`,
      connections,
      duration: seconds,
      requests: [
        {
          method: 'POST',
          path: '/webhooks/genstore',
          setupRequest(request) {
            n++;
            // A bounded set of orders, each updated again and again: distinct deliveries, a database that stays small.
            const body = JSON.stringify({
              order: {
                id: String(n % 5_000),
                email: `c${n % 997}@example.com`,
                totalPrice: '12.50',
                currency: 'EUR',
                rev: n,
              },
            });
            return {
              ...request,
              body,
              headers: {
                'content-type': 'application/json',
                'x-genstore-topic': 'orders/create',
                'x-genstore-shop-domain': 'soak.example',
                'x-genstore-hmac-sha256': createHmac('sha256', secret).update(body).digest('base64'),
              },
            };
          },
        },
      ],
    },
    (error, result) => (error ? reject(error) : resolve(result)),
  );
});

const samples: Sample[] = [first];
let lastReceived = 0;
const timer = setInterval(async () => {
  const s = await sample();
  samples.push(s);
  const elapsed = Math.round((performance.now() - started) / 1_000);
  const rate = Math.round((s.stats.received - lastReceived) / (intervalMs / 1_000));
  lastReceived = s.stats.received;
  line(`${elapsed}s`, s, `  ${rate} req/s`);
}, intervalMs);

const result = await run;
clearInterval(timer);
const atEnd = await sample();
line('end', atEnd);
// Let in-flight handlers finish and keep-alive sockets close, then look again: what remains is what leaked.
await new Promise((resolve) => setTimeout(resolve, 6_000));
const settled = await sample();
line('idle', settled);

const peak = Math.max(...samples.map((s) => s.rss), atEnd.rss);
console.log(
  [
    '',
    `requests  ${result.requests.total} in ${result.duration} s (${Math.round(result.requests.average)} req/s average)`,
    `latency   p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, max ${result.latency.max} ms`,
    `answers   2xx ${result['2xx']}, non-2xx ${result.non2xx}, errors ${result.errors}, timeouts ${result.timeouts}`,
    `server    handled ${settled.stats.handled}, duplicates ${settled.stats.duplicates}, rejected ${JSON.stringify(settled.stats.rejected)}`,
    `memory    rss ${mb(first.rss)} at start, ${mb(peak)} at peak, ${mb(settled.rss)} idle after the run`,
    `handles   ${first.handles} at start, ${atEnd.handles} at the end of the load, ${settled.handles} idle after the run`,
  ].join('\n'),
);

stopping = true;
child.send({ type: 'stop' });
await new Promise((resolve) => child.once('exit', resolve));
process.exit(result.non2xx > 0 || result.errors > 0 ? 1 : 0);
