import { setTimeout as sleep } from 'node:timers/promises';
import type { OutgoingDelivery } from './platforms/types.js';

/** How `simulate` plays a platform. */
export interface SimulationOptions {
  /** Builds one delivery; `unique` becomes its id, so that distinct deliveries have distinct bodies. */
  make(unique: string): OutgoingDelivery;
  count: number;
  /** First tries started per second. */
  rate: number;
  /** How many deliveries are sent a second time: even-numbered ones at once, beside the first copy; odd ones after it. */
  duplicates: number;
  /** The platform's waits between tries, before `timeScale`. */
  retryDelaysMs: readonly number[];
  /** A try with no answer within this is a failure. Not scaled: the endpoint's time is real. */
  timeoutMs: number;
  /** Multiplies every wait of the schedule, e.g. 0.001 to play 4 hours in 14 seconds. */
  timeScale: number;
}

/** One try of one copy of a delivery. */
export interface SimulatedTry {
  copy: number;
  try: number;
  /** The HTTP status, or `timeout` (no answer in time), or `error` (no connection, reset). */
  answer: number | 'timeout' | 'error';
  latencyMs: number;
}

/** What happened to one delivery. */
export interface SimulatedDelivery {
  id: string;
  acknowledged: boolean;
  tries: SimulatedTry[];
}

/** The whole report; `--json` prints it. */
export interface SimulationReport {
  deliveries: number;
  /** Deliveries that some copy had a 2xx answer for. */
  acknowledged: number;
  /** Retries sent in all (copies included): tries beyond each copy's first. */
  retried: number;
  /** Deliveries the platform would have dropped: every try of every copy failed. */
  givenUp: number;
  duplicatesSent: number;
  /** Over every 2xx answer; null when there was none. */
  ackMs: { p50: number | null; p99: number | null; max: number | null };
  /** How often each answer came, over every try: `"200"`, `"500"`, `"timeout"`, `"error"`. */
  answers: Record<string, number>;
  timeoutMs: number;
  /** The waits between tries as played, after `timeScale`. */
  retryDelaysMs: number[];
  elapsedMs: number;
  items: SimulatedDelivery[];
}

/**
 * Plays the platform against an endpoint: each delivery is tried, and retried on the platform's schedule after a
 * non-2xx answer or no answer in time, until it is acknowledged or the schedule runs out.
 */
export async function simulate(options: SimulationOptions): Promise<SimulationReport> {
  const started = performance.now();
  const delays = options.retryDelaysMs.map((ms) => ms * options.timeScale);
  const base = BigInt(Date.now()) * 1000n;
  const items = await Promise.all(
    Array.from({ length: options.count }, async (_, i): Promise<SimulatedDelivery> => {
      await sleep((i * 1000) / options.rate);
      // Numeric, as platform ids are, and new on every run, so a store that remembers an earlier run is not fooled.
      const id = String(base + BigInt(i));
      const delivery = options.make(id);
      const tries: SimulatedTry[] = [];
      const play = (copy: number) => playCopy(delivery, copy, delays, options.timeoutMs, tries);
      let acked: boolean[];
      if (i >= options.duplicates) acked = [await play(0)];
      else if (i % 2 === 0) acked = await Promise.all([play(0), play(1)]);
      else acked = [await play(0), await play(1)];
      return { id, acknowledged: acked.includes(true), tries };
    }),
  );
  return summarise(items, options, delays, performance.now() - started);
}

/** Tries one copy until a 2xx answer or the end of the schedule; true when it was acknowledged. */
async function playCopy(
  delivery: OutgoingDelivery,
  copy: number,
  delays: readonly number[],
  timeoutMs: number,
  tries: SimulatedTry[],
): Promise<boolean> {
  for (let n = 0; n <= delays.length; n++) {
    if (n > 0) await sleep(delays[n - 1]);
    const { answer, latencyMs } = await tryOnce(delivery, timeoutMs);
    tries.push({ copy, try: n + 1, answer, latencyMs });
    if (typeof answer === 'number' && answer >= 200 && answer < 300) return true;
  }
  return false;
}

async function tryOnce(delivery: OutgoingDelivery, timeoutMs: number): Promise<Omit<SimulatedTry, 'copy' | 'try'>> {
  const { method, url, headers, body } = delivery;
  const started = performance.now();
  try {
    // The whole answer counts, body included: a platform reads it before it records the try.
    const response = await fetch(url, { method, headers, body, signal: AbortSignal.timeout(timeoutMs) });
    await response.arrayBuffer();
    return { answer: response.status, latencyMs: performance.now() - started };
  } catch (error) {
    const timedOut = (error as Error).name === 'TimeoutError';
    return { answer: timedOut ? 'timeout' : 'error', latencyMs: performance.now() - started };
  }
}

function summarise(
  items: SimulatedDelivery[],
  options: SimulationOptions,
  delays: number[],
  elapsedMs: number,
): SimulationReport {
  const answers: Record<string, number> = {};
  const acks: number[] = [];
  let retried = 0;
  for (const { tries } of items) {
    for (const t of tries) {
      answers[String(t.answer)] = (answers[String(t.answer)] ?? 0) + 1;
      if (t.try > 1) retried++;
      if (typeof t.answer === 'number' && t.answer >= 200 && t.answer < 300) acks.push(t.latencyMs);
    }
  }
  acks.sort((a, b) => a - b);
  const acknowledged = items.filter((d) => d.acknowledged).length;
  return {
    deliveries: items.length,
    acknowledged,
    retried,
    givenUp: items.length - acknowledged,
    duplicatesSent: Math.min(options.duplicates, options.count),
    ackMs: { p50: percentile(acks, 0.5), p99: percentile(acks, 0.99), max: acks.at(-1) ?? null },
    answers,
    timeoutMs: options.timeoutMs,
    retryDelaysMs: delays,
    elapsedMs,
    items,
  };
}

/** Nearest-rank percentile of sorted values; a few lines, not worth a dependency. */
function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] as number;
}
