import type { WebhookEvent } from '@hookinbox/core';
import type { GeinsEventName, GeinsSubEntity, OrderSubEntity, ProductSubEntity } from './entities.js';

/**
 * What every Geins event carries, read back from the webhook's templates. Placeholder values are strings exactly as
 * rendered; a placeholder the templates do not use, or that rendered empty, is absent.
 */
export interface GeinsPayloadBase<E extends string = string, A extends string = string> {
  /** `{{entity}}`, or the `entity` option when the templates leave it out. Documented entities keep their spelling. */
  entity: E;
  /** `{{action}}`, or the `action` option when the templates leave it out. */
  action: A;
  /** `{{id}}` as sent: one id, or a comma list after a bulk operation (`12345,12346`). Empty without `{{id}}`. */
  id: string;
  /** `{{id}}` split on commas: always a list, with one id for a single change and several after a bulk one. */
  ids: string[];
  /** `{{subEntity}}`: which part changed (`price`, `row`, …). Absent when the whole entity changed. */
  subEntity?: GeinsSubEntity | (string & {});
  /** `{{account}}`. */
  account?: string;
  /** `{{environment}}`. */
  environment?: string;
  /** Every placeholder the templates use, by name, as rendered (empty ones included): also those not documented. */
  values: Readonly<Record<string, string>>;
  /** The parsed JSON body (undefined when there is none, the text when it is not JSON and no Body template reads it). */
  raw: unknown;
}

/** The placeholders of a password reset (`Customer.passwordreset`). */
export interface GeinsPasswordResetFields {
  channelName?: string;
  channelUrl?: string;
  /** Sensitive: a reset key lets its holder set the customer's password. */
  resetKey?: string;
}

/** The placeholders of a ProductMonitor event (back-in-stock and similar notifications). */
export interface GeinsProductMonitorFields {
  email?: string;
  language?: string;
  productId?: string;
  productName?: string;
  productUrl?: string;
  productPrice?: string;
  productImage?: string;
  itemId?: string;
  itemName?: string;
}

/** Every documented placeholder beyond the common ones; the payload of an event whose name is not documented. */
export interface GeinsOptionalFields extends GeinsPasswordResetFields, GeinsProductMonitorFields {
  paymentName?: string;
  orderRowId?: string;
  returnId?: string;
}

type SubEntityOf<E> = E extends 'Product'
  ? { subEntity?: ProductSubEntity | (string & {}) }
  : E extends 'Order'
    ? { subEntity?: OrderSubEntity | (string & {}) }
    : {};

type FieldsOf<E, A> = (E extends 'Capture' | 'Refund' ? { paymentName?: string } : {}) &
  (E extends 'Customer' ? (A extends 'passwordreset' ? GeinsPasswordResetFields : {}) : {}) &
  (E extends 'Order'
    ? A extends 'cancelrow'
      ? { orderRowId?: string }
      : A extends 'return'
        ? { returnId?: string }
        : {}
    : {}) &
  (E extends 'ProductMonitor' ? GeinsProductMonitorFields : {});

/**
 * The payload of a Geins event. For a documented `Entity.action` it has that event's placeholders (a Capture its
 * `paymentName`, a Product its sub-entities); for any other name, every documented placeholder, all optional.
 */
export type GeinsPayload<E extends string = string, A extends string = string> = string extends E
  ? GeinsPayloadBase<E, A> & GeinsOptionalFields
  : Omit<GeinsPayloadBase<E, A>, 'subEntity'> &
      (E extends 'Product' | 'Order' ? SubEntityOf<E> : { subEntity?: string }) &
      FieldsOf<E, A>;

/** Routing name → payload for every documented event: what types `receiver.on('Order.create', …)`. */
export type GeinsEvents = {
  [N in GeinsEventName]: N extends `${infer E}.${infer A}` ? GeinsPayload<E, A> : never;
};

/** Metadata of every Geins event. */
export interface GeinsMeta {
  /** The `x-idempotency-key` header: the same on every attempt of one event. Absent when Retry is off. */
  idempotencyKey?: string;
  /** The `x-timestamp` header as sent: when Geins initiated the event (the same on every attempt). */
  timestamp?: string;
  /** `timestamp` as a date, when it could be read as one. */
  timestampDate?: Date;
  /** `{{account}}`, when the templates use it. */
  account?: string;
  /** `{{environment}}`, when the templates use it. */
  environment?: string;
  /** Which configured secret authenticated the delivery (0 is the first); absent with `auth: false`. */
  secretIndex?: number;
}

/**
 * A Geins event as a handler receives it. Handy to type a handler written apart from `receiver.on`, or the
 * payload of a `*` handler.
 */
export type GeinsEvent<N extends string = string> = WebhookEvent<
  N,
  N extends keyof GeinsEvents ? GeinsEvents[N] : GeinsPayload,
  GeinsMeta
>;
