import { encodeUtf8 } from '#platform';
import type { Answerer } from './answer.js';
import type { Claims } from './claims.js';
import { type Answer, DeliveryContext } from './delivery-context.js';
import { HookinboxError } from './errors.js';
import type { InFlight } from './in-flight.js';
import type { Monitor } from './monitor.js';
import type { DeliveryObservations } from './observe.js';
import type { HandleOptions } from './receiver-types.js';
import { DUPLICATE_BODY } from './response.js';
import type { AnyEvent, Routes } from './routes.js';
import type { ClaimResult } from './store.js';
import type { DeliveryInput, Logger, Provider, RawDelivery, VerifiedDelivery } from './types.js';

export interface PipelineParts {
  provider: Provider;
  routes: Routes;
  claims: Claims;
  inFlight: InFlight;
  monitor: Monitor;
  answerer: Answerer;
  /** After-handlers mode: a copy that arrives while the first runs is told to come back (409) instead of 200. */
  inFlightCopiesRetry: boolean;
}

/**
 * The stages every delivery goes through, in order: receive → authenticate (and parse, by the provider) → validate
 * (the payload's schema) → claim (the dedupe store) → answer ({@link Answerer}). Each stage that can answer at once
 * does, so that with a synchronous provider and store an acknowledged delivery costs no promise; a stage that has
 * to wait continues in a `then`.
 */
export class Pipeline {
  /** The provider's start-up check (e.g. Genstore's compliance handlers) ran against the current handler set. */
  private checked = false;

  constructor(private readonly parts: PipelineParts) {}

  /** The handler set changed: check it again before the next delivery. */
  recheck(): void {
    this.checked = false;
  }

  /** Run the provider's start-up check now; throws its reason. */
  ensureChecked(): void {
    if (this.checked) return;
    this.parts.provider.checkHandlers?.(this.parts.routes.patterns());
    this.checked = true;
  }

  receive(input: DeliveryInput, options: HandleOptions | undefined, logger: Logger): Answer {
    // A string body is taken as its UTF-8 bytes, as it would have come over the wire.
    // Stryker disable next-line ConditionalExpression: a Buffer body copied is the same
    const delivery = typeof input.body === 'string' ? { ...input, body: encodeUtf8(input.body) } : input;
    const ctx = new DeliveryContext(
      delivery as RawDelivery,
      options?.logger ?? logger,
      performance.now(),
      options?.waitUntil,
    );
    const lowerCased = options?.lowerCaseHeaders === true;
    const { observers } = this.parts.monitor;
    // Stryker disable next-line ConditionalExpression: with no observer, delivery() observes nothing and run() follows
    if (!observers.active) return this.run(ctx, lowerCased);
    const { method, url, headers } = delivery;
    const observed = observers.delivery({ provider: this.parts.provider.name, method, url, headers });
    if (!observed) return this.run(ctx, lowerCased);
    ctx.observed = observed;
    return observeAnswer(ctx, observed, () => this.run(ctx, lowerCased));
  }

  /** Every stage, for a delivery whose context is made (a replay makes its own). */
  run(ctx: DeliveryContext, lowerCased: boolean): Answer {
    const { monitor, inFlight, claims } = this.parts;
    const { delivery } = ctx;
    monitor.received(delivery.method, delivery.url);
    if (inFlight.closing) {
      return this.refuse(
        new HookinboxError('closing', '@hookinbox/core: the receiver is shutting down; retry later', {
          headers: claims.retryAfter(),
        }),
        ctx,
      );
    }
    try {
      this.ensureChecked();
    } catch (error) {
      ctx.log.error({ err: error }, '@hookinbox/core: the handler set does not satisfy the provider');
      return this.refuse(new HookinboxError('internal_error', '@hookinbox/core: the receiver is misconfigured'), ctx);
    }
    return this.authenticate(ctx, lowerCased);
  }

  /** Count, report and log a refusal, and answer it. */
  refuse(error: HookinboxError, ctx: Pick<DeliveryContext, 'log'> & Partial<Pick<DeliveryContext, 'outcome'>>) {
    return this.parts.answerer.refuse(error, ctx);
  }

  /** The provider authenticates, then parses; most providers do both synchronously, and only a promise is waited for. */
  private authenticate(ctx: DeliveryContext, lowerCased: boolean): Answer {
    const { delivery } = ctx;
    let verified: ReturnType<Provider['verify']>;
    try {
      const headers = lowerCased ? delivery.headers : lowerCaseHeaders(delivery.headers);
      // Stryker disable next-line ConditionalExpression: a copy with the same headers costs an object, not an answer
      const copy = headers === delivery.headers ? delivery : { ...delivery, headers };
      verified = ctx.authenticated ? this.parts.provider.verify(copy, AUTHENTICATED) : this.parts.provider.verify(copy);
    } catch (error) {
      return this.unauthentic(error, ctx);
    }
    if (verified instanceof Promise) {
      return verified.then(
        (result) => this.validate(ctx, result),
        (error: unknown) => this.unauthentic(error, ctx),
      );
    }
    return this.validate(ctx, verified);
  }

  private unauthentic(error: unknown, ctx: DeliveryContext): Answer {
    if (error instanceof HookinboxError) return this.refuse(error, ctx);
    ctx.log.error({ err: error }, `@hookinbox/core: the ${this.parts.provider.name} provider threw`);
    return this.refuse(
      new HookinboxError('internal_error', '@hookinbox/core: the delivery could not be verified'),
      ctx,
    );
  }

  /** The payload against its schema. A failure is kept on the context: the delivery is authentic, and still claimed. */
  private validate(ctx: DeliveryContext, verified: VerifiedDelivery<unknown>): Answer {
    const { provider } = this.parts;
    const { name, dedupeKey } = verified;
    let payload = verified.payload;
    // Stryker disable next-line ConditionalExpression: a schema looked up for an unprocessable payload is never used
    const schema = verified.unprocessable === undefined ? provider.schemaFor?.(name) : undefined;
    if (verified.unprocessable !== undefined) ctx.unprocessable = verified.unprocessable;
    else if (schema) {
      const result = schema.safeParse(payload);
      if (result.success) payload = result.data;
      else ctx.invalid = result.error;
    }
    ctx.event = {
      provider: provider.name,
      name,
      id: dedupeKey,
      payload,
      meta: verified.meta,
      receivedAt: new Date(),
    } satisfies AnyEvent;
    return this.claim(ctx);
  }

  private claim(ctx: DeliveryContext): Answer {
    let claim: ClaimResult | Promise<ClaimResult>;
    try {
      claim = this.parts.claims.claim(ctx.event.id);
    } catch (error) {
      return this.claimFailed(error, ctx);
    }
    if (claim instanceof Promise) {
      return claim.then(
        (result) => this.claimed(ctx, result),
        (error: unknown) => this.claimFailed(error, ctx),
      );
    }
    return this.claimed(ctx, claim);
  }

  private claimFailed(error: unknown, ctx: DeliveryContext): Answer {
    const { claims, monitor } = this.parts;
    const { onStoreError } = claims.policy;
    monitor.storeError(error, onStoreError, 'claim');
    if (onStoreError === 'fail-closed') {
      ctx.log.error({ err: error, id: ctx.event.id }, '@hookinbox/core: dedupe store failed; answering 503');
      return this.refuse(claims.unavailable(error), ctx);
    }
    ctx.log.warn({ err: error, id: ctx.event.id }, '@hookinbox/core: dedupe store failed; processing without dedupe');
    return this.parts.answerer.answer(ctx);
  }

  /** A duplicate is answered here; a fresh claim goes on to the answer. */
  private claimed(ctx: DeliveryContext, claim: ClaimResult): Answer {
    if (claim.status === 'claimed') {
      ctx.token = claim.token;
      return this.parts.answerer.answer(ctx);
    }
    const { name, id } = ctx.event;
    this.parts.monitor.duplicate(name, id, claim.status, ctx.log);
    // After-handlers mode (and a replay) tell a copy that arrives while the first runs to come back later.
    const comeBack = claim.status === 'in-flight' && (this.parts.inFlightCopiesRetry || ctx.replay);
    const response = comeBack
      ? this.refuse(
          new HookinboxError('in_flight', '@hookinbox/core: a copy of this delivery is being handled; retry later', {
            headers: this.parts.claims.retryAfter(),
          }),
          ctx,
        )
      : this.parts.answerer.ok(ctx, 200, DUPLICATE_BODY);
    ctx.outcome = claim.status === 'done' ? 'duplicate' : 'in-flight';
    return response;
  }
}

const AUTHENTICATED = Object.freeze({ authenticated: true });

/** Run the stages inside the observers' scope, and tell them the answer (a 500 for an unexpected exception). */
function observeAnswer(ctx: DeliveryContext, observed: DeliveryObservations, stages: () => Answer): Answer {
  const end = (status: number) => {
    const { event } = ctx;
    const observedEvent = event ? { provider: event.provider, name: event.name, id: event.id } : undefined;
    observed.end({ status, outcome: ctx.outcome, event: observedEvent, durationMs: performance.now() - ctx.started });
  };
  let answer: Answer;
  try {
    answer = observed.within(stages);
  } catch (error) {
    end(500);
    throw error;
  }
  if (!(answer instanceof Promise)) {
    end(answer.status);
    return answer;
  }
  return answer.then(
    (response) => {
      end(response.status);
      return response;
    },
    (error: unknown) => {
      end(500);
      throw error;
    },
  );
}

/** Node already lower-cases header names; deliveries built by hand may not. */
function lowerCaseHeaders(headers: RawDelivery['headers']): RawDelivery['headers'] {
  for (const key in headers) {
    // Stryker disable next-line ConditionalExpression: lower-casing names that are lower-case already changes none
    if (hasUpperCase(key)) {
      const out: RawDelivery['headers'] = {};
      for (const k in headers) out[k.toLowerCase()] = headers[k];
      return out;
    }
  }
  return headers;
}

/** A character loop rather than a regular expression: this runs for every header of every delivery. */
function hasUpperCase(name: string): boolean {
  // Past the end charCodeAt is NaN, no capital; and saying "capital" wrongly only costs a lower-cased copy (a missed
  // capital is caught: the tests send names whose only capital is A or Z).
  // Stryker disable next-line EqualityOperator: one step past the end finds no capital
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    // Stryker disable next-line ConditionalExpression: a wrong "true" costs a copy, never an answer
    if (c >= 65 && c <= 90) return true;
  }
  // Stryker disable next-line BooleanLiteral: a wrong "true" costs a copy, never an answer
  return false;
}
