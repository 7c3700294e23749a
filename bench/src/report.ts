import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import type autocannon from 'autocannon';
import type { Row } from './rows.js';

export interface RowResult {
  row: Row;
  result?: autocannon.Result;
  /** Why the row has no result. */
  skipped?: string;
  /** The fixed rate the load was sent at, for a latency row. */
  offeredRate?: number;
  /** CPU time of the server process per answered request, in microseconds: steadier than req/s on a busy machine. */
  cpuMicrosPerRequest?: number | undefined;
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

const rps = (r: RowResult) => r.result?.requests.average;

function find(results: RowResult[], id: string): RowResult | undefined {
  return results.find((r) => r.row.id === id && r.result);
}

function ratio(results: RowResult[], id: string, baseline: string): number | undefined {
  const a = find(results, id);
  const b = find(results, baseline);
  const x = a && rps(a);
  const y = b && rps(b);
  return x !== undefined && y ? x / y : undefined;
}

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
  return results.map(({ row, result, skipped, offeredRate, cpuMicrosPerRequest }) => {
    if (!result) {
      const empty = { p50: '', p99: '', errors: '', non2xx: '', cpu: '', vs: '' };
      return { label: row.label, rps: `(${skipped ?? 'no result'})`, ...empty };
    }
    let vs: string;
    if (offeredRate) vs = `sent at ${offeredRate} req/s`;
    else if (row.baseline === row.id) vs = '1.00 (baseline)';
    else {
      const r = ratio(results, row.id, row.baseline);
      vs = r === undefined ? `(no ${row.baseline})` : `${r.toFixed(2)} × ${row.baseline}`;
    }
    return {
      label: row.label,
      rps: Math.round(result.requests.average).toLocaleString('en-US'),
      p50: String(result.latency.p50),
      p99: String(result.latency.p99),
      errors: String(result.errors + result.timeouts),
      non2xx: String(result.non2xx),
      cpu: cpuMicrosPerRequest === undefined ? '' : cpuMicrosPerRequest.toFixed(0),
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
    if (r !== undefined)
      checks.push({ text: `${id} ≥ ${min.toFixed(2)} × ${baseline}: ${r.toFixed(2)}`, met: r >= min });
  };
  atLeast('fastify-memory', 'fastify-bare', 0.9);
  atLeast('express-memory', 'express-bare', 1.0);
  atLeast('fastify-redis', 'fastify-memory', 0.7);
  atLeast('express-redis', 'express-memory', 0.7);
  atLeast('fastify-memory', 'octokit', 1.15);
  const ack = find(results, 'ack-1s')?.result;
  if (ack) {
    checks.push({ text: `ack-1s p99 < 10 ms with a 1 s handler: ${ack.latency.p99} ms`, met: ack.latency.p99 < 10 });
  }
  return checks;
}

/** The table as Markdown, with the machine and the options, for BENCHMARKS.md. */
export function renderMarkdown(
  results: RowResult[],
  checks: TargetCheck[],
  m: Machine,
  options: { duration: number; warmup: number; connections: number; rate: number; smoke: boolean },
): string {
  const rows = cells(results);
  const out = [
    `Machine: ${m.cpus} × ${m.cpuModel}, node ${m.node}, load average at start ${m.loadAverage}.`,
    `Options: ${options.duration} s per row after ${options.warmup} s warm-up, ${options.connections} connections` +
      `${options.smoke ? ' (smoke run)' : ''}.`,
    '',
    '| row | req/s | p50 ms | p99 ms | errors | non-2xx | CPU µs/req | ratio |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
    ...rows.map((c) => `| ${KEYS.map((k) => c[k]).join(' | ')} |`),
  ];
  if (checks.length > 0) {
    out.push('', 'Targets, from the ratios of this run:', '');
    for (const c of checks) out.push(`- ${c.met ? 'met' : '**missed**'}: ${c.text}`);
  }
  return `${out.join('\n')}\n`;
}
