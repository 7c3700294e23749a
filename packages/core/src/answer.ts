import { type BackgroundRuns, keepAlive } from './background.js';
import type { Claims } from './claims.js';
import type { DeadLetterOffice } from './dead-letter-office.js';
import { schemaReason } from './dead-letter-office.js';
import type { Answer, DeliveryContext } from './delivery-context.js';
import { HookinboxError } from './errors.js';
import type { InFlight } from './in-flight.js';
import type { Monitor } from './monitor.js';
import { rememberDelivery } from './observe.js';
import type { Dispatcher } from './receiver-types.js';
import { ACCEPTED_BODY, OK_BODY, PARKED_BODY, respond, toResponse } from './response.js';
import type { Routes } from './routes.js';
import type { HandlerRunner } from './runner.js';
import type { WebhookResponse } from './types.js';

export type AckMode = { mode: 'immediate' } | { mode: 'after-handlers'; timeoutMs: number; timeoutStatus: 200 | 202 };

export interface AnswerParts {
  ack: AckMode;
  attempts: number;
  routes: Routes;
  runner: HandlerRunner;
  background: BackgroundRuns;
  claims: Claims;
  letters: DeadLetterOffice;
  inFlight: InFlight;
  monitor: Monitor;
  dispatcher: Dispatcher | undefined;
}

/**
 * The last stage: a claimed delivery is answered. An authentic delivery that cannot be processed is parked in the
 * dead-letter sink and acknowledged. Otherwise when depends on the mode: at once with the handlers scheduled
 * (`immediate`), after a durable hand-off (a dispatcher), or after the handlers within a deadline (`after-handlers`).
 */
export class Answerer {
  constructor(private readonly parts: AnswerParts) {}

  answer(ctx: DeliveryContext): Answer {
    const { ack, routes, dispatcher, background } = this.parts;
    const { event } = ctx;
    if (ctx.invalid !== undefined || ctx.unprocessable !== undefined) return this.park(ctx);
    if (ctx.replay) return this.runNow(ctx);
    if (dispatcher) return this.dispatch(dispatcher, ctx);
    if (routes.for(event.name).length === 0) {
      ctx.log.debug({ event: event.name, id: event.id }, `@hookinbox/core: no handler for ${event.name}`);
      const committing = this.parts.claims.commit(event.id, ctx.token, ctx.log);
      return committing === undefined ? this.ok(ctx, 200, OK_BODY) : committing.then(() => this.ok(ctx, 200, OK_BODY));
    }
    if (ack.mode === 'immediate') {
      background.schedule(ctx);
      return this.ok(ctx, 200, OK_BODY);
    }
    return this.afterHandlers(ctx, ack);
  }

  /** Count the acknowledgement and build its response. */
  ok(ctx: DeliveryContext, status: number, body: string): WebhookResponse {
    this.parts.monitor.acknowledged(ctx.event.name, ctx.event.id, status, ctx.started);
    return respond(status, body);
  }

  /** Count, report and log a refusal, and build its response. */
  refuse(error: HookinboxError, ctx: Pick<DeliveryContext, 'log'> & Partial<Pick<DeliveryContext, 'outcome'>>) {
    ctx.outcome = 'refused';
    this.parts.monitor.rejected(error, ctx.log);
    return toResponse(error);
  }

  /**
   * Keep the delivery in the dead-letter sink, release its claim (a replay after a fix must find it unprocessed) and
   * acknowledge it: a 4xx would only make the provider resend the same bytes until it gives up. When the sink cannot
   * keep it, 503: nothing authentic is acknowledged into a void.
   */
  private async park(ctx: DeliveryContext): Promise<WebhookResponse> {
    const { monitor, letters, claims } = this.parts;
    const { event, log } = ctx;
    if (ctx.invalid !== undefined) monitor.invalid(event, ctx.invalid, log);
    const reason = ctx.unprocessable ?? schemaReason(ctx.invalid);
    try {
      await letters.park(event, ctx.delivery, reason, log);
    } catch (error) {
      await claims.release(event.id, ctx.token, log);
      return this.refuse(
        new HookinboxError('dead_letter_unavailable', '@hookinbox/core: the delivery could not be kept; retry later', {
          headers: claims.retryAfter(),
          cause: error,
        }),
        ctx,
      );
    }
    await claims.release(event.id, ctx.token, log);
    ctx.outcome = 'parked';
    return this.ok(ctx, 200, PARKED_BODY);
  }

  /** Hand the event to a durable queue; the 200 waits for it. A queue that refuses: 503, claim released. */
  private async dispatch(to: Dispatcher, ctx: DeliveryContext): Promise<WebhookResponse> {
    const { claims } = this.parts;
    if (ctx.observed) rememberDelivery(ctx.event, ctx.observed);
    try {
      await to.dispatch(ctx.event);
    } catch (error) {
      await claims.release(ctx.event.id, ctx.token, ctx.log);
      ctx.log.error({ err: error, id: ctx.event.id }, '@hookinbox/core: the dispatcher refused the event');
      return this.refuse(
        new HookinboxError('queue_unavailable', '@hookinbox/core: the event could not be queued; retry later', {
          headers: claims.retryAfter(),
          cause: error,
        }),
        ctx,
      );
    }
    await claims.commit(ctx.event.id, ctx.token, ctx.log);
    return this.ok(ctx, 200, OK_BODY);
  }

  /** A replay: the handlers, with their retries, before the answer; done, or dead-lettered again and released. */
  private async runNow(ctx: DeliveryContext): Promise<WebhookResponse> {
    const { runner, claims, inFlight, attempts } = this.parts;
    const { event, token, log } = ctx;
    const run = runner.run(event, log, { attempts, remember: true, delivery: ctx.delivery, observed: ctx.observed });
    inFlight.track(run, event);
    const failures = await run;
    if (failures.length > 0) {
      await claims.release(event.id, token, log);
      ctx.outcome = 'failed';
      return this.refuse(
        new HookinboxError('handler_failed', `@hookinbox/core: a handler for ${event.name} failed every attempt`),
        ctx,
      );
    }
    await claims.commit(event.id, token, log);
    ctx.outcome = 'handled';
    return this.ok(ctx, 200, OK_BODY);
  }

  /**
   * One call of each handler within the deadline. All succeed: 200, done. One fails: 500 and the claim released, so
   * the provider's retry runs the handlers that failed (the others are remembered). Past the deadline: the configured
   * status at once, and the handlers go on; what fails then is retried here and dead-lettered, since the provider
   * has its answer and will not resend.
   */
  private async afterHandlers(
    ctx: DeliveryContext,
    ack: Extract<AckMode, { mode: 'after-handlers' }>,
  ): Promise<WebhookResponse> {
    const { runner, claims, inFlight, attempts } = this.parts;
    const { event, token, log, delivery, observed } = ctx;
    let timedOut = false;
    const first = runner.run(event, log, { attempts: 1, remember: true, deadLetter: false, observed });
    const task = first.then(async (failures) => {
      if (failures.length > 0 && timedOut) {
        const only = new Set(failures.map((f) => f.handlerId));
        const from = { from: 2, only, earlier: failures };
        const plan = { attempts: Math.max(2, attempts), ...from, remember: true, delivery, observed };
        failures = await runner.run(event, log, plan);
      }
      if (failures.length === 0) await claims.commit(event.id, token, log);
      else await claims.release(event.id, token, log);
    });
    inFlight.track(task, event);
    if (ctx.waitUntil) keepAlive(ctx.waitUntil, task, log);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), ack.timeoutMs);
    });
    const outcome = await Promise.race([first, deadline]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      timedOut = true;
      return this.ok(ctx, ack.timeoutStatus, ack.timeoutStatus === 202 ? ACCEPTED_BODY : OK_BODY);
    }
    await task;
    if (outcome.length > 0) {
      return this.refuse(
        new HookinboxError(
          'handler_failed',
          `@hookinbox/core: a handler for ${event.name} failed; retry to process it again`,
        ),
        ctx,
      );
    }
    ctx.outcome = 'handled';
    return this.ok(ctx, 200, OK_BODY);
  }
}
