/**
 * Writes N remembered deliveries straight into Redis, in the layout the Redis store's commit leaves them in, instead
 * of a claim and a commit each: ten million deliveries through the store would take most of an hour on a small
 * machine. `redis-memory.ts` checks the result against the store itself: a sample must read done, and at a small size
 * the store's own writes must cost the same memory.
 *
 * The commands go through `redis-cli --pipe`, Redis's own tool for mass insertion, which takes them in the Redis
 * protocol: an ioredis pipeline costs some 20 µs of JavaScript a command on a small machine, the encoding below one.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createLayout } from '../../packages/redis/src/layout.js';
import { EPOCH_SECONDS } from '../../packages/redis/src/scripts.js';

export type LayoutName = 'keys' | 'compact';

/** How many deliveries are remembered, and for how long at most. */
export interface Population {
  count: number;
  ttlMs: number;
  /** Distinguishes the deliveries of one run from any other's. */
  seed: number;
}

export function newPopulation(count: number, ttlMs: number): Population {
  return { count, ttlMs, seed: randomBytes(4).readInt32LE(0) };
}

/**
 * The n-th delivery's dedupe key: Genstore's, with a random-looking UUID-shaped webhook id (36 characters), as
 * Genstore's ids are. A counter would not do: Cluster slots, which pick a delivery's shard, are a CRC of the key,
 * and keys that differ in a few hex digits do not spread over them evenly. Mixed from n by integer hashing, not a
 * digest: at ten million keys a digest a key would take longer than the writing.
 */
export function deliveryKey(population: Population, n: number): string {
  const base = population.seed ^ Math.imul(n + 1, 0x9e3779b1);
  const [a, b, c, d] = [hex(mix(base)), hex(mix(base ^ 0x85ebca6b)), hex(mix(base ^ 0x1b873593)), hex(mix(~base))];
  return `genstore:webhook:${a}-${b.slice(0, 4)}-${b.slice(4)}-${c.slice(0, 4)}-${c.slice(4)}${d}`;
}

const hex = (word: number) => (word >>> 0).toString(16).padStart(8, '0');

/** MurmurHash3's 32-bit finaliser: every input bit moves about half the output bits. */
function mix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/**
 * What is left of the n-th delivery's ttl: the deliveries came in evenly over the last `ttlMs`, as in a steady state,
 * so what is left spreads evenly up to all of it. From an hour up: none of them may expire while the run measures.
 */
export function ttlLeft(population: Population, n: number): number {
  const floor = Math.min(3_600_000, population.ttlMs / 2);
  return Math.ceil(floor + ((population.ttlMs - floor) * (n + 1)) / population.count);
}

/** Writes every delivery of the population through `redis-cli -u <url> --pipe`; resolves to the seconds it took. */
export async function writeLayout(url: string, keyPrefix: string, layout: LayoutName, population: Population) {
  const started = performance.now();
  const pipe = new MassInsert(url);
  if (layout === 'keys') await writeKeys(pipe, keyPrefix, population);
  else await writeCompact(pipe, keyPrefix, population);
  await pipe.end();
  return (performance.now() - started) / 1000;
}

// What the 'keys' commit (and the store before the compact layout) leaves: the claim key, holding "1", with the ttl.
async function writeKeys(pipe: MassInsert, keyPrefix: string, population: Population): Promise<void> {
  const { claimKeyOf } = createLayout(keyPrefix);
  for (let n = 0; n < population.count; n++) {
    await pipe.send('SET', claimKeyOf(deliveryKey(population, n)), '1', 'PX', String(ttlLeft(population, n)));
  }
}

// What the compact commit leaves: the digest in its shard, mapped to the second its ttl ends (from EPOCH_SECONDS);
// the shard expires at the latest of those seconds.
async function writeCompact(pipe: MassInsert, keyPrefix: string, population: Population): Promise<void> {
  const layout = createLayout(keyPrefix);
  const now = Date.now();
  const latest = new Map<string, number>();
  for (let n = 0; n < population.count; n++) {
    const { shard, digest } = layout.locate(deliveryKey(population, n));
    const ends = Math.ceil((now + ttlLeft(population, n)) / 1000) - EPOCH_SECONDS;
    await pipe.send('HSET', shard, digest, String(ends));
    if ((latest.get(shard) ?? 0) < ends) latest.set(shard, ends);
  }
  for (const [shard, ends] of latest) {
    await pipe.send('PEXPIREAT', shard, String((ends + EPOCH_SECONDS) * 1000));
  }
}

const CHUNK = 1 << 20;

/** Commands encoded in the Redis protocol into 1 MB chunks, written to `redis-cli --pipe` as its input allows. */
class MassInsert {
  private readonly child;
  private readonly output: Promise<string>;
  private chunk = Buffer.allocUnsafe(CHUNK);
  private used = 0;

  constructor(url: string) {
    this.child = spawn('redis-cli', ['-u', url, '--pipe'], { stdio: ['pipe', 'pipe', 'inherit'] });
    this.output = new Promise((resolve, reject) => {
      let text = '';
      this.child.stdout.on('data', (data: Buffer) => {
        text += data.toString('utf8');
      });
      this.child.once('error', reject);
      this.child.once('close', () => resolve(text));
    });
  }

  async send(...args: (string | Buffer)[]): Promise<void> {
    // An argument is at most a few dozen bytes here, so a command always fits in what a chunk has left after a flush.
    if (this.used + 512 > CHUNK) await this.flush();
    this.ascii(`*${args.length}\r\n`);
    for (const arg of args) {
      const bytes = typeof arg === 'string' ? Buffer.byteLength(arg) : arg.length;
      this.ascii(`$${bytes}\r\n`);
      if (typeof arg === 'string') this.used += this.chunk.write(arg, this.used);
      else this.used += arg.copy(this.chunk, this.used);
      this.ascii('\r\n');
    }
  }

  /** Ends the input and resolves once every reply came back; rejects when one was an error. */
  async end(): Promise<void> {
    await this.flush();
    this.child.stdin.end();
    const output = await this.output;
    const errors = Number(/errors: (\d+)/.exec(output)?.[1]);
    if (this.child.exitCode !== 0 || errors !== 0) throw new Error(`redis-cli --pipe failed: ${output.trim()}`);
  }

  private ascii(text: string): void {
    this.used += this.chunk.write(text, this.used, 'latin1');
  }

  private async flush(): Promise<void> {
    if (this.used === 0) return;
    const full = this.chunk.subarray(0, this.used);
    this.chunk = Buffer.allocUnsafe(CHUNK);
    this.used = 0;
    if (!this.child.stdin.write(full)) await once(this.child.stdin, 'drain');
  }
}
