import type { Claims } from './claims.js';
import type { DeliveryContext } from './delivery-context.js';
import type { InFlight } from './in-flight.js';
import type { HandlerFailure } from './receiver-types.js';
import type { HandlerRunner } from './runner.js';

/**
 * Handlers of acknowledged deliveries (the `immediate` mode): each delivery of a turn is scheduled, then all start
 * together on the next turn, after the answers went out. When its handlers succeed the delivery is marked done; when
 * one failed every attempt it is dead-lettered and its claim released, so a replay (or a resend) runs what failed.
 * It leaves the in-flight set only then, so `close()` waits for the store too.
 */
export class BackgroundRuns {
  /** Deliveries acknowledged this turn. */
  private queue: DeliveryContext[] = [];

  constructor(
    private readonly runner: HandlerRunner,
    private readonly claims: Claims,
    private readonly inFlight: InFlight,
    private readonly attempts: number,
  ) {}

  schedule(ctx: DeliveryContext): void {
    this.inFlight.begin(ctx, ctx.event);
    if (this.queue.length === 0) setImmediate(this.startQueued);
    this.queue.push(ctx);
  }

  private readonly startQueued = () => {
    const jobs = this.queue;
    this.queue = [];
    for (const ctx of jobs) this.start(ctx);
  };

  private start(ctx: DeliveryContext): void {
    const { event, token, log, delivery } = ctx;
    const plan = { attempts: this.attempts, remember: true, delivery };
    this.runner.start(event, log, plan, (failures: HandlerFailure[]) => {
      const settling =
        failures.length === 0 ? this.claims.commit(event.id, token, log) : this.claims.release(event.id, token, log);
      if (settling === undefined) this.inFlight.end(ctx);
      else
        settling.then(
          () => this.inFlight.end(ctx),
          () => this.inFlight.end(ctx),
        );
    });
  }
}
