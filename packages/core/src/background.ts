import { nextTurn } from '#platform';
import type { Claims } from './claims.js';
import type { DeliveryContext } from './delivery-context.js';
import type { InFlight } from './in-flight.js';
import type { HandlerFailure, WaitUntil } from './receiver-types.js';
import type { HandlerRunner } from './runner.js';
import type { Logger } from './types.js';

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

  /** The runtime's `waitUntil`, when the delivery came with one, is handed a promise that settles once it is done. */
  schedule(ctx: DeliveryContext): void {
    ctx.inFlight = this.inFlight.begin(ctx.event);
    if (this.queue.length === 0) nextTurn(this.startQueued);
    this.queue.push(ctx);
    if (ctx.waitUntil) {
      keepAlive(
        ctx.waitUntil,
        new Promise<void>((resolve) => {
          ctx.settle = resolve;
        }),
        ctx.log,
      );
    }
  }

  private readonly startQueued = () => {
    const jobs = this.queue;
    this.queue = [];
    for (const ctx of jobs) this.start(ctx);
  };

  private start(ctx: DeliveryContext): void {
    const { event, token, log, delivery, observed } = ctx;
    const plan = { attempts: this.attempts, remember: true, delivery, observed };
    this.runner.start(event, log, plan, (failures: HandlerFailure[]) => {
      const settling =
        failures.length === 0 ? this.claims.commit(event.id, token, log) : this.claims.release(event.id, token, log);
      if (settling === undefined) this.end(ctx);
      else
        settling.then(
          () => this.end(ctx),
          () => this.end(ctx),
        );
    });
  }

  private end(ctx: DeliveryContext): void {
    if (ctx.inFlight) this.inFlight.end(ctx.inFlight);
    ctx.settle?.();
  }
}

/**
 * Hand the runtime's `waitUntil` a promise of work that goes on after the answer; it always resolves, since what
 * fails in it is reported through the hooks. A `waitUntil` that throws (Next.js' `after` outside a request) is logged:
 * the work still runs, but the runtime may freeze it.
 */
export function keepAlive(waitUntil: WaitUntil, work: Promise<unknown>, log: Logger): void {
  try {
    waitUntil(work.then(ignore, ignore));
  } catch (error) {
    log.error({ err: error }, '@hookinbox/core: waitUntil threw; the handlers run, but the runtime may freeze them');
  }
}

function ignore(): void {}
