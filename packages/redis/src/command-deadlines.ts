/** A command waiting for its answer, in the order sent: with one timeout for all, also the order of the deadlines. */
interface Waiting {
  deadline: number;
  settled: boolean;
  operation: string;
  /** Cleared once settled, so that a settled entry still in the queue holds nothing of its delivery. */
  reject: ((error: unknown) => void) | undefined;
}

/**
 * Races each command against one timeout for all. Every command gets the same timeout, so deadlines come in the order
 * commands are sent: one timer, armed for the oldest command still waiting, serves them all (a timer per command costs
 * more than the command's bookkeeping; no library keeps such a queue for promises it does not own).
 *
 * Settled commands leave the queue as soon as they reach its head, not when the timer next fires (up to the timeout
 * later), and a settled entry keeps no reject: nothing of an answered delivery waits on the timer.
 */
export class CommandDeadlines {
  private waiting: (Waiting | undefined)[] = [];
  private head = 0;
  private timer: NodeJS.Timeout | undefined;

  /**
   * @param timeoutMs how long each command may take
   * @param timedOut the error a command that took longer rejects with
   * @param failed the error a command that failed in time rejects with
   */
  constructor(
    private readonly timeoutMs: number,
    private readonly timedOut: (operation: string) => Error,
    private readonly failed: (operation: string, error: unknown) => Error,
  ) {}

  /**
   * Race one command against the timeout. A command that times out may still run later (ioredis keeps it in its
   * offline queue or on the socket); `onLate` sees its result so a late claim can be undone.
   */
  run<T>(operation: string, command: Promise<T>, onLate?: (value: T) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const entry: Waiting = { deadline: performance.now() + this.timeoutMs, settled: false, operation, reject };
      this.waiting.push(entry);
      if (this.timer === undefined) this.arm();
      command.then(
        (value) => {
          if (entry.settled) {
            onLate?.(value);
            return;
          }
          this.settled(entry);
          resolve(value);
        },
        (error: unknown) => {
          if (entry.settled) return;
          this.settled(entry);
          reject(this.failed(operation, error));
        },
      );
    });
  }

  /** Marks an answered command settled, and lets the queue move on when it was the oldest. */
  private settled(entry: Waiting): void {
    take(entry);
    if (this.waiting[this.head] === entry) this.advance();
  }

  /** Drops the settled commands at the head of the queue. */
  private advance(): void {
    while (this.head < this.waiting.length && (this.waiting[this.head] as Waiting).settled) {
      this.waiting[this.head++] = undefined;
    }
    if (this.head === this.waiting.length) {
      this.waiting = [];
      this.head = 0;
    } else if (this.head > 1_024 && this.head * 2 > this.waiting.length) {
      this.waiting = this.waiting.slice(this.head);
      this.head = 0;
    }
  }

  private arm(): void {
    this.advance();
    if (this.waiting.length === 0) return;
    const oldest = this.waiting[this.head] as Waiting;
    this.timer = setTimeout(() => this.expire(), Math.max(0, oldest.deadline - performance.now()));
    this.timer.unref();
  }

  private expire(): void {
    this.timer = undefined;
    const now = performance.now();
    while (this.head < this.waiting.length) {
      const next = this.waiting[this.head] as Waiting;
      if (!next.settled) {
        if (next.deadline > now) break;
        take(next)?.(this.timedOut(next.operation));
      }
      this.waiting[this.head++] = undefined;
    }
    this.arm();
  }
}

/** Marks a command settled and hands back its reject, now cleared from the entry. */
function take(entry: Waiting): ((error: unknown) => void) | undefined {
  const { reject } = entry;
  entry.settled = true;
  entry.reject = undefined;
  return reject;
}
