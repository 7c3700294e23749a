/**
 * What a Genstore event carries besides its payload, from the delivery's headers. Only documented or expected
 * headers are read, and none is required: each field is absent when its header was not sent.
 */
export interface GenstoreMeta {
  /** The shop that sent the delivery (`x-genstore-shop-domain`), e.g. `my-shop.genmystore.com`. */
  shopDomain?: string;
  /** `x-genstore-webhook-id`: the delivery's id, when Genstore sends one. Unsigned, so not the dedupe key. */
  webhookId?: string;
  /** `x-genstore-event-id`: the id of the event behind the delivery, when sent. */
  eventId?: string;
  /** `x-genstore-api-version`, e.g. `202412`. */
  apiVersion?: string;
  /** `x-genstore-triggered-at`, exactly as sent (its format is not published). */
  triggeredAt?: string;
  /**
   * Which configured secret verified the signature (0 for `secret`, the position in `secrets` otherwise). During a
   * rotation, deliveries still matching the old secret show it is not yet safe to drop.
   */
  secretIndex: number;
}
