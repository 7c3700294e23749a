import { backoffDelay, type RetryPolicy, sleep } from './backoff.js';
import type { Claims } from './claims.js';
import type { DeadLetterOffice } from './dead-letter-office.js';
import type { Monitor } from './monitor.js';
import type { DeliveryObservations, RunObservations, TraceCarrier } from './observe.js';
import type { HandlerFailure } from './receiver-types.js';
import type { AnyEvent, Registration, Routes } from './routes.js';
import type { HandlerContext, Logger, RawDelivery } from './types.js';

/** How one run of an event's handlers goes. */
export interface RunPlan {
  /** The number of the last call of each handler (the first is 1): `retry.attempts`, or 1 for a single try. */
  attempts: number;
  /** The number of the first call, when earlier calls were made by an earlier run. Default 1. */
  from?: number;
  /**
   * Remember each handler's success in the dedupe store under a key of its own, and skip a handler remembered there:
   * when the provider (or a queue) runs the event again after another handler failed, no handler runs twice. `true`
   * remembers when the event has several handlers (a lone one that failed has nothing to remember); `'always'` also
   * for a lone handler (a queue's job can run again after it succeeded, e.g. a worker lost its lock).
   */
  remember?: boolean | 'always';
  /** Run only these handlers (registration ids); default every handler the event's name reaches. */
  only?: ReadonlySet<string>;
  /** Failures of earlier runs, handed to the dead letter with this run's for the handlers that still fail. */
  earlier?: readonly HandlerFailure[];
  /** Hand the handlers that failed every call to the dead-letter sink. Default true. */
  deadLetter?: boolean;
  /** The delivery the event came from, kept with a dead letter so that a replay can parse it again. */
  delivery?: RawDelivery;
  /** What the observers made of that delivery, when it arrived in this process: a run's span links to its span. */
  observed?: DeliveryObservations;
  /** The trace context a queued job carried from its delivery. */
  trace?: TraceCarrier;
}

const NONE: HandlerFailure[] = [];

/**
 * The one way handlers run, in every mode (after the answer, before it, and in a queue's worker): each matching
 * handler, concurrently, each up to `attempts` calls with exponential backoff between them; one failing does not stop
 * the others; what still fails after its last call is dead-lettered with every error.
 */
export class HandlerRunner {
  constructor(
    private readonly routes: Routes,
    private readonly retry: RetryPolicy,
    private readonly claims: Claims,
    private readonly monitor: Monitor,
    private readonly letters: DeadLetterOffice,
    private readonly signal: AbortSignal,
  ) {}

  /** Run the event's handlers; resolves with the failures of the handlers that failed every call (never rejects). */
  run(event: AnyEvent, log: Logger, plan: RunPlan): Promise<HandlerFailure[]> {
    return new Promise((resolve) => this.start(event, log, plan, resolve));
  }

  /**
   * {@link run} with the outcome passed to `done`. The common case after an acknowledgement, one handler and a plain
   * plan, calls the handler in this turn and waits on nothing but what the handler returns: no promise of its own.
   */
  start(event: AnyEvent, log: Logger, plan: RunPlan, done: (failures: HandlerFailure[]) => void): void {
    const { observers } = this.monitor;
    const observed = observers.active
      ? observers.run(
          { provider: event.provider, name: event.name, id: event.id },
          plan.from ?? 1,
          plan.observed,
          plan.trace,
        )
      : undefined;
    if (observed) observed.within(() => this.startRun(event, log, plan, done, observed));
    else this.startRun(event, log, plan, done, undefined);
  }

  private startRun(
    event: AnyEvent,
    log: Logger,
    plan: RunPlan,
    done: (failures: HandlerFailure[]) => void,
    observed: RunObservations | undefined,
  ): void {
    const started = performance.now();
    const finish = (failures: HandlerFailure[]) => {
      const deadLettered = failures.length > 0 && plan.deadLetter !== false;
      if (observed) {
        const outcome = failures.length === 0 ? 'handled' : 'failed';
        observed.end({ outcome, failures, deadLettered, durationMs: performance.now() - started });
      }
      if (failures.length === 0) this.monitor.handled(event, started);
      else if (deadLettered) {
        this.deadLetter(event, failures, plan, log).then(() => done(failures));
        return;
      }
      done(failures);
    };
    const regs = this.routes.for(event.name);
    const lone = regs[0];
    // Leaving the block below out sends a lone handler down the general path, which ends the same with a promise
    // more; and with one registration, lone is never undefined.
    // Stryker disable BlockStatement
    if (
      // Stryker disable next-line ConditionalExpression: a lone handler on the general path ends the same
      regs.length === 1 &&
      // Stryker disable next-line ConditionalExpression,EqualityOperator: lone is defined when regs.length is 1
      lone !== undefined &&
      plan.only === undefined &&
      !plan.from &&
      plan.remember !== 'always'
    ) {
      // A lone handler needs nothing remembered: when it fails, nothing else succeeded.
      this.startLone(lone, event, log, plan.attempts, finish);
      return;
    }
    // Stryker restore BlockStatement
    const chosen = plan.only ? regs.filter((r) => plan.only?.has(r.id)) : regs;
    const remember = plan.remember === 'always' || (plan.remember === true && regs.length > 1);
    const ran = Promise.all(
      chosen.map((r) => (remember ? this.runRemembered(r, event, log, plan) : this.runOne(r, event, log, plan))),
    ).then((all) => finish(all.flat()));
    // runOne and runRemembered never reject; this only keeps an exception of finish() from going unhandled.
    // Stryker disable next-line all: reached only if finish() throws, and what it calls guards its hooks
    ran.catch((error: unknown) => log.error({ err: error }, '@hookinbox/core: a handler run ended unexpectedly'));
  }

  /** The first call of a lone handler, made directly; a failure continues in {@link runOne}. */
  private startLone(
    reg: Registration,
    event: AnyEvent,
    log: Logger,
    attempts: number,
    finish: (failures: HandlerFailure[]) => void,
  ): void {
    const retry = (error: unknown) => {
      const failures: HandlerFailure[] = [];
      // Stryker disable next-line BlockStatement: without it, runOne from call 2 of 1 makes no call and ends the same
      if (!this.failed(reg, event, log, 1, attempts, error, failures)) {
        finish(failures);
        return;
      }
      const rest = this.pause(1).then(() => this.runOne(reg, event, log, { attempts, from: 2 }, failures));
      // Stryker disable next-line ArrowFunction: runOne never rejects
      rest.then(finish, () => finish(failures));
    };
    try {
      if (reg.where && !reg.where(event)) {
        finish(NONE);
        return;
      }
    } catch (error) {
      // A filter that throws is the handler's failure, reported once and not retried, as in runOne.
      const failures: HandlerFailure[] = [];
      this.failed(reg, event, log, 1, 1, error, failures);
      finish(failures);
      return;
    }
    let result: unknown;
    try {
      result = reg.handler(event, this.context(1, log));
    } catch (error) {
      retry(error);
      return;
    }
    if (isThenable(result)) result.then(() => finish(NONE), retry);
    else finish(NONE);
  }

  /**
   * One handler, calls `from` to `attempts`; resolves with every failure (empty once a call succeeds, or when the
   * handler's `where` keeps the event out).
   */
  private async runOne(
    reg: Registration,
    event: AnyEvent,
    log: Logger,
    plan: Pick<RunPlan, 'attempts' | 'from'>,
    failures: HandlerFailure[] = [],
  ): Promise<HandlerFailure[]> {
    try {
      if (reg.where && !reg.where(event)) return NONE;
    } catch (error) {
      // A filter that throws is the handler's failure: it is reported and dead-lettered like one.
      this.failed(reg, event, log, plan.from ?? 1, plan.from ?? 1, error, failures);
      return failures;
    }
    for (let attempt = plan.from ?? 1; attempt <= plan.attempts; attempt++) {
      try {
        await reg.handler(event, this.context(attempt, log));
        return NONE;
      } catch (error) {
        if (this.failed(reg, event, log, attempt, plan.attempts, error, failures)) await this.pause(attempt);
      }
    }
    return failures;
  }

  /**
   * {@link runOne} behind a claim of the handler's own key. A handler remembered as done is skipped; if the store
   * fails here the handler runs anyway (a duplicate call is better than a lost one).
   */
  private async runRemembered(
    reg: Registration,
    event: AnyEvent,
    log: Logger,
    plan: RunPlan,
  ): Promise<HandlerFailure[]> {
    const key = `${event.id}\u0000${reg.id}`;
    let token: string | undefined;
    try {
      const claim = await this.claims.claim(key);
      if (claim.status === 'done') return NONE;
      // Stryker disable next-line ConditionalExpression: only a claimed result carries a token
      if (claim.status === 'claimed') token = claim.token;
    } catch (error) {
      this.monitor.storeError(error, this.claims.policy.onStoreError, 'claim');
    }
    const failures = await this.runOne(reg, event, log, plan);
    if (failures.length === 0) await this.claims.commit(key, token, log);
    else await this.claims.release(key, token, log);
    return failures;
  }

  /** Report a failed call; true when another call follows. */
  private failed(
    reg: Registration,
    event: AnyEvent,
    log: Logger,
    attempt: number,
    attempts: number,
    error: unknown,
    failures: HandlerFailure[],
  ): boolean {
    const failure: HandlerFailure = { pattern: reg.pattern, handlerId: reg.id, attempt, error };
    failures.push(failure);
    const willRetry = attempt < attempts;
    this.monitor.failed(event, failure, willRetry, log);
    return willRetry;
  }

  /** The backoff after call `attempt` failed; cut short when the receiver closes. */
  private pause(attempt: number): Promise<void> {
    return sleep(backoffDelay(this.retry, attempt), this.signal);
  }

  private context(attempt: number, logger: Logger): HandlerContext {
    return { attempt, signal: this.signal, logger };
  }

  private deadLetter(event: AnyEvent, failures: HandlerFailure[], plan: RunPlan, log: Logger): Promise<void> {
    let all = failures;
    const { earlier } = plan;
    // Stryker disable next-line ConditionalExpression,EqualityOperator: with no earlier failure the filter adds none
    if (earlier && earlier.length > 0) {
      // Only the handlers that still fail: one that succeeded on a retry is not dead-lettered.
      const dead = new Set(failures.map((f) => f.handlerId));
      all = [...earlier.filter((f) => dead.has(f.handlerId)), ...failures];
    }
    return this.letters.failed(event, all, plan.delivery, log);
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}
