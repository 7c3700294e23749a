import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { type Measured, percentile } from './load.js';
import type { Row } from './rows.js';

export interface RowResult {
  row: Row;
  /** Why the row has no result. */
  skipped?: string;
  /** Answered requests (2xx) per second of load. */
  rps?: number;
  p50?: number;
  p99?: number;
  ok?: number;
  non2xx?: number;
  errors?: number;
  /** The fixed rate the load was sent at, for a latency row. */
  offeredRate?: number;
  /** CPU time of the server process per answered request, in microseconds: steadier than req/s on a busy machine. */
  cpuMicrosPerRequest?: number | undefined;
  /** CPU time of the row's worker process per answered request, when the worker runs in a process of its own. */
  workerCpuMicrosPerRequest?: number;
  latencies?: number[];
  /** 2xx req/s of each round, in round order. */
  roundRps?: number[];
}

/** One row's rounds added up: rate over the whole load time, exact latency percentiles over every answer. */
export function summarise(row: Row, measured: Measured, cpuMicrosPerRequest: number | undefined): RowResult {
  const sorted = Float64Array.from(measured.latencies).sort();
  const values = Array.from(sorted);
  return {
    row,
    rps: measured.seconds > 0 ? measured.ok / measured.seconds : 0,
    p50: percentile(values, 0.5),
    p99: percentile(values, 0.99),
    ok: measured.ok,
    non2xx: measured.non2xx,
    errors: measured.errors,
    cpuMicrosPerRequest,
  };
}

export interface Machine {
  cpus: number;
  cpuModel: string;
  node: string;
  loadAverage: string;
  loadAverageOne: number;
}

export interface TargetCheck {
  text: string;
  met: boolean;
  /** A figure printed beside the targets with no target of its own. */
  info?: boolean;
  /** The ratio round by round, when the run had rounds: how steady the result was. */
  rounds?: string;
}

/** What the numbers were measured on: they mean nothing without it. */
export function machine(): Machine {
  let cpuModel = cpus()[0]?.model ?? 'unknown CPU';
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('model name'));
    if (line) cpuModel = line.slice(line.indexOf(':') + 1).trim();
  } catch {
    // Not Linux: os.cpus() has the model too.
  }
  const load = loadavg();
  return {
    cpus: cpus().length,
    cpuModel,
    node: process.version,
    loadAverage: load.map((l) => l.toFixed(2)).join(' '),
    loadAverageOne: load[0] ?? 0,
  };
}

function find(results: RowResult[], id: string): RowResult | undefined {
  return results.find((r) => r.row.id === id && r.rps !== undefined);
}

function ratio(results: RowResult[], id: string, baseline: string): number | undefined {
  const x = find(results, id)?.rps;
  const y = find(results, baseline)?.rps;
  return x !== undefined && y ? x / y : undefined;
}

const ms = (value: number | undefined) =>
  value === undefined || Number.isNaN(value) ? '' : value < 10 ? value.toFixed(2) : value.toFixed(1);

interface Cell {
  label: string;
  rps: string;
  p50: string;
  p99: string;
  errors: string;
  non2xx: string;
  cpu: string;
  vs: string;
}

function cells(results: RowResult[]): Cell[] {
  return results.map((r) => {
    const { row } = r;
    if (r.rps === undefined) {
      const empty = { p50: '', p99: '', errors: '', non2xx: '', cpu: '', vs: '' };
      return { label: row.label, rps: `(${r.skipped ?? 'no result'})`, ...empty };
    }
    let vs: string;
    if (r.offeredRate) vs = `sent at ${r.offeredRate} req/s, evenly paced`;
    else if (row.baseline === row.id) vs = '1.00 (baseline)';
    else {
      const x = ratio(results, row.id, row.baseline);
      vs = x === undefined ? `(no ${row.baseline})` : `${x.toFixed(2)} × ${row.baseline}`;
    }
    return {
      label: row.label,
      rps: Math.round(r.rps).toLocaleString('en-US'),
      p50: ms(r.p50),
      p99: ms(r.p99),
      errors: String(r.errors ?? 0),
      non2xx: String(r.non2xx ?? 0),
      cpu:
        r.cpuMicrosPerRequest === undefined
          ? ''
          : r.workerCpuMicrosPerRequest === undefined
            ? r.cpuMicrosPerRequest.toFixed(0)
            : `${r.cpuMicrosPerRequest.toFixed(0)} + ${r.workerCpuMicrosPerRequest.toFixed(0)} worker`,
      vs,
    };
  });
}

const HEAD: Cell = {
  label: 'row',
  rps: 'req/s',
  p50: 'p50 ms',
  p99: 'p99 ms',
  errors: 'errors',
  non2xx: 'non-2xx',
  cpu: 'CPU µs/req',
  vs: 'ratio',
};
const KEYS = Object.keys(HEAD) as (keyof Cell)[];

/** A plain-text table for the terminal. */
export function renderTable(results: RowResult[]): string {
  const all = [HEAD, ...cells(results)];
  const widths = KEYS.map((k) => Math.max(...all.map((c) => c[k].length)));
  const line = (c: Cell) =>
    KEYS.map((k, i) => (k === 'label' || k === 'vs' ? c[k].padEnd(widths[i] ?? 0) : c[k].padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(HEAD), widths.map((w) => '-'.repeat(w)).join('  '), ...all.slice(1).map(line)].join('\n');
}

/** The speed targets, for the rows this run has. */
export function targets(results: RowResult[]): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const atLeast = (id: string, baseline: string, min: number) => {
    const r = ratio(results, id, baseline);
    if (r !== undefined) {
      const check: TargetCheck = { text: `${id} ≥ ${min.toFixed(2)} × ${baseline}: ${r.toFixed(2)}`, met: r >= min };
      const rounds = roundRatios(results, id, baseline);
      if (rounds) check.rounds = rounds;
      checks.push(check);
    }
  };
  atLeast('fastify-memory', 'fastify-bare', 0.9);
  atLeast('express-memory', 'express-bare', 1.0);
  atLeast('fastify-redis', 'fastify-memory', 0.7);
  atLeast('express-redis', 'express-memory', 0.7);
  atLeast('fastify-memory', 'octokit', 1.15);
  // Traces and metrics on cost at most 3 % (issue 20): hookinbox's observers on against off, with the app's
  // OpenTelemetry SDK registered in both (what the SDK costs by itself an app pays with or without hookinbox's spans;
  // BENCHMARKS.md gives the reasoning). The whole cost, the SDK's included, is printed beside it, with no target.
  atLeast('fastify-observed', 'fastify-sdk', 0.97);
  const whole = ratio(results, 'fastify-observed', 'fastify-memory');
  if (whole !== undefined) {
    const check: TargetCheck = {
      text: `fastify-observed against fastify-memory (the SDK's own cost included; no target): ${whole.toFixed(2)}`,
      met: true,
      info: true,
    };
    const rounds = roundRatios(results, 'fastify-observed', 'fastify-memory');
    if (rounds) check.rounds = rounds;
    checks.push(check);
  }
  // Durable queues (issues 17 and 18): the 200 waits for the job.
  atLeast('fastify-bullmq', 'fastify-memory', 0.5);
  atLeast('fastify-pg-boss', 'fastify-memory', 0.25);
  const ackBullmq = find(results, 'ack-bullmq');
  if (ackBullmq?.p99 !== undefined) {
    const at = ackBullmq.offeredRate === undefined ? '' : ` at ${ackBullmq.offeredRate.toLocaleString('en-US')}/s`;
    checks.push({ text: `ack-bullmq p99 < 20 ms${at}: ${ms(ackBullmq.p99)} ms`, met: ackBullmq.p99 < 20 });
  }
  const ack = find(results, 'ack-1s');
  if (ack?.p99 !== undefined) {
    checks.push({ text: `ack-1s p99 < 10 ms with a 1 s handler: ${ms(ack.p99)} ms`, met: ack.p99 < 10 });
  }
  return checks;
}

/**
 * The same ratio round by round (each row's rate in a round over its baseline's in the same round), with their
 * median: it shows how much of a result a disturbance of the machine during one round decided. The target is still
 * judged on the whole run.
 */
function roundRatios(results: RowResult[], id: string, baseline: string): string | undefined {
  const a = find(results, id)?.roundRps;
  const b = find(results, baseline)?.roundRps;
  if (!a || !b || a.length < 2 || a.length !== b.length) return undefined;
  const each = a.map((rps, i) => rps / (b[i] as number)).filter(Number.isFinite);
  if (each.length === 0) return undefined;
  const sorted = [...each].sort((x, y) => x - y);
  const mid = sorted.length / 2;
  const median =
    sorted.length % 2 === 1
      ? (sorted[Math.floor(mid)] as number)
      : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return `round by round: ${each.map((x) => x.toFixed(2)).join(', ')} (median ${median.toFixed(2)})`;
}

/** The table as Markdown, with the machine and the options, for BENCHMARKS.md. */
export function renderMarkdown(
  results: RowResult[],
  checks: TargetCheck[],
  m: Machine,
  options: { duration: number; rounds: number; warmup: number; connections: number; rate: number; smoke: boolean },
): string {
  const rows = cells(results);
  const out = [
    `Machine: ${m.cpus} × ${m.cpuModel}, node ${m.node}, load average at start ${m.loadAverage}.`,
    `Options: ${options.duration} s per row in ${options.rounds} round(s) after ${options.warmup} s warm-up, ` +
      `${options.connections} connections${options.smoke ? ' (smoke run)' : ''}.`,
    '',
    '| row | req/s | p50 ms | p99 ms | errors | non-2xx | CPU µs/req | ratio |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
    ...rows.map((c) => `| ${KEYS.map((k) => c[k]).join(' | ')} |`),
  ];
  if (checks.length > 0) {
    out.push('', 'Targets, from the ratios of this run:', '');
    for (const c of checks) {
      const verdict = c.info ? 'for reference' : c.met ? 'met' : '**missed**';
      out.push(`- ${verdict}: ${c.text}${c.rounds ? `; ${c.rounds}` : ''}`);
    }
  }
  return `${out.join('\n')}\n`;
}
