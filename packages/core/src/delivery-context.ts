import type { InFlightEntry } from './in-flight.js';
import type { DeliveryObservations } from './observe.js';
import type { WaitUntil } from './receiver-types.js';
import type { AnyEvent } from './routes.js';
import type { Logger, RawDelivery, WebhookResponse } from './types.js';

/** What the receiver answers: the response itself when no step had to wait, a promise of it otherwise. */
export type Answer = WebhookResponse | Promise<WebhookResponse>;

/** What became of a delivery, as `receiver.replay()` reports it. */
export type Outcome =
  /** Answered 200; its handlers run after the answer (or in a queue's worker). */
  | 'acknowledged'
  /** Its handlers ran and succeeded before the answer. */
  | 'handled'
  /** Processed before: nothing ran. */
  | 'duplicate'
  /** A copy is being processed right now: nothing ran. */
  | 'in-flight'
  /** Authentic, but not processable: kept in the dead-letter sink. */
  | 'parked'
  /** A handler failed every attempt: kept in the dead-letter sink. */
  | 'failed'
  /** Refused (not authentic, malformed, store down, closing): the answer says why. */
  | 'refused';

/**
 * One delivery on its way through the stages, carrying what each stage learnt: the event once it is authenticated
 * and parsed, why it cannot be processed when it cannot, the claim's token once it is claimed.
 */
export class DeliveryContext {
  /** The authenticated, parsed event (after the provider). */
  event!: AnyEvent;
  /** The schema's error, when the payload failed its schema. */
  invalid: unknown = undefined;
  /** Why the provider could not parse an authentic delivery. */
  unprocessable: string | undefined = undefined;
  /** The claim's token; undefined when the store failed and the policy is fail-open. */
  token: string | undefined = undefined;
  /** A replay: the handlers run before the answer, with their retries, whatever the acknowledgement mode. */
  replay = false;
  /** A replayed delivery kept without its credentials: authenticated when it first arrived. */
  authenticated = false;
  outcome: Outcome = 'acknowledged';
  /** Resolves the promise handed to `waitUntil` once the work after the answer is done. */
  settle: (() => void) | undefined = undefined;
  /** Its place among the receiver's work in flight, while its handlers run after the answer. */
  inFlight: InFlightEntry | undefined = undefined;
  /** What the receiver's observers made of this delivery; undefined when none observes. */
  observed: DeliveryObservations | undefined = undefined;

  constructor(
    readonly delivery: RawDelivery,
    readonly log: Logger,
    /** `performance.now()` when the delivery arrived: the acknowledgement latency counts from here. */
    readonly started: number,
    /** The runtime's `waitUntil`, handed the work that goes on after the answer (see `HandleOptions`). */
    readonly waitUntil?: WaitUntil,
  ) {}
}
