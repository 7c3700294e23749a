import type { Claims } from './claims.js';
import type { InFlight } from './in-flight.js';
import type { HandlerFailure } from './receiver-types.js';
import type { AnyEvent } from './routes.js';
import type { HandlerRunner } from './runner.js';
import type { Logger } from './types.js';

/**
 * Handlers of acknowledged deliveries (the `immediate` mode): each delivery of a turn is scheduled, then all start
 * together on the next turn, after the answers went out. When its handlers are done (or dead-lettered) the delivery
 * is marked done, and it leaves the in-flight set only then, so `close()` waits for the commit too.
 */
export class BackgroundRuns {
  /** Deliveries acknowledged this turn: [event, token, log, …], flat to spare an object per delivery. */
  private queue: unknown[] = [];

  constructor(
    private readonly runner: HandlerRunner,
    private readonly claims: Claims,
    private readonly inFlight: InFlight,
    private readonly attempts: number,
  ) {}

  schedule(event: AnyEvent, token: string | undefined, log: Logger): void {
    this.inFlight.begin(event, event);
    if (this.queue.length === 0) setImmediate(this.startQueued);
    this.queue.push(event, token, log);
  }

  private readonly startQueued = () => {
    const jobs = this.queue;
    this.queue = [];
    for (let i = 0; i < jobs.length; i += 3) {
      this.start(jobs[i] as AnyEvent, jobs[i + 1] as string | undefined, jobs[i + 2] as Logger);
    }
  };

  private start(event: AnyEvent, token: string | undefined, log: Logger): void {
    this.runner.start(event, log, { attempts: this.attempts }, (_failures: HandlerFailure[]) => {
      // The provider has its 200 and will not resend: done, whether the handlers succeeded or were dead-lettered.
      const committing = this.claims.commit(event.id, token, log);
      if (committing === undefined) this.inFlight.end(event);
      else
        committing.then(
          () => this.inFlight.end(event),
          () => this.inFlight.end(event),
        );
    });
  }
}
