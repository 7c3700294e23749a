import { parseOptions } from '@hookinbox/core';
import { z } from 'zod';
import { compileBodyTemplate, DEFAULT_BODY_TEMPLATE } from '../body-template.js';
import { canonicalAction, canonicalEntity, GEINS_ENTITIES, type GeinsEntity } from '../entities.js';
import { type GeinsProvider, geins } from '../geins.js';
import type { GeinsOptions } from '../options.js';
import { compileUrlTemplate } from '../url-template.js';
import type { GeinsAdminWebhookInput } from './client.js';

const PREFIX = '@hookinbox/geins';

/** Where the shared secret travels: a header Geins adds (from the webhook's Headers), or a query parameter. */
export type GeinsWebhookSecret =
  | {
      /** Header name, e.g. `authorization` (then the value is `Bearer <token>`) or `x-webhook-secret`. */
      header: string;
      /** The header's value. For `authorization`, `Bearer <token>`; a bare token gets `Bearer ` put in front. */
      value: string;
      /** Earlier secrets still accepted during a rotation (the token part only, for `authorization`). */
      previous?: readonly string[];
    }
  | {
      /** Query parameter name, e.g. `token`; it is added to the registered Url. */
      query: string;
      /** Letters, digits, `.`, `_`, `~` and `-` only: Geins puts the Url as written. */
      value: string;
      previous?: readonly string[];
    };

/** Input of {@link defineGeinsWebhook}. */
export interface GeinsWebhookDefinitionInput {
  /** The webhook's Name in Geins; a sync recognises the webhook by it. */
  name: string;
  description?: string;
  /** One entity per webhook, as Geins configures them. */
  entity: GeinsEntity | (string & {});
  /** Actions to subscribe to, e.g. `['create', 'update']`. */
  actions: readonly string[];
  /** Default `POST`. */
  method?: string;
  /** The full public URL template Geins calls, e.g. `https://app.example/webhooks/geins/{{entity}}?action={{action}}`. */
  url: string;
  /**
   * The Body template. Default: the docs' quick start body `{"entity":"{{entity}}","action":"{{action}}","id":"{{id}}"}`;
   * none for GET webhooks.
   */
  body?: string;
  secret: GeinsWebhookSecret;
  /** Extra header lines Geins adds, e.g. `{ 'Content-Type': 'application/json' }`. */
  headers?: Readonly<Record<string, string>>;
  /** Ask Geins to retry failed deliveries (3 more times, 10 minutes apart) and send `x-idempotency-key`. Default true. */
  retry?: boolean;
}

/** Values for the placeholders of a delivery rendered by {@link GeinsWebhookDefinition.render}. */
export interface GeinsRenderValues {
  /** One of the definition's actions (default: the first). */
  action?: string;
  /** `{{id}}`; may be a comma list. Default `12345`. */
  id?: string;
  /** Default `demo`. */
  account?: string;
  /** Default `prod`. */
  environment?: string;
  /** Any other placeholder, e.g. `subEntity`. Missing ones render empty, as Geins does. */
  values?: Readonly<Record<string, string>>;
  /** Default: a random UUID. */
  idempotencyKey?: string;
  /** Default: now, ISO 8601. */
  timestamp?: string;
}

/** A delivery as Geins would send it for this webhook. */
export interface GeinsRenderedDelivery {
  method: string;
  url: string;
  /** Lower-case names. */
  headers: Record<string, string>;
  body: string | undefined;
}

/**
 * One Geins webhook, defined once for both sides: what to register with the Management API, and how the receiver
 * reads and authenticates its deliveries. Neither side can drift from the other.
 */
export interface GeinsWebhookDefinition {
  readonly name: string;
  readonly entity: string;
  readonly actions: readonly string[];
  readonly method: string;
  /** The Url template as given (without a query secret). */
  readonly url: string;
  /** The Body template, or undefined for a webhook without body. */
  readonly body: string | undefined;
  readonly retry: boolean;
  /** The payload for `client.create()` / `client.update()` and `planGeinsSync`. */
  toManagementPayload(): GeinsAdminWebhookInput;
  /** Options for `geins(...)`: templates, the fixed entity (and action) when the templates leave them out, method, secret. */
  toProviderOptions(): GeinsOptions;
  /** `geins(definition.toProviderOptions())`, with extra options such as `maxAgeMs` or `logger`. */
  provider(extra?: Pick<GeinsOptions, 'maxAgeMs' | 'logger'>): GeinsProvider;
  /** Render a delivery from the definition's own templates, as Geins would (placeholders replaced as plain text). */
  render(values?: GeinsRenderValues): GeinsRenderedDelivery;
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const URL_SAFE = /^[A-Za-z0-9._~-]+$/;
const noLineBreak = (s: string) => !/[\r\n]/.test(s);

const secretText = z
  .string()
  .min(1, 'must not be empty')
  .refine((s) => s.trim() === s, 'must not start or end with whitespace')
  .refine(noLineBreak, 'must not contain line breaks');

const inputSchema = z.strictObject({
  name: z.string().trim().min(1, 'must not be empty'),
  description: z.string().optional(),
  entity: z
    .string()
    .transform(canonicalEntity)
    .refine((e) => Object.hasOwn(GEINS_ENTITIES, e), {
      message: `must be one of ${Object.keys(GEINS_ENTITIES).join(', ')}`,
    }),
  actions: z
    .array(z.string().regex(/^[A-Za-z]+$/, 'must be an action name such as create'))
    .min(1, 'must not be empty'),
  method: z
    .string()
    .regex(/^[A-Za-z]+$/, 'must be an HTTP method such as POST')
    .transform((m) => m.toUpperCase())
    .default('POST'),
  url: z.string().regex(/^https?:\/\/[^/?#]+/i, 'must be the full public URL, https://host/path'),
  body: z.string().min(1, 'must not be empty').optional(),
  secret: z.union([
    z.strictObject({
      header: z.string().regex(HEADER_NAME, 'must be a header name'),
      value: secretText,
      previous: z.array(secretText).optional(),
    }),
    z.strictObject({
      query: z.string().regex(URL_SAFE, 'must be a plain query parameter name'),
      value: secretText.regex(URL_SAFE, 'must use only letters, digits, ".", "_", "~" and "-" in a Url'),
      previous: z.array(secretText.regex(URL_SAFE)).optional(),
    }),
  ]),
  headers: z
    .record(
      z.string().regex(HEADER_NAME, 'must be a header name'),
      z.string().refine(noLineBreak, 'must not contain line breaks'),
    )
    .optional(),
  retry: z.boolean().default(true),
});

const BEARER = /^Bearer[ \t]+/i;

/**
 * Define a Geins webhook once, for both registering it and receiving it.
 *
 * @example
 * export const orders = defineGeinsWebhook({
 *   name: 'app: orders',
 *   entity: 'Order',
 *   actions: ['create', 'complete'],
 *   url: 'https://app.example/webhooks/geins',
 *   secret: { header: 'authorization', value: `Bearer ${process.env.GEINS_WEBHOOK_SECRET}` },
 * });
 * await client.create(orders.toManagementPayload());            // or planGeinsSync({ client, definitions: [orders] })
 * const receiver = createReceiver({ provider: orders.provider() });
 */
// Builds one definition object whose methods share the parsed input; longer than a usual function for that reason.
export function defineGeinsWebhook(input: GeinsWebhookDefinitionInput): GeinsWebhookDefinition {
  const d = parseOptions(inputSchema, input, `${PREFIX}: defineGeinsWebhook`);
  const entity = d.entity as GeinsEntity;
  const known: readonly string[] = GEINS_ENTITIES[entity];
  const actions = [...new Set(d.actions.map(canonicalAction))];
  const unknown = actions.filter((a) => !known.includes(a));
  if (unknown.length > 0) {
    throw new TypeError(
      `${PREFIX}: webhook "${d.name}": ${entity} has no action ${unknown.join(', ')}; it has ${known.join(', ')}`,
    );
  }
  const body = d.body ?? (d.method === 'GET' ? undefined : DEFAULT_BODY_TEMPLATE);

  // Compiling here reports a template that cannot be read back when the definition is made, not at the first delivery.
  const placeholders = new Set([
    ...compileUrlTemplate(d.url).placeholders,
    ...(body === undefined ? [] : compileBodyTemplate(body).placeholders),
  ]);
  if (!placeholders.has('action') && actions.length > 1) {
    throw new TypeError(
      `${PREFIX}: webhook "${d.name}" has several actions (${actions.join(', ')}) but neither its Url nor its Body ` +
        'holds {{action}}, so a delivery would not say which one happened. Add {{action}}, or define one webhook per action',
    );
  }

  const secret = d.secret;
  let headerLine: string | undefined;
  let registeredUrl = d.url;
  let providerAuth: Pick<GeinsOptions, 'secret' | 'secrets' | 'secretHeader' | 'secretQuery'>;
  const secrets = (current: string) =>
    secret.previous && secret.previous.length > 0 ? { secrets: [current, ...secret.previous] } : { secret: current };
  if ('header' in secret) {
    const header = secret.header.toLowerCase();
    if (header === 'authorization') {
      const token = secret.value.replace(BEARER, '');
      headerLine = `Authorization: Bearer ${token}`;
      providerAuth = { ...secrets(token), secretHeader: header };
    } else {
      headerLine = `${secret.header}: ${secret.value}`;
      providerAuth = { ...secrets(secret.value), secretHeader: header };
    }
  } else {
    const hash = registeredUrl.indexOf('#');
    const base = hash === -1 ? registeredUrl : registeredUrl.slice(0, hash);
    if (new RegExp(`[?&]${secret.query}=`).test(base)) {
      throw new TypeError(`${PREFIX}: webhook "${d.name}": the url already has a "${secret.query}" parameter`);
    }
    registeredUrl = `${base}${base.includes('?') ? '&' : '?'}${secret.query}=${secret.value}`;
    providerAuth = { ...secrets(secret.value), secretQuery: secret.query };
  }
  const headerLines = [
    ...(headerLine === undefined ? [] : [headerLine]),
    ...Object.entries(d.headers ?? {}).map(([name, value]) => `${name}: ${value}`),
  ];

  const payload: GeinsAdminWebhookInput = {
    Entity: entity,
    Name: d.name,
    ...(d.description === undefined ? {} : { Description: d.description }),
    Actions: actions.join(','),
    Method: d.method,
    Url: registeredUrl,
    ...(body === undefined ? {} : { Body: body }),
    ...(headerLines.length === 0 ? {} : { Headers: headerLines.join('\n') }),
    Retry: d.retry,
  };

  const providerOptions: GeinsOptions = {
    ...providerAuth,
    urlTemplate: d.url,
    ...(body === undefined ? {} : { bodyTemplate: body }),
    ...(placeholders.has('entity') ? {} : { entity }),
    ...(placeholders.has('action') ? {} : { action: actions[0] }),
    method: d.method,
  };

  return {
    name: d.name,
    entity,
    actions,
    method: d.method,
    url: d.url,
    body,
    retry: d.retry,
    toManagementPayload: () => ({ ...payload }),
    toProviderOptions: () => ({ ...providerOptions }),
    provider: (extra = {}) => geins({ ...providerOptions, ...extra }),
    render(values = {}) {
      const action = values.action ?? actions[0];
      const all: Record<string, string> = {
        ...values.values,
        entity,
        action: action as string,
        id: values.id ?? '12345',
        account: values.account ?? 'demo',
        environment: values.environment ?? 'prod',
      };
      const fill = (template: string) =>
        template.replace(/\{\{([A-Za-z_][A-Za-z0-9_]*)\}\}/g, (_, name: string) =>
          Object.hasOwn(all, name) ? (all[name] as string) : '',
        );
      const headers: Record<string, string> = {
        'x-idempotency-key': values.idempotencyKey ?? crypto.randomUUID(),
        'x-timestamp': values.timestamp ?? new Date().toISOString(),
      };
      for (const line of headerLines) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      if (body !== undefined && headers['content-type'] === undefined) headers['content-type'] = 'application/json';
      return { method: d.method, url: fill(registeredUrl), headers, body: body === undefined ? undefined : fill(body) };
    },
  };
}

/** True for an object made by {@link defineGeinsWebhook} (or anything shaped like one). */
export function isGeinsWebhookDefinition(value: unknown): value is GeinsWebhookDefinition {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as GeinsWebhookDefinition).toManagementPayload === 'function' &&
    typeof (value as GeinsWebhookDefinition).toProviderOptions === 'function'
  );
}
