import { afterEach, describe, expect, it, vi } from 'vitest';
import { createCleanup } from './cleanup.js';

afterEach(() => {
  vi.useRealTimers();
});

/** A batch that deletes from `rows` expired rows, at most `size` a call. */
function fakeBatches(rows: number, size: number) {
  let left = rows;
  const calls: number[] = [];
  const batch = vi.fn(async () => {
    const deleted = Math.min(size, left);
    left -= deleted;
    calls.push(deleted);
    return deleted;
  });
  return { batch, calls };
}

describe('createCleanup', () => {
  it('runs batches until one comes back short', async () => {
    const { batch, calls } = fakeBatches(2_500, 1_000);
    const cleanup = createCleanup({ batch, batchSize: 1_000, intervalMs: undefined, onError: undefined });
    expect(await cleanup.run()).toBe(2_500);
    expect(calls).toEqual([1_000, 1_000, 500]);
    expect(await cleanup.run()).toBe(0);
  });

  it('runs one pass at a time: a second call joins the pass under way', async () => {
    const { batch } = fakeBatches(30, 10);
    const cleanup = createCleanup({ batch, batchSize: 10, intervalMs: undefined, onError: undefined });
    const [a, b] = await Promise.all([cleanup.run(), cleanup.run()]);
    expect([a, b]).toEqual([30, 30]);
    expect(batch).toHaveBeenCalledTimes(4);
  });

  it('passes every intervalMs after the previous pass ended, never overlapping', async () => {
    vi.useFakeTimers();
    let finish: (n: number) => void = () => {};
    const batch = vi.fn(() => new Promise<number>((resolve) => (finish = resolve)));
    const cleanup = createCleanup({ batch, batchSize: 10, intervalMs: 1_000, onError: undefined });
    await vi.advanceTimersByTimeAsync(999);
    expect(batch).toHaveBeenCalledTimes(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(batch).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(5_000); // the pass is still running: no second one
    expect(batch).toHaveBeenCalledTimes(1);
    finish(0);
    await vi.advanceTimersByTimeAsync(999);
    expect(batch).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(batch).toHaveBeenCalledTimes(2);
    finish(0);
    await cleanup.stop();
  });

  it('reports a failed timed pass to onError and keeps its schedule', async () => {
    vi.useFakeTimers();
    const failure = new Error('down');
    const batch = vi.fn().mockRejectedValueOnce(failure).mockResolvedValue(0);
    const onError = vi.fn();
    const cleanup = createCleanup({ batch, batchSize: 10, intervalMs: 100, onError });
    await vi.advanceTimersByTimeAsync(100);
    expect(onError).toHaveBeenCalledWith(failure);
    await vi.advanceTimersByTimeAsync(100);
    expect(batch).toHaveBeenCalledTimes(2);
    expect(onError).toHaveBeenCalledTimes(1);
    await cleanup.stop();
  });

  it('stop() ends the timer and waits for the pass under way, which ends after its current batch', async () => {
    vi.useFakeTimers();
    let finish: (n: number) => void = () => {};
    const batch = vi.fn(() => new Promise<number>((resolve) => (finish = resolve)));
    const cleanup = createCleanup({ batch, batchSize: 10, intervalMs: 100, onError: undefined });
    await vi.advanceTimersByTimeAsync(100);
    let stopped = false;
    const stopping = cleanup.stop().then(() => (stopped = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(false);
    finish(10); // a full batch, but stopped: no further batch
    await stopping;
    await vi.advanceTimersByTimeAsync(1_000);
    expect(batch).toHaveBeenCalledTimes(1);
  });
});
