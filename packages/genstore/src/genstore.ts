import {
  createHmacSha256,
  type EventMap,
  getHeader,
  HookinboxError,
  type PayloadSchema,
  type Provider,
  parseJsonSafe,
  parseOptions,
  type RawDelivery,
  type VerifiedDelivery,
} from '@hookinbox/core';
import { assertComplianceHandlers } from './compliance-guard.js';
import { eventKey } from './event-key.js';
import { GENSTORE_HEADERS as H } from './headers.js';
import type { GenstoreMeta } from './meta.js';
import { type GenstoreOptions, genstoreOptionsSchema } from './options.js';
import { matchSignature, type SignatureMatch } from './signature.js';
import { type GenstoreEventsWith, type GenstoreSchemas, genstoreSchemas } from './topics.js';

/**
 * The Genstore provider: a core {@link Provider} whose event map types each topic's payload.
 *
 * @typeParam E - topic → payload type: the catalogue, with the app's `schemas` laid over it.
 */
export interface GenstoreProvider<E extends EventMap = GenstoreEventsWith<{}>> extends Provider<E, GenstoreMeta> {
  readonly name: 'genstore';
  /** Synchronous on Node; a promise where the HMAC runs through Web Crypto (edge runtimes). */
  verify(delivery: RawDelivery): VerifiedDelivery<GenstoreMeta> | Promise<VerifiedDelivery<GenstoreMeta>>;
  schemaFor(topic: string): PayloadSchema | undefined;
  checkHandlers(patterns: readonly string[]): void;
}

/**
 * Build the Genstore provider for {@link createReceiver}.
 *
 * Each delivery is checked in this order: POST only (405), the `x-genstore-hmac-sha256` signature over the raw
 * body under any configured secret (401), the `x-genstore-topic` header (400), then the JSON body (400). Integers
 * beyond 2^53 in the body arrive as strings with every digit, and a leading byte order mark is ignored.
 *
 * @example
 * const receiver = createReceiver({ provider: genstore({ secret: process.env.GENSTORE_CLIENT_SECRET! }) });
 * receiver.on('customers/redact', async (event) => eraseCustomer(event.payload.customer.id));
 */
// One closure over what is prepared once (parsed options, one HMAC per secret, the schemas); its steps are short
// functions inside it, and the closure runs a little past the usual length of a function for that reason.
export function genstore<const S extends GenstoreSchemas = {}>(
  options: GenstoreOptions<S>,
): GenstoreProvider<GenstoreEventsWith<S>> {
  const opts = parseOptions(genstoreOptionsSchema, options, '@hookinbox/genstore');
  const secrets: readonly string[] = opts.secrets ?? [opts.secret as string];
  const macs = secrets.map((secret) => createHmacSha256(secret));
  // A Map, not an object lookup: topics are open-ended strings and `constructor` or `__proto__` must not resolve to
  // something inherited.
  const schemas = new Map<string, PayloadSchema>(Object.entries({ ...genstoreSchemas, ...opts.schemas }));
  const customKey = opts.dedupeKey;
  const requireCompliance = opts.requireComplianceHandlers;

  const dedupeKeyOf = (delivery: RawDelivery, topic: string, bodyMac: string): string => {
    if (customKey) {
      const key = customKey(delivery, topic);
      if (typeof key !== 'string' || key.length === 0) {
        throw new HookinboxError('internal_error', '@hookinbox/genstore: the dedupeKey option returned no key');
      }
      return key;
    }
    // Only what the signature covers may tell two events apart: a retry resends the same bytes, and an id header is
    // unsigned, so a captured body resent under a fresh id must land on the same key. The topic (unsigned too) is kept
    // in the key because one resource's events can share a body (orders/create and orders/paid of an order paid at
    // checkout); a body relabelled under another topic is met by the compliance schemas instead (SECURITY.md).
    return eventKey(topic, bodyMac);
  };

  /** The checks after the signature, and the parse. */
  const signed = (
    delivery: RawDelivery,
    { index: secretIndex, digest: bodyMac }: SignatureMatch,
  ): VerifiedDelivery<GenstoreMeta> => {
    const { headers, body } = delivery;
    if (bodyMac === null) {
      throw new HookinboxError(
        'invalid_signature',
        '@hookinbox/genstore: the signature does not match the body under any configured secret',
      );
    }
    const topic = getHeader(headers, H.topic)?.trim();
    if (!topic) {
      throw new HookinboxError('missing_header', `@hookinbox/genstore: the ${H.topic} header is missing`);
    }
    const meta: GenstoreMeta = { secretIndex };
    const shopDomain = getHeader(headers, H.shopDomain);
    if (shopDomain) meta.shopDomain = shopDomain;
    const webhookId = getHeader(headers, H.webhookId);
    if (webhookId) meta.webhookId = webhookId;
    const eventId = getHeader(headers, H.eventId);
    if (eventId) meta.eventId = eventId;
    const apiVersion = getHeader(headers, H.apiVersion);
    if (apiVersion) meta.apiVersion = apiVersion;
    const triggeredAt = getHeader(headers, H.triggeredAt);
    if (triggeredAt) meta.triggeredAt = triggeredAt;
    const dedupeKey = dedupeKeyOf(delivery, topic, bodyMac);
    const json = parseJsonSafe(body);
    // Authentic but not JSON: parked by the receiver, not refused, since Genstore would resend the same bytes.
    if (!json.ok)
      return { name: topic, dedupeKey, payload: undefined, meta, unprocessable: `the body is ${json.reason}` };
    return { name: topic, dedupeKey, payload: json.value, meta };
  };

  return {
    name: 'genstore',
    verify(delivery) {
      if (delivery.method.toUpperCase() !== 'POST') {
        throw new HookinboxError('method_not_allowed', '@hookinbox/genstore: Genstore delivers webhooks with POST', {
          headers: { allow: 'POST' },
        });
      }
      const { headers, body } = delivery;
      const signature = getHeader(headers, H.hmac);
      if (!signature) {
        throw new HookinboxError('missing_signature', `@hookinbox/genstore: the ${H.hmac} header is missing`);
      }
      const match = matchSignature(body, signature, macs);
      // On Node the HMAC answers at once and the delivery stays synchronous; through Web Crypto it is a promise.
      return match instanceof Promise ? match.then((m) => signed(delivery, m)) : signed(delivery, match);
    },
    schemaFor: (topic) => schemas.get(topic),
    checkHandlers(patterns) {
      if (requireCompliance) assertComplianceHandlers(patterns);
    },
  };
}
