/**
 * Memory of the in-process dedupe store: remembers `--keys` distinct 45-character keys (default 1,000,000) through
 * claim + commit, forces garbage collection, and prints how much the resident set grew.
 *
 *   pnpm bench:memory [--keys 1000000] [--max-mb 256]
 *
 * Needs `node --expose-gc` (the script passes it). Exits 1 when the growth is over `--max-mb`.
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { createMemoryStore } from '@hookinbox/core';

const { values } = parseArgs({
  options: {
    keys: { type: 'string', default: '1000000' },
    'max-mb': { type: 'string', default: '256' },
  },
});
const count = Number(values.keys);
const maxMb = Number(values['max-mb']);

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) {
  console.error('bench:memory: run with node --expose-gc (pnpm bench:memory does)');
  process.exit(2);
}

const settle = async () => {
  // Two passes and a turn of the event loop, so that weak and finalised objects are really gone.
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
};

const MB = 1024 * 1024;
const DAY = 24 * 3_600_000;

await settle();
const before = process.memoryUsage();
const store = createMemoryStore({ maxEntries: count });
const started = performance.now();
let committed = 0;
for (let i = 0; i < count; i++) {
  // `genstore:` + a UUID: 45 characters, distinct, and shaped like a real delivery id.
  const key = `genstore:${randomUUID()}`;
  const claim = await store.claim(key, 60_000);
  if (claim.status !== 'claimed') throw new Error(`bench:memory: key ${i} was not new (${claim.status})`);
  if (await store.commit(key, claim.token, 7 * DAY)) committed++;
}
const seconds = (performance.now() - started) / 1000;
await settle();
const after = process.memoryUsage();

// The store must still be reachable here, or the collector would have freed it before the measurement.
const probe = await store.claim(`genstore:${randomUUID()}`, 1_000);
const rssMb = (after.rss - before.rss) / MB;
const heapMb = (after.heapUsed - before.heapUsed) / MB;
const buffersMb = (after.arrayBuffers - before.arrayBuffers) / MB;
console.log(
  `memory store: ${committed.toLocaleString('en-US')} keys of 45 characters remembered in ${seconds.toFixed(1)} s ` +
    `(${Math.round((2 * count) / seconds).toLocaleString('en-US')} claim+commit ops/s); probe ${probe.status}`,
);
console.log(
  `RSS growth ${rssMb.toFixed(1)} MB (JS heap ${heapMb.toFixed(1)} MB, array buffers ${buffersMb.toFixed(1)} MB); ` +
    `${((after.rss - before.rss) / count).toFixed(0)} bytes per key; target < ${maxMb} MB`,
);
if (committed !== count) {
  console.error(`bench:memory: only ${committed} of ${count} commits succeeded`);
  process.exit(1);
}
if (rssMb >= maxMb) {
  console.error(`bench:memory: RSS grew ${rssMb.toFixed(1)} MB, over the ${maxMb} MB target`);
  process.exit(1);
}
