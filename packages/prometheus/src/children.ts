/**
 * How many labelled children one metric keeps. The labels are few by design (provider × event name × outcome), so a
 * receiver reaches a few dozen; the bound is for a provider whose event names are not a closed list.
 */
export const MAX_CHILDREN = 1_024;

/**
 * A metric's labelled children (`metric.labels(...)`), kept by their label values. prom-client builds a labels
 * object and checks its names on every `inc(labels)` or `observe(labels, v)` and on every `labels(...)` call; a kept
 * child skips that part (prom-client still hashes the labels inside each observation). A child holds no value of
 * its own (prom-client keeps the values in the metric), so the cache is simply emptied when full: nothing is lost.
 */
export function children<C>(make: (...values: string[]) => C, max = MAX_CHILDREN) {
  const kept = new Map<string, C>();
  return (a: string, b?: string, c?: string): C => {
    // The lengths make the key unambiguous whatever the values hold.
    const key = b === undefined ? a : c === undefined ? `${a.length}:${a}${b}` : `${a.length}:${b.length}:${a}${b}${c}`;
    let child = kept.get(key);
    if (child === undefined) {
      if (kept.size >= max) kept.clear();
      child = b === undefined ? make(a) : c === undefined ? make(a, b) : make(a, b, c);
      kept.set(key, child);
    }
    return child;
  };
}
