import { describe, expect, it } from 'vitest';
import { InFlight } from './in-flight.js';
import { Monitor, silentLogger } from './monitor.js';
import type { AnyEvent } from './routes.js';

const event = (id: string) => ({ name: 'thing/created', id }) as AnyEvent;

const build = () => {
  const monitor = new Monitor({}, silentLogger);
  return { monitor, inFlight: new InFlight(monitor) };
};

describe('InFlight', () => {
  it('counts work from begin to end, in stats().inFlight', () => {
    const { monitor, inFlight } = build();
    const a = inFlight.begin(event('a'));
    const b = inFlight.begin(event('b'));
    expect(monitor.stats().inFlight).toBe(2);
    inFlight.end(a);
    expect(monitor.stats().inFlight).toBe(1);
    inFlight.end(b);
    expect(monitor.stats().inFlight).toBe(0);
  });

  it('ending the same work twice counts it once', () => {
    const { monitor, inFlight } = build();
    const a = inFlight.begin(event('a'));
    inFlight.begin(event('b'));
    inFlight.end(a);
    inFlight.end(a);
    expect(monitor.stats().inFlight).toBe(1);
  });

  it('an ended entry keeps no link to the others, so a dead entry cannot keep a live one from the collector', () => {
    const { inFlight } = build();
    const a = inFlight.begin(event('a'));
    const b = inFlight.begin(event('b'));
    const c = inFlight.begin(event('c'));
    for (const entry of [b, a, c]) {
      inFlight.end(entry);
      expect([entry.prev, entry.next]).toEqual([undefined, undefined]);
    }
  });

  it('close() past its timeout names what is left, oldest first, after ends at the head, middle and tail', async () => {
    const { inFlight } = build();
    const entries = ['1', '2', '3', '4', '5', '6'].map((id) => inFlight.begin(event(id)));
    inFlight.end(entries[0]!);
    inFlight.end(entries[2]!);
    inFlight.end(entries[5]!);
    const result = await inFlight.close(10);
    expect(result).toEqual({
      drained: false,
      pending: ['2', '4', '5'].map((id) => ({ name: 'thing/created', id })),
    });
    expect(inFlight.signal.aborted).toBe(true);
  });

  it('close() resolves drained once the last work ends, including tracked promises', async () => {
    const { inFlight } = build();
    const entry = inFlight.begin(event('a'));
    let finish!: () => void;
    inFlight.track(new Promise<void>((resolve) => (finish = resolve)), event('b'));
    const closing = inFlight.close(5_000);
    expect(inFlight.closing).toBe(true);
    inFlight.end(entry);
    finish();
    await expect(closing).resolves.toEqual({ drained: true, pending: [] });
  });

  it('work begun after the list emptied is counted again from the start', () => {
    const { monitor, inFlight } = build();
    inFlight.end(inFlight.begin(event('a')));
    const b = inFlight.begin(event('b'));
    expect(monitor.stats().inFlight).toBe(1);
    inFlight.end(b);
    expect(monitor.stats().inFlight).toBe(0);
  });
});
