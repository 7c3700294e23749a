import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { children } from './children.js';

/** A histogram's series by name and labels: `h_count{provider=p,event=e}`. */
async function series(metric: Histogram<string>) {
  const out: Record<string, number> = {};
  for (const v of (await metric.get()).values) {
    const name = (v as { metricName?: string }).metricName;
    const labels = Object.entries(v.labels)
      .map(([k, l]) => `${k}=${l}`)
      .join(',');
    out[`${name}{${labels}}`] = v.value;
  }
  return out;
}

describe('children', () => {
  it('keeps one child per label set and counts each set apart', async () => {
    const counter = new Counter({ name: 'c', help: 'c', labelNames: ['a', 'b', 'c'], registers: [new Registry()] });
    let made = 0;
    const child = children((a, b, c) => {
      made++;
      return counter.labels(a, b, c);
    });
    for (let i = 0; i < 3; i++) {
      child('p', 'x', 'ok').inc();
      child('p', 'y', 'ok').inc();
      child('q', 'x', 'failed').inc();
    }
    child('p', 'x', 'ok').inc();
    expect(made).toBe(3);
    expect(child('p', 'x', 'ok')).toBe(child('p', 'x', 'ok'));
    const values = (await counter.get()).values.map((v) => [v.labels, v.value]);
    expect(values).toEqual([
      [{ a: 'p', b: 'x', c: 'ok' }, 4],
      [{ a: 'p', b: 'y', c: 'ok' }, 3],
      [{ a: 'q', b: 'x', c: 'failed' }, 3],
    ]);
  });

  it('tells apart label values that would join to the same text', () => {
    const kept = children((a, b, c) => ({ a, b, c }));
    expect(kept('ab', 'c', 'd')).not.toBe(kept('a', 'bc', 'd'));
    expect(kept('a', 'b', 'cd')).not.toBe(kept('a', 'bc', 'd'));
    expect(kept('ab', 'c')).not.toBe(kept('a', 'bc'));
    expect(kept('a', '', 'b')).toEqual({ a: 'a', b: '', c: 'b' });
  });

  it('empties itself when full, and the values survive: they live in the metric, not the child', async () => {
    const histogram = new Histogram({
      name: 'h',
      help: 'h',
      labelNames: ['provider', 'event'],
      buckets: [1, 10],
      registers: [new Registry()],
    });
    let made = 0;
    const child = children((provider, event) => {
      made++;
      return histogram.labels(provider, event);
    }, 2);
    child('p', 'e1').observe(0.5);
    child('p', 'e2').observe(5);
    child('p', 'e3').observe(50); // full: the first two are dropped
    child('p', 'e1').observe(0.5); // made again
    expect(made).toBe(4);
    const got = await series(histogram);
    expect(got['h_count{provider=p,event=e1}']).toBe(2);
    expect(got['h_sum{provider=p,event=e1}']).toBe(1);
    expect(got['h_count{provider=p,event=e2}']).toBe(1);
    expect(got['h_bucket{le=10,provider=p,event=e2}']).toBe(1);
    expect(got['h_bucket{le=10,provider=p,event=e3}']).toBe(0);
    expect(got['h_count{provider=p,event=e3}']).toBe(1);
  });
});
