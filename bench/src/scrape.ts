/**
 * Prometheus' text format, as much of it as the traffic picture reads: the samples of hookinbox's counters and of
 * its acknowledgement latency histogram, summed over their labels.
 */
export interface Scrape {
  /** Seconds since the run started. */
  at: number;
  deliveries: number;
  ackCount: number;
  ackSum: number;
  /** Cumulative count below each bucket's upper bound (`le`), in seconds, `+Inf` last. */
  ackBuckets: [number, number][];
}

export function parseScrape(text: string, at: number): Scrape {
  const out: Scrape = { at, deliveries: 0, ackCount: 0, ackSum: 0, ackBuckets: [] };
  const buckets = new Map<number, number>();
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const [, name, labels = '', raw] = m;
    const value = Number(raw);
    if (name === 'hookinbox_deliveries_total') out.deliveries += value;
    else if (name === 'hookinbox_ack_latency_seconds_count') out.ackCount += value;
    else if (name === 'hookinbox_ack_latency_seconds_sum') out.ackSum += value;
    else if (name === 'hookinbox_ack_latency_seconds_bucket') {
      const le = /le="([^"]+)"/.exec(labels)?.[1];
      const bound = le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le);
      buckets.set(bound, (buckets.get(bound) ?? 0) + value);
    }
  }
  out.ackBuckets = [...buckets].sort((a, b) => a[0] - b[0]);
  return out;
}

/** One interval between two scrapes: throughput and acknowledgement latency (mean, and p99 from the buckets). */
export interface Interval {
  /** End of the interval, seconds since the start. */
  at: number;
  perSecond: number;
  meanMs: number;
  p99Ms: number;
}

export function interval(a: Scrape, b: Scrape): Interval {
  const seconds = b.at - a.at;
  const count = b.ackCount - a.ackCount;
  const deltas = b.ackBuckets.map(([le, n], i) => [le, n - (a.ackBuckets[i]?.[1] ?? 0)] as [number, number]);
  return {
    at: b.at,
    perSecond: (b.deliveries - a.deliveries) / seconds,
    meanMs: count > 0 ? ((b.ackSum - a.ackSum) / count) * 1_000 : Number.NaN,
    p99Ms: quantile(0.99, deltas, count) * 1_000,
  };
}

/**
 * The q-quantile of a histogram interval, interpolated linearly inside its bucket: what PromQL's
 * `histogram_quantile` computes, so the picture reads as a dashboard would.
 */
export function quantile(q: number, cumulative: [number, number][], total: number): number {
  if (total <= 0) return Number.NaN;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const [le, n] of cumulative) {
    if (n >= rank) {
      if (le === Number.POSITIVE_INFINITY) return lower;
      return lower + (le - lower) * ((rank - below) / Math.max(1, n - below));
    }
    lower = le;
    below = n;
  }
  return lower;
}
