/** Removes expired rows off the request path: bounded batches, on a timer of its own. */
export interface Cleanup {
  /** Delete batches until one comes back short; resolves to the rows deleted. Runs at most one pass at a time. */
  run(): Promise<number>;
  /** Stop the timer and wait for a pass under way. */
  stop(): Promise<void>;
}

export interface CleanupOptions {
  /** Delete at most `batchSize` expired rows; resolves to how many were deleted. */
  batch: () => Promise<number>;
  batchSize: number;
  /** Undefined: no timer, passes run only when called. */
  intervalMs: number | undefined;
  onError: ((error: Error) => void) | undefined;
}

export function createCleanup({ batch, batchSize, intervalMs, onError }: CleanupOptions): Cleanup {
  let stopped = false;
  let current: Promise<number> | undefined;
  let timer: NodeJS.Timeout | undefined;

  const pass = async (): Promise<number> => {
    let total = 0;
    // Each batch is its own short statement: row locks last one batch, and claims never wait behind a whole pass.
    for (;;) {
      const deleted = await batch();
      total += deleted;
      if (deleted < batchSize || stopped) return total;
    }
  };

  const run = (): Promise<number> => {
    current ??= pass().finally(() => {
      current = undefined;
    });
    return current;
  };

  // A chain of timeouts rather than an interval: a slow pass delays the next instead of piling up behind it.
  const schedule = () => {
    if (stopped || intervalMs === undefined) return;
    timer = setTimeout(() => {
      run()
        .catch((error: unknown) => onError?.(error as Error))
        .finally(schedule);
    }, intervalMs);
    // The timer alone never keeps the process alive.
    timer.unref();
  };
  schedule();

  return {
    run,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await current?.catch(() => {});
    },
  };
}
