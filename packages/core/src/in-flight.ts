import { HookinboxError } from './errors.js';
import type { Monitor } from './monitor.js';
import type { CloseResult } from './receiver-types.js';
import type { AnyEvent } from './routes.js';

/** One piece of work in flight: a link of {@link InFlight}'s list, handed back to end it. */
export interface InFlightEntry {
  readonly event: AnyEvent;
  /** @internal */
  prev: InFlightEntry | undefined;
  /** @internal */
  next: InFlightEntry | undefined;
}

/**
 * The work a receiver still owes (handlers running or waiting for a retry), and its shutdown: `close()` refuses new
 * deliveries, waits for the work to end, and past its timeout aborts the handlers' signal and names what was left.
 *
 * The work is a doubly linked list written here rather than a `Map`, on purpose. Every delivery enters and leaves it,
 * so a Map's hash table is rebuilt again and again; V8 leaves each replaced table pointing at its successor (for live
 * iterators), and once one of them has been promoted to the old generation, that dead table keeps the next one and
 * every delivery it held alive through each scavenge, which promotes them in turn. On Fastify at 32 connections the
 * Map put the server in that state in most runs: 0.7–1.5 MB surviving each scavenge instead of about 15 KB, and about
 * 100 µs of CPU a request instead of 56 (BENCHMARKS.md, "Source or built"). A removed link has both pointers cleared,
 * so a dead link can never hold a live one.
 */
export class InFlight {
  /** Oldest first, as `close()` names what was left. */
  private head: InFlightEntry | undefined = undefined;
  private tail: InFlightEntry | undefined = undefined;
  private size = 0;
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

  /** Count work for `event` as running, until {@link end} is called with what this returns. */
  begin(event: AnyEvent): InFlightEntry {
    const entry: InFlightEntry = { event, prev: this.tail, next: undefined };
    if (this.tail) this.tail.next = entry;
    else this.head = entry;
    this.tail = entry;
    this.size++;
    this.monitor.inFlight(this.size);
    return entry;
  }

  end(entry: InFlightEntry): void {
    const { prev, next } = entry;
    if (prev === undefined && this.head !== entry) return; // ended already
    if (prev) prev.next = next;
    else this.head = next;
    if (next) next.prev = prev;
    else this.tail = prev;
    entry.prev = undefined;
    entry.next = undefined;
    this.size--;
    this.monitor.inFlight(this.size);
    if (this.size === 0 && this.idle) {
      this.idle();
      this.idle = undefined;
      this.idlePromise = undefined;
    }
  }

  /** Count a promise of work as running until it settles. */
  track(task: Promise<unknown>, event: AnyEvent): void {
    const entry = this.begin(event);
    const end = () => this.end(entry);
    // then(), not finally(): finally() builds a second promise chain to pass the outcome through.
    task.then(end, end);
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
    const pending: { name: string; id: string }[] = [];
    for (let entry = this.head; entry; entry = entry.next) pending.push({ name: entry.event.name, id: entry.event.id });
    this.controller.abort(new HookinboxError('closing', '@hookinbox/core: the receiver closed'));
    this.monitor.logger.error(
      { pending },
      `@hookinbox/core: ${pending.length} deliveries still running at close: ${pending.map((p) => `${p.name} ${p.id}`).join(', ')}`,
    );
    return { drained: false, pending };
  }

  private whenIdle(): Promise<void> {
    if (this.size === 0) return Promise.resolve();
    this.idlePromise ??= new Promise<void>((resolve) => {
      this.idle = resolve;
    });
    return this.idlePromise;
  }
}
