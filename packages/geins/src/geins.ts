import {
  compilePattern,
  decodeUtf8,
  getHeader,
  HookinboxError,
  type Logger,
  type Provider,
  parseJsonSafe,
  parseOptions,
  type RawDelivery,
  sha256Hex,
  splitUrl,
  type VerifiedDelivery,
  type VerifyOptions,
} from '@hookinbox/core';
import { createSecretCheck, redactSecret } from './auth.js';
import { type BodyTemplate, compileBodyTemplate, DEFAULT_BODY_TEMPLATE } from './body-template.js';
import { actionsOf, canonicalAction, canonicalEntity, GEINS_PLACEHOLDERS } from './entities.js';
import { type GeinsOptions, geinsOptionsSchema } from './options.js';
import type { GeinsEvents, GeinsMeta, GeinsPayload } from './payload.js';
import { parseGeinsTimestamp } from './timestamp.js';
import { compileUrlTemplate, type UrlTemplate } from './url-template.js';

/**
 * The Geins provider: a core {@link Provider} whose event map types each documented `Entity.action`; any other name
 * (and the catch-all `*`) gets the loose {@link GeinsPayload}, since every Geins payload has that shape.
 */
export interface GeinsProvider extends Provider<GeinsEvents, GeinsMeta, GeinsPayload> {
  readonly name: 'geins';
  verify(delivery: RawDelivery, options?: VerifyOptions): VerifiedDelivery<GeinsMeta>;
  /** The delivery without the shared secret, as a dead letter keeps it. */
  redact(delivery: RawDelivery): RawDelivery;
  checkHandlers(patterns: readonly string[]): void;
  /** Every placeholder the templates read back, in no particular order. */
  readonly placeholders: readonly string[];
}

const ROUTING_PART = /^[A-Za-z0-9_-]+$/;
/** Longer keys are hashed: the key goes to the dedupe store, and a sender should not choose how much it holds. */
const MAX_KEY_LENGTH = 200;
// Placeholders copied onto the payload by name; `id` and `entity`/`action` are handled apart.
const NAMED = GEINS_PLACEHOLDERS.filter((p) => p !== 'id' && p !== 'entity' && p !== 'action');

const consoleWarn: Pick<Logger, 'warn'> = { warn: (_obj, msg) => console.warn(msg) };

/**
 * Build the Geins provider for `createReceiver`.
 *
 * The app gives the Body and/or Url template it configured on the webhook in Geins, and the provider reads each
 * delivery back through them: `{"productId":"{{id}}","changeType":"{{subEntity}}"}` yields the id and sub-entity
 * with no parsing code. A template that cannot be read back is refused here, with where the problem is.
 *
 * Each delivery is checked in this order: the method (405), the shared secret (401), `x-timestamp` when `maxAgeMs`
 * is set (400), then the Url and the JSON body against the templates: an authentic delivery they cannot read is
 * returned as unprocessable, and the receiver parks it (200) rather than refuse it. Routing names are `Entity.action`.
 *
 * @example
 * const receiver = createReceiver({ provider: geins({ secret: process.env.GEINS_WEBHOOK_SECRET! }) });
 * receiver.on('Order.create', async (event) => fulfil(event.payload.ids));
 */
// The provider is one closure over what is prepared once (parsed options, templates, secret check); its steps are
// short functions inside it, and the closure runs past the usual length of a function for that reason.
export function geins(options: GeinsOptions): GeinsProvider {
  const opts = parseOptions(geinsOptionsSchema, options, '@hookinbox/geins');
  const logger = opts.logger ?? consoleWarn;

  const bodyTemplateText = opts.bodyTemplate ?? (opts.urlTemplate === undefined ? DEFAULT_BODY_TEMPLATE : undefined);
  const body: BodyTemplate | undefined =
    bodyTemplateText === undefined ? undefined : compileBodyTemplate(bodyTemplateText);
  const url: UrlTemplate | undefined =
    opts.urlTemplate === undefined ? undefined : compileUrlTemplate(opts.urlTemplate);
  const placeholders = new Set([...(url?.placeholders ?? []), ...(body?.placeholders ?? [])]);

  for (const part of ['entity', 'action'] as const) {
    const fixed = opts[part];
    if (placeholders.has(part) && fixed !== undefined) {
      throw new TypeError(
        `@hookinbox/geins: the templates already hold {{${part}}}, so the ${part} option would be ignored; drop it`,
      );
    }
    if (!placeholders.has(part) && fixed === undefined) {
      const inHost = url?.hostPlaceholders.has(part)
        ? ` (the Url template has {{${part}}} in its host, which the request does not show)`
        : '';
      const example = part === 'entity' ? "entity: 'Product'" : "action: 'update'";
      throw new TypeError(
        `@hookinbox/geins: the templates cannot be read back: nothing in them says the ${part}${inHost}. ` +
          `Add {{${part}}} to the Body or Url template, or fix it in the options (${example}) when the webhook ` +
          `has one ${part}`,
      );
    }
  }

  let checkSecret: ReturnType<typeof createSecretCheck> | undefined;
  const secretAt = {
    secrets: opts.secrets ?? [opts.secret as string],
    header: opts.secretHeader,
    query: opts.secretQuery,
  };
  if (opts.auth === false) {
    logger.warn(
      {},
      '@hookinbox/geins: authentication is off (auth: false): anyone who learns the URL can send events. Put a ' +
        'secret in the webhook Headers and pass it as `secret`',
    );
  } else {
    checkSecret = createSecretCheck(secretAt);
  }

  const methods = new Set(opts.method);
  const allow = [...methods].join(', ');
  const { maxAgeMs } = opts;
  let warnedNoKey = false;

  const invalid = (message: string) => new HookinboxError('invalid_body', `@hookinbox/geins: ${message}`);

  const routingPart = (part: 'entity' | 'action', values: Map<string, string>): string => {
    const value = values.get(part) ?? (opts[part] as string);
    if (value === '') throw invalid(`{{${part}}} is empty in this delivery`);
    if (!ROUTING_PART.test(value)) throw invalid(`{{${part}}} is not a name (letters, digits, _ or -)`);
    return part === 'entity' ? canonicalEntity(value) : canonicalAction(value);
  };

  /** The templates read back: the routing name and the payload. Throws `invalid_body` when they do not fit. */
  const parse = (delivery: RawDelivery, path: string, query: URLSearchParams, meta: GeinsMeta) => {
    const found = new Map<string, string[]>();
    if (url) {
      const mismatch = url.read(path, query, found);
      if (mismatch) throw invalid(`the request URL does not match the Url template: ${mismatch}`);
    }
    let raw: unknown;
    const text = decodeUtf8(delivery.body);
    if (body) {
      if (text.trim() === '') throw invalid('the body is empty, but the Body template expects JSON');
      const json = parseJsonSafe(text);
      if (!json.ok) throw invalid(`the body is ${json.reason}`);
      raw = json.value;
      const mismatch = body.read(raw, found);
      if (mismatch) throw invalid(`the body does not match the Body template: ${mismatch}`);
    } else if (delivery.body.length > 0) {
      const json = parseJsonSafe(text);
      raw = json.ok ? json.value : text;
    }

    const values = new Map<string, string>();
    for (const [name, list] of found) {
      const first = list[0] as string;
      if (list.some((v) => v !== first)) throw invalid(`{{${name}}} has different values in one delivery`);
      values.set(name, first);
    }
    const entity = routingPart('entity', values);
    const action = routingPart('action', values);
    const id = values.get('id') ?? '';
    const payload: GeinsPayload = {
      entity,
      action,
      id,
      ids: id
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== ''),
      // fromEntries defines own properties, so a `{{__proto__}}` placeholder cannot touch the prototype.
      values: Object.fromEntries(values),
      raw,
    };
    for (const name of NAMED) {
      const value = values.get(name);
      if (value) (payload as unknown as Record<string, string>)[name] = value;
    }
    if (payload.account) meta.account = payload.account;
    if (payload.environment) meta.environment = payload.environment;
    return { name: `${entity}.${action}`, payload };
  };

  const dedupeKeyOf = (
    delivery: RawDelivery,
    method: string,
    path: string,
    idempotencyKey: string | undefined,
    timestamp: string | undefined,
  ): string => {
    if (idempotencyKey) {
      return idempotencyKey.length <= MAX_KEY_LENGTH
        ? `geins:key:${idempotencyKey}`
        : `geins:key-sha256:${sha256Hex(idempotencyKey)}`;
    }
    if (!timestamp && !warnedNoKey) {
      warnedNoKey = true;
      logger.warn(
        {},
        '@hookinbox/geins: a delivery came without x-idempotency-key and x-timestamp; identical deliveries are ' +
          'now treated as one event for the dedupe TTL. Turn Retry on for the webhook so Geins sends the key',
      );
    }
    // With Retry off Geins sends no key, and nothing resends but the network, so the request itself is the key.
    // The timestamp keeps two real events with the same rendered body (a price changed twice) apart.
    const q = delivery.url.indexOf('?');
    return `geins:sha256:${sha256Hex(method, path, q === -1 ? '' : delivery.url.slice(q + 1), timestamp ?? '', delivery.body)}`;
  };

  return {
    name: 'geins',
    placeholders: [...placeholders],
    redact: (delivery) => (checkSecret ? redactSecret(delivery, secretAt) : delivery),
    verify(delivery, verifyOptions) {
      const method = delivery.method.toUpperCase();
      if (!methods.has(method)) {
        throw new HookinboxError(
          'method_not_allowed',
          `@hookinbox/geins: this webhook is configured for ${allow}, not ${method}`,
          { headers: { allow } },
        );
      }
      const { headers } = delivery;
      const { path, query } = splitUrl(delivery.url);
      const meta: GeinsMeta = {};
      // A replayed dead letter was authenticated when it arrived, and is kept without its secret.
      if (checkSecret && verifyOptions?.authenticated !== true) meta.secretIndex = checkSecret(headers, query);

      const idempotencyKey = getHeader(headers, 'x-idempotency-key')?.trim();
      if (idempotencyKey) meta.idempotencyKey = idempotencyKey;
      const timestamp = getHeader(headers, 'x-timestamp')?.trim();
      if (timestamp) {
        meta.timestamp = timestamp;
        const date = parseGeinsTimestamp(timestamp);
        if (date) meta.timestampDate = date;
      }
      if (maxAgeMs !== undefined) {
        if (!timestamp) {
          throw new HookinboxError('missing_header', '@hookinbox/geins: the x-timestamp header is missing (maxAgeMs)');
        }
        if (!meta.timestampDate) {
          throw new HookinboxError(
            'stale_delivery',
            '@hookinbox/geins: the x-timestamp header is not a time, so the delivery age cannot be checked',
          );
        }
        if (Date.now() - meta.timestampDate.getTime() > maxAgeMs) {
          throw new HookinboxError('stale_delivery', `@hookinbox/geins: the delivery is older than ${maxAgeMs} ms`);
        }
      }

      const dedupeKey = dedupeKeyOf(delivery, method, path, idempotencyKey, timestamp);
      // Authentic from here on: a delivery the templates cannot read is parked, not refused. Geins would only resend
      // the same rendering until it gives up, and the merchant may have edited the template in Geins.
      let parsed: { name: string; payload: GeinsPayload };
      try {
        parsed = parse(delivery, path, query, meta);
      } catch (error) {
        if (!(error instanceof HookinboxError) || error.code !== 'invalid_body') throw error;
        return {
          name: '',
          dedupeKey,
          payload: undefined,
          meta,
          unprocessable: error.message.replace(/^@hookinbox\/geins: /, ''),
        };
      }
      return { name: parsed.name, dedupeKey, payload: parsed.payload, meta };
    },
    checkHandlers(patterns) {
      const entity = opts.entity === undefined ? undefined : canonicalEntity(opts.entity);
      if (entity === undefined) return;
      const action = opts.action === undefined ? undefined : canonicalAction(opts.action);
      for (const pattern of patterns) {
        const matches = compilePattern(pattern);
        const ownAction = pattern.slice(pattern.indexOf('.') + 1);
        const names = (action === undefined ? [...actionsOf(entity), ownAction] : [action]).map(
          (a) => `${entity}.${a}`,
        );
        if (!names.some(matches)) {
          logger.warn(
            { pattern },
            `@hookinbox/geins: the handler for "${pattern}" never runs: every delivery of this webhook is ` +
              `${entity}.${action ?? '*'}`,
          );
        }
      }
    },
  };
}
