import type { AnyEvent } from './routes.js';
import type { Logger, RawDelivery, WebhookResponse } from './types.js';

/** What the receiver answers: the response itself when no step had to wait, a promise of it otherwise. */
export type Answer = WebhookResponse | Promise<WebhookResponse>;

/**
 * One delivery on its way through the stages, carrying what each stage learnt: the event once it is authenticated
 * and parsed, the schema's error when it failed its schema, the claim's token once it is claimed.
 */
export class DeliveryContext {
  /** The authenticated, parsed event (after the provider). */
  event!: AnyEvent;
  /** The schema's error, when the payload failed its schema. */
  invalid: unknown = undefined;
  /** The claim's token; undefined when the store failed and the policy is fail-open. */
  token: string | undefined = undefined;

  constructor(
    readonly delivery: RawDelivery,
    readonly log: Logger,
    /** `performance.now()` when the delivery arrived: the acknowledgement latency counts from here. */
    readonly started: number,
  ) {}
}
