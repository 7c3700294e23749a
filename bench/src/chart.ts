import type { Interval } from './scrape.js';

/** Where the load changed, drawn as a labelled band. */
export interface Phase {
  from: number;
  to: number;
  label: string;
}

const W = 1000;
const PANEL_H = 260;
const LEFT = 70;
const RIGHT = 20;
const TOP = 50;
const GAP = 60;

/**
 * Two panels over the run's seconds, drawn as SVG: throughput (deliveries answered per second) above, and
 * acknowledgement latency (mean and p99, milliseconds, log scale) below, with the load's phases shaded.
 */
// Builds one SVG document, part after part, over shared scales: longer than a usual function for that reason.
export function renderChart(points: Interval[], phases: Phase[], title: string, note: string): string {
  const end = Math.max(...points.map((p) => p.at), ...phases.map((p) => p.to));
  const x = (t: number) => LEFT + ((W - LEFT - RIGHT) * t) / end;
  const parts: string[] = [];
  const text = (px: number, py: number, s: string, extra = '') =>
    parts.push(`<text x="${px.toFixed(1)}" y="${py.toFixed(1)}" ${extra}>${escapeXml(s)}</text>`);

  const panel = (
    top: number,
    label: string,
    series: { values: number[]; color: string; name: string }[],
    log: boolean,
  ) => {
    const all = series.flatMap((s) => s.values).filter((v) => Number.isFinite(v) && v > 0);
    const max = niceMax(Math.max(...all, 1e-3));
    const min = log ? Math.max(1e-3, 10 ** Math.floor(Math.log10(Math.min(...all, max)))) : 0;
    const y = (v: number) => {
      const f = log ? (Math.log10(v) - Math.log10(min)) / (Math.log10(max) - Math.log10(min)) : v / max;
      return top + PANEL_H - PANEL_H * Math.min(1, Math.max(0, f));
    };
    for (const [i, p] of phases.entries()) {
      const shade = i % 2 === 0 ? '#f3f4f6' : '#ffffff';
      parts.push(
        `<rect x="${x(p.from)}" y="${top}" width="${x(p.to) - x(p.from)}" height="${PANEL_H}" fill="${shade}"/>`,
      );
      if (top === TOP)
        text((x(p.from) + x(p.to)) / 2, top + 16, p.label, 'text-anchor="middle" font-size="12" fill="#6b7280"');
    }
    const ticks = log ? logTicks(min, max) : [0, max / 4, max / 2, (3 * max) / 4, max];
    for (const t of ticks) {
      parts.push(`<line x1="${LEFT}" x2="${W - RIGHT}" y1="${y(t)}" y2="${y(t)}" stroke="#e5e7eb"/>`);
      text(LEFT - 6, y(t) + 4, fmt(t), 'text-anchor="end" font-size="11" fill="#374151"');
    }
    parts.push(
      `<rect x="${LEFT}" y="${top}" width="${W - LEFT - RIGHT}" height="${PANEL_H}" fill="none" stroke="#9ca3af"/>`,
    );
    text(LEFT, top - 8, label, 'font-size="13" font-weight="bold" fill="#111827"');
    for (const [i, s] of series.entries()) {
      const d = points
        .map((p, j) => [p.at, s.values[j] as number] as const)
        .filter(([, v]) => Number.isFinite(v) && (!log || v > 0))
        .map(([t, v], j) => `${j === 0 ? 'M' : 'L'}${x(t).toFixed(1)},${y(v).toFixed(1)}`)
        .join(' ');
      parts.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"/>`);
      const lx = W - RIGHT - 150 + i * 75;
      parts.push(
        `<line x1="${lx}" x2="${lx + 18}" y1="${top - 12}" y2="${top - 12}" stroke="${s.color}" stroke-width="3"/>`,
      );
      text(lx + 22, top - 8, s.name, 'font-size="12" fill="#111827"');
    }
  };

  panel(
    TOP,
    'Throughput: deliveries answered per second',
    [{ values: points.map((p) => p.perSecond), color: '#2563eb', name: 'per s' }],
    false,
  );
  const top2 = TOP + PANEL_H + GAP;
  panel(
    top2,
    'Acknowledgement latency, ms (log scale, from the histogram)',
    [
      { values: points.map((p) => p.meanMs), color: '#059669', name: 'mean' },
      { values: points.map((p) => p.p99Ms), color: '#dc2626', name: 'p99' },
    ],
    true,
  );
  const bottom = top2 + PANEL_H;
  for (let t = 0; t <= end; t += end > 60 ? 10 : 5) {
    text(x(t), bottom + 16, `${t} s`, 'text-anchor="middle" font-size="11" fill="#374151"');
  }
  // Two lines at most: the note is a sentence or two about the run.
  const cut = note.length > 150 ? note.lastIndexOf(' ', 150) : note.length;
  text(LEFT, bottom + 40, note.slice(0, cut), 'font-size="11" fill="#6b7280"');
  if (cut < note.length) text(LEFT, bottom + 55, note.slice(cut + 1), 'font-size="11" fill="#6b7280"');
  const H = bottom + 70;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="DejaVu Sans, Arial, sans-serif">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect width="${W}" height="${H}" fill="#ffffff"/>`,
    `<text x="${LEFT}" y="24" font-size="16" font-weight="bold" fill="#111827">${escapeXml(title)}</text>`,
    ...parts,
    '</svg>',
  ].join('\n');
}

function niceMax(v: number): number {
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function logTicks(min: number, max: number): number[] {
  const out: number[] = [];
  for (let v = min; v <= max * 1.0001; v *= 10) out.push(v);
  return out;
}

function fmt(v: number): string {
  if (v >= 1000) return `${(v / 1000).toFixed(v % 1000 === 0 ? 0 : 1)}k`;
  if (v >= 1) return String(Math.round(v * 10) / 10);
  return String(Number(v.toPrecision(2)));
}

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
