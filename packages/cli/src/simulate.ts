import { str, wantsHelp } from './args.js';
import { CliUsageError } from './errors.js';
import { SIMULATE_HELP } from './help.js';
import type { CliIo } from './io.js';
import type { Values } from './platforms/types.js';
import { readDeliveries } from './send.js';
import { type SimulationReport, simulate } from './simulation.js';

/** `hookinbox simulate` */
export async function simulateCommand(args: string[], io: CliIo): Promise<number> {
  if (wantsHelp(args)) {
    io.stdout.write(SIMULATE_HELP);
    return 0;
  }
  const command = 'simulate';
  const { values, platform, source } = await readDeliveries(args, io, command, {
    count: { type: 'string' },
    rate: { type: 'string' },
    duplicates: { type: 'string' },
    'time-scale': { type: 'string' },
    timeout: { type: 'string' },
    json: { type: 'boolean' },
  });
  const count = readNumber(values, 'count', 10, { min: 1, max: 100_000, integer: true });
  const options = {
    make: source.make,
    count,
    rate: readNumber(values, 'rate', 50, { min: 0.001, max: 10_000 }),
    duplicates: readNumber(values, 'duplicates', 0, { min: 0, max: count, integer: true }),
    retryDelaysMs: source.retryDelaysMs,
    timeoutMs: readNumber(values, 'timeout', source.timeoutMs, { min: 1, max: 600_000, integer: true }),
    timeScale: readNumber(values, 'time-scale', 1, { min: 0, max: 1_000 }),
  };
  const url = new URL(source.make('0').url);
  if (!values.json) {
    io.stdout.write(
      `Playing ${platform.name}: ${count} deliveries of ${source.label} to ${url.origin}${url.pathname} at ${options.rate}/s\n` +
        `Timeout ${options.timeoutMs} ms; ${source.retryDelaysMs.length} retries after ${schedule(source.retryDelaysMs, options.timeScale)}\n`,
    );
  }
  const report = await simulate(options);
  if (values.json) io.stdout.write(`${JSON.stringify({ platform: platform.name, ...report }, null, 2)}\n`);
  else io.stdout.write(formatReport(report));
  return report.givenUp === 0 ? 0 : 1;
}

/** The text report; its last line is the one-line summary scripts read. */
export function formatReport(report: SimulationReport): string {
  const lines: string[] = [];
  const answers = Object.entries(report.answers).map(([answer, n]) => `${answer} ×${n}`);
  lines.push(`Answers: ${answers.join(', ') || 'none'}`);
  if (report.duplicatesSent > 0) lines.push(`Duplicates: ${report.duplicatesSent} deliveries sent twice`);
  const dropped = report.items.filter((d) => !d.acknowledged);
  for (const d of dropped.slice(0, 10)) {
    lines.push(`Given up: delivery ${d.id} after ${d.tries.length} tries (${d.tries.map((t) => t.answer).join(', ')})`);
  }
  if (dropped.length > 10) lines.push(`… and ${dropped.length - 10} more given up`);
  lines.push(`Took ${(report.elapsedMs / 1000).toFixed(1)} s`);
  const ms = (v: number | null) => (v === null ? '-' : String(Math.round(v)));
  lines.push(
    `deliveries ${report.deliveries}, acknowledged ${report.acknowledged}, retried ${report.retried}, ` +
      `given up ${report.givenUp}, ack p50 ${ms(report.ackMs.p50)} ms, p99 ${ms(report.ackMs.p99)} ms`,
  );
  return `${lines.join('\n')}\n`;
}

function schedule(delays: readonly number[], scale: number): string {
  if (delays.length === 0) return 'none (the webhook does not retry)';
  const text = (ms: number) => (ms >= 60_000 ? `${(ms / 60_000).toFixed(1)} min` : `${Math.round(ms)} ms`);
  const played = scale === 1 ? '' : ` (× ${scale}: ${delays.map((d) => text(d * scale)).join(', ')})`;
  return `${delays.map(text).join(', ')}${played}`;
}

function readNumber(
  values: Values,
  key: string,
  fallback: number,
  range: { min: number; max: number; integer?: boolean },
): number {
  const text = str(values, key);
  if (text === undefined) return fallback;
  const n = Number(text);
  if (
    text.trim() === '' ||
    !Number.isFinite(n) ||
    n < range.min ||
    n > range.max ||
    (range.integer && !Number.isInteger(n))
  ) {
    const kind = range.integer ? 'a whole number' : 'a number';
    throw new CliUsageError(
      `hookinbox simulate: --${key} must be ${kind} from ${range.min} to ${range.max}, got ${text}`,
    );
  }
  return n;
}
