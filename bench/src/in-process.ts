/**
 * The receiver's own cost per delivery, with no HTTP: `receiver.receive()` over the bench's signed 1 KB
 * `orders/create` bodies, Genstore provider, memory store, a handler that returns at once (run on the next turn, as
 * in the server). Beside it, the same bodies through only the bare rows' work (HMAC, compare, `JSON.parse`).
 *
 *   pnpm bench:in-process [--count 200000] [--rounds 5] [--only receiver|bare] [--full [--bound 500000]]
 *                         [--observe on|metrics|otel-no-sdk|sdk|sdk-tracing]
 *
 * `--full` starts each round's memory store at its bound (`--bound`, default the store's own 500,000), filled with
 * other remembered deliveries, so that every delivery measured evicts one: the steady state of a busy instance.
 * `--observe on` runs the receiver with traces and metrics on (an OpenTelemetry SDK registered and a prom-client
 * registry, see `observe.ts`); the other modes take it apart (`observe.ts` says what each has).
 *
 * Times are medians over the rounds, in µs per delivery: wall clock, and the process's CPU time (GC threads
 * included), which a busy machine moves less. For a figure that repeats on a noisy machine, count instructions
 * instead: `valgrind --tool=callgrind node --conditions=source --import tsx bench/src/in-process.ts --count 20000
 * --rounds 1 --only receiver` (the total is printed as "Collected"; divide by the count).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { parseArgs } from 'node:util';
import { createMemoryStore, createReceiver, silentLogger } from '@hookinbox/core';
import { genstore } from '@hookinbox/genstore';
import { isObserveMode, OBSERVE_MODES, type ObserveMode, observe } from './observe.js';
import { GENSTORE_SECRET, orderBody, PATH, SHOP_DOMAIN, signGenstore, TOPIC } from './payload.js';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '200000' },
    rounds: { type: 'string', default: '5' },
    only: { type: 'string' },
    full: { type: 'boolean', default: false },
    bound: { type: 'string', default: '500000' },
    observe: { type: 'string' },
  },
});
if (values.observe !== undefined && !isObserveMode(values.observe)) {
  throw new Error(`bench: --observe is one of ${OBSERVE_MODES.join(', ')}`);
}
const observeMode = values.observe as ObserveMode | undefined;
const count = Number(values.count);
const rounds = Number(values.rounds);
const bound = Number(values.bound);

/** Distinct signed deliveries: each has its own body, so each is a real claim and commit under any dedupe key. */
const deliveries = Array.from({ length: count }, (_, i) => {
  const body = Buffer.from(orderBody(i));
  return {
    method: 'POST',
    url: PATH,
    body,
    headers: {
      'content-type': 'application/json',
      'x-genstore-hmac-sha256': signGenstore(body),
      'x-genstore-topic': TOPIC,
      'x-genstore-shop-domain': SHOP_DOMAIN,
      'x-genstore-webhook-id': `in-process-${i}`,
    },
  };
});

const turn = () => new Promise((resolve) => setImmediate(resolve));

/** A store at its bound: as many distinct deliveries remembered as it holds, under keys no measured delivery has. */
async function fullStore() {
  const store = createMemoryStore({ maxEntries: bound });
  for (let i = 0; i < bound; i++) {
    const claim = await store.claim(`genstore:prefill:${i}`, 60_000);
    if (claim.status !== 'claimed') throw new Error('bench: prefill claim refused');
    await store.commit(`genstore:prefill:${i}`, claim.token, 86_400_000);
  }
  return store;
}

async function receiverRound(): Promise<number> {
  const store = values.full ? await fullStore() : createMemoryStore({ maxEntries: count });
  const receiver = createReceiver({
    provider: genstore({ secret: GENSTORE_SECRET }),
    store,
    logger: silentLogger,
  });
  if (observeMode) observe(receiver, observeMode);
  let handled = 0;
  receiver.on(TOPIC, () => {
    handled++;
  });
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const answer = receiver.receive(deliveries[i] as (typeof deliveries)[number], { lowerCaseHeaders: true });
    if (answer instanceof Promise || answer.status !== 200) throw new Error('bench: a delivery was not acknowledged');
    // The server answers a few deliveries per turn; the handlers of a turn start on the next one.
    if (i % 32 === 31) await turn();
  }
  await turn();
  const elapsed = performance.now() - started;
  if (handled !== count) throw new Error(`bench: ${handled} of ${count} handlers ran`);
  return (elapsed * 1000) / count;
}

async function bareRound(): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const { body, headers } = deliveries[i] as (typeof deliveries)[number];
    const expected = createHmac('sha256', GENSTORE_SECRET).update(body).digest();
    const received = Buffer.from(headers['x-genstore-hmac-sha256'], 'base64');
    if (received.length !== expected.length || !timingSafeEqual(received, expected)) throw new Error('bad signature');
    JSON.parse(body.toString('utf8'));
    if (i % 32 === 31) await turn();
  }
  return ((performance.now() - started) * 1000) / count;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const kinds = values.only ? [values.only] : ['receiver', 'bare'];
const results: Record<string, number[]> = {};
/** CPU time of the process (GC threads included) per delivery: steadier than the wall clock on a shared machine. */
const cpuResults: Record<string, number[]> = {};
for (let r = 0; r < rounds; r++) {
  for (const kind of kinds) {
    const cpu = process.cpuUsage();
    const us = kind === 'bare' ? await bareRound() : await receiverRound();
    const used = process.cpuUsage(cpu);
    results[kind] = [...(results[kind] ?? []), us];
    cpuResults[kind] = [...(cpuResults[kind] ?? []), (used.user + used.system) / count];
  }
}
const list = (xs: number[]) => xs.map((x) => x.toFixed(2)).join(', ');
for (const kind of kinds) {
  const all = results[kind] as number[];
  const cpu = cpuResults[kind] as number[];
  console.log(
    `${kind.padEnd(8)} ${median(all).toFixed(2)} µs per delivery, ${median(cpu).toFixed(2)} CPU µs (medians of ${rounds}; rounds ${list(all)}; CPU ${list(cpu)})`,
  );
}
