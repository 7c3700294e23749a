import type { Outcome } from './delivery-context.js';
import type { HandlerFailure } from './receiver-types.js';
import type { Headers } from './types.js';

/**
 * A trace context as text headers (`traceparent`, `tracestate`, as the W3C Trace Context propagator writes them),
 * kept with a queued job so that the worker's run of the handlers links back to the delivery.
 */
export type TraceCarrier = Record<string, string>;

/** An event as observers see it: never its payload or metadata. */
export interface ObservedEvent {
  provider: string;
  name: string;
  id: string;
}

/** A request arriving, before anything is read from it. */
export interface DeliveryStart {
  provider: string;
  method: string;
  url: string;
  /** The request's headers (lower-case names when the adapter said so); absent for a request refused early. */
  headers?: Headers;
}

/** A delivery answered. */
export interface DeliveryEnd {
  status: number;
  outcome: Outcome;
  /** The event once the provider authenticated and parsed the delivery; undefined for one refused before. */
  event: ObservedEvent | undefined;
  /** From arrival to the answer. */
  durationMs: number;
}

/** One observer's view of one delivery, from its arrival to its answer. */
export interface DeliveryObservation {
  /** Run the delivery's stages inside this (e.g. an OpenTelemetry context, so a dispatcher's queue sees its span). */
  within?<T>(fn: () => T): T;
  /** The trace context a queued job keeps (see `QueueJob.trace`). */
  carrier?(): TraceCarrier | undefined;
  end(info: DeliveryEnd): void;
}

/** A run of an event's handlers starting (after the answer, before it, in a queue's worker, in a replay). */
export interface RunStart {
  event: ObservedEvent;
  /** The number of the run's first call of each handler. */
  attempt: number;
  /** This observer's observation of the delivery the run follows, when it arrived in this process. */
  delivery: DeliveryObservation | undefined;
  /** The trace context a queued job carried from the delivery. */
  trace: TraceCarrier | undefined;
}

/** A run of an event's handlers ended. */
export interface RunEnd {
  /** `failed`: a handler failed its last call of this run. */
  outcome: 'handled' | 'failed';
  /** Every failed call of the run, retried or not. */
  failures: readonly HandlerFailure[];
  /** The failures were handed to the dead-letter sink (a queue's run leaves that to the queue). */
  deadLettered: boolean;
  /** From the run's start to its end, backoff between retries included. */
  durationMs: number;
}

/** One observer's view of one run of an event's handlers. */
export interface RunObservation {
  /** Run the handlers inside this (e.g. an OpenTelemetry context, so their own spans are children of the run's). */
  within?<T>(fn: () => T): T;
  end(info: RunEnd): void;
}

/**
 * Told when a delivery arrives and is answered, and when a run of handlers starts and ends: what tracing and metrics
 * packages (`@hookinbox/otel`, `@hookinbox/prometheus`) build on, through `receiver.observe(observer)`. Each method is
 * optional; an observer that returns nothing for a delivery or run is not told its end. Observers must not throw.
 */
export interface Observer {
  delivery?(start: DeliveryStart): DeliveryObservation | undefined;
  run?(start: RunStart): RunObservation | undefined;
}

type Pair<T> = { observer: Observer; observation: T };

/** What every observer made of one delivery. */
export class DeliveryObservations {
  constructor(readonly pairs: Pair<DeliveryObservation>[]) {}

  within<T>(fn: () => T): T {
    return within(this.pairs, fn);
  }

  /** The carriers of every observer, merged. */
  carrier(): TraceCarrier | undefined {
    let out: TraceCarrier | undefined;
    for (const { observation } of this.pairs) {
      const carrier = observation.carrier?.();
      if (carrier) out = out ? Object.assign(out, carrier) : carrier;
    }
    return out;
  }

  end(info: DeliveryEnd): void {
    for (const { observation } of this.pairs) observation.end(info);
  }

  /** The observation `observer` made, for its run. */
  of(observer: Observer): DeliveryObservation | undefined {
    for (const pair of this.pairs) if (pair.observer === observer) return pair.observation;
    return undefined;
  }
}

/** What every observer made of one run. */
export class RunObservations {
  constructor(readonly pairs: Pair<RunObservation>[]) {}

  within<T>(fn: () => T): T {
    return within(this.pairs, fn);
  }

  end(info: RunEnd): void {
    for (const { observation } of this.pairs) observation.end(info);
  }
}

/**
 * The receiver's observers. `active` is a plain field read on every delivery: with none, observing costs that one
 * check and nothing else.
 */
export class Observers {
  private list: Observer[] = [];
  active = false;

  add(observer: Observer): () => void {
    if (typeof observer !== 'object' || observer === null) {
      throw new TypeError('@hookinbox/core: observe() needs an observer object with delivery() and/or run()');
    }
    this.list = [...this.list, observer];
    this.active = true;
    return () => {
      this.list = this.list.filter((o) => o !== observer);
      this.active = this.list.length > 0;
    };
  }

  delivery(start: DeliveryStart): DeliveryObservations | undefined {
    const pairs: Pair<DeliveryObservation>[] = [];
    for (const observer of this.list) {
      const observation = observer.delivery?.(start);
      if (observation) pairs.push({ observer, observation });
    }
    return pairs.length > 0 ? new DeliveryObservations(pairs) : undefined;
  }

  run(
    event: ObservedEvent,
    attempt: number,
    delivery: DeliveryObservations | undefined,
    trace: TraceCarrier | undefined,
  ): RunObservations | undefined {
    const pairs: Pair<RunObservation>[] = [];
    for (const observer of this.list) {
      const observation = observer.run?.({ event, attempt, delivery: delivery?.of(observer), trace });
      if (observation) pairs.push({ observer, observation });
    }
    return pairs.length > 0 ? new RunObservations(pairs) : undefined;
  }
}

function within<T>(pairs: Pair<{ within?<R>(fn: () => R): R }>[], fn: () => T, from = 0): T {
  for (let i = from; i < pairs.length; i++) {
    const observation = pairs[i]?.observation;
    if (observation?.within) return observation.within(() => within(pairs, fn, i + 1));
  }
  return fn();
}

/**
 * The delivery each dispatched event came from, so that `eventJob(event)` can keep its trace context without the
 * dispatcher passing it along. Weak: an event that is never queued is forgotten with it.
 */
const dispatched = new WeakMap<object, DeliveryObservations>();

/** Remember the observations of the delivery `event` came from, while it is handed to a dispatcher. */
export function rememberDelivery(event: object, observed: DeliveryObservations): void {
  dispatched.set(event, observed);
}

/** The trace context of the delivery `event` came from, when it was observed. */
export function traceCarrierOf(event: object): TraceCarrier | undefined {
  return dispatched.get(event)?.carrier();
}
