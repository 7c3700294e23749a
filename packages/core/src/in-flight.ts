import { HookinboxError } from './errors.js';
import type { Monitor } from './monitor.js';
import type { CloseResult } from './receiver-types.js';
import type { AnyEvent } from './routes.js';

/**
 * The work a receiver still owes (handlers running or waiting for a retry), and its shutdown: `close()` refuses new
 * deliveries, waits for the work to end, and past its timeout aborts the handlers' signal and names what was left.
 */
export class InFlight {
  private readonly work = new Map<object, AnyEvent>();
  private idle: (() => void) | undefined;
  private idlePromise: Promise<void> | undefined;
  private readonly controller = new AbortController();
  private closingNow = false;

  constructor(private readonly monitor: Monitor) {}

  /** Aborted when `close()` gives up waiting: handlers may stop early. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** True once `close()` was called: new deliveries are refused. */
  get closing(): boolean {
    return this.closingNow;
  }

  /** Count `work` (any object that stands for it) as running for `event`, until {@link end}. */
  begin(work: object, event: AnyEvent): void {
    this.work.set(work, event);
    this.monitor.inFlight(this.work.size);
  }

  end(work: object): void {
    this.work.delete(work);
    this.monitor.inFlight(this.work.size);
    if (this.work.size === 0 && this.idle) {
      this.idle();
      this.idle = undefined;
      this.idlePromise = undefined;
    }
  }

  /** Count a promise of work as running until it settles. */
  track(task: Promise<unknown>, event: AnyEvent): void {
    this.begin(task, event);
    // then(), not finally(): finally() builds a second promise chain to pass the outcome through.
    task.then(
      () => this.end(task),
      () => this.end(task),
    );
  }

  async close(timeoutMs: number): Promise<CloseResult> {
    this.closingNow = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const outcome = await Promise.race([this.whenIdle().then(() => 'drained' as const), timeout]);
    clearTimeout(timer);
    if (outcome === 'drained') return { drained: true, pending: [] };
    const pending = [...this.work.values()].map((event) => ({ name: event.name, id: event.id }));
    this.controller.abort(new HookinboxError('closing', '@hookinbox/core: the receiver closed'));
    this.monitor.logger.error(
      { pending },
      `@hookinbox/core: ${pending.length} deliveries still running at close: ${pending.map((p) => `${p.name} ${p.id}`).join(', ')}`,
    );
    return { drained: false, pending };
  }

  private whenIdle(): Promise<void> {
    if (this.work.size === 0) return Promise.resolve();
    this.idlePromise ??= new Promise<void>((resolve) => {
      this.idle = resolve;
    });
    return this.idlePromise;
  }
}
