import { parseOptions } from '@hookinbox/core';
import { z } from 'zod';
import {
  type AdminCall,
  GeinsAdminError,
  type GeinsAdminFetch,
  type GeinsAdminRetryOptions,
  geinsAdminRetrySchema,
  sendAdminCall,
} from './http.js';

const PREFIX = '@hookinbox/geins';

/**
 * The entity enum of the Management API spec (`Geins.WebhookItem.Entity`: 0 = NOT_SET … 10 = ProductMonitor). The
 * docs' quick start sends names (`"Entity": "Order"`); the spec lists numbers. Answers may carry either.
 */
const GEINS_ADMIN_ENTITIES = [
  'NOT_SET',
  'Brand',
  'Capture',
  'Category',
  'Customer',
  'Order',
  'PageWidget',
  'Product',
  'Refund',
  'Supplier',
  'ProductMonitor',
] as const;

/** A webhook entity name, e.g. `Order`. */
export type GeinsAdminEntity = Exclude<(typeof GEINS_ADMIN_ENTITIES)[number], 'NOT_SET'>;

/**
 * The Management API's webhook fields (`Webhook.Models.RestWebhook`), as sent to create or update one.
 * `Actions` is a comma list; `Headers` is one string such as `Authorization: Bearer s3cret`.
 */
export interface GeinsAdminWebhookInput {
  Entity: GeinsAdminEntity | (string & {});
  Name: string;
  Description?: string;
  /** Comma list, e.g. `create,update`. */
  Actions: string;
  /** HTTP method Geins delivers with (the docs use POST). */
  Method?: string;
  /** URL template; may hold placeholders such as `{{entity}}`. */
  Url: string;
  /** Body template; may hold placeholders. */
  Body?: string;
  /** Header lines Geins adds to each delivery, e.g. `Authorization: Bearer s3cret`. */
  Headers?: string;
  Retry?: boolean;
}

const KEYS = ['Id', 'Entity', 'Name', 'Description', 'Actions', 'Method', 'Url', 'Body', 'Headers', 'Retry'] as const;
const CANONICAL = new Map(KEYS.map((k) => [k.toLowerCase(), k]));

const entitySchema = z.union([z.number().int(), z.string()]).transform((value, ctx) => {
  if (typeof value === 'number') {
    const name = GEINS_ADMIN_ENTITIES[value];
    if (name === undefined) {
      ctx.addIssue({ code: 'custom', message: `unknown entity number ${value}` });
      return z.NEVER;
    }
    return name as string;
  }
  return GEINS_ADMIN_ENTITIES.find((e) => e.toLowerCase() === value.toLowerCase()) ?? value;
});
const optionalText = z.string().nullish();

/**
 * A registered webhook as the API returns it, normalised: keys in the spec's PascalCase whatever case they came
 * in, `Id` a string, `Entity` a name even when the API sent its number. A field the answer left out is undefined;
 * one it sent as null stays null.
 */
const geinsAdminWebhookSchema = z.preprocess(
  (value) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) out[CANONICAL.get(key.toLowerCase()) ?? key] = v;
    return out;
  },
  z.looseObject({
    Id: z.union([z.string().min(1), z.number()]).transform(String),
    Entity: entitySchema,
    Name: optionalText,
    Description: optionalText,
    Actions: optionalText,
    Method: optionalText,
    Url: optionalText,
    Body: optionalText,
    Headers: optionalText,
    Retry: z.boolean().nullish(),
  }),
);

/** A registered webhook, normalised by {@link geinsAdminWebhookSchema}. */
export type GeinsAdminWebhook = z.output<typeof geinsAdminWebhookSchema>;

/**
 * Paths of the webhook endpoints, relative to `baseUrl`; `{id}` is replaced by the encoded id. The defaults follow
 * the Management API spec (POST `/API/Webhook`, GET `/API/Webhook/List`, GET/PUT/DELETE `/API/Webhook/{id}`).
 * Should an account's API differ, e.g. list on GET `/API/Webhook`, override them.
 */
export interface GeinsAdminPaths {
  create?: string;
  list?: string;
  item?: string;
}

const optionsSchema = z.object({
  apiKey: z.string().min(1, { message: 'must not be empty' }),
  username: z.string().min(1, { message: 'must not be empty' }),
  password: z.string().min(1, { message: 'must not be empty' }),
  baseUrl: z
    .url({ protocol: /^https?$/ })
    .transform((u) => u.replace(/\/+$/, ''))
    .default('https://mgmtapi.geins.io'),
  fetch: z.custom<GeinsAdminFetch>((v) => typeof v === 'function', { message: 'must be a function' }).optional(),
  retry: geinsAdminRetrySchema,
  paths: z
    .object({
      create: z.string().startsWith('/').default('/API/Webhook'),
      list: z.string().startsWith('/').default('/API/Webhook/List'),
      item: z.string().startsWith('/').includes('{id}').default('/API/Webhook/{id}'),
    })
    .prefault({}),
  entityFormat: z.enum(['name', 'number']).default('name'),
});

/** Options of {@link createGeinsAdminClient}. */
export interface GeinsAdminClientOptions {
  /** The Management API key; sent as `X-ApiKey`. */
  apiKey: string;
  /** API user, sent with `password` as HTTP Basic authentication. */
  username: string;
  password: string;
  /** Default `https://mgmtapi.geins.io`. */
  baseUrl?: string;
  /** Called with each `Request` the client sends (tests pass a fake); defaults to the global `fetch`. */
  fetch?: GeinsAdminFetch;
  retry?: GeinsAdminRetryOptions;
  paths?: GeinsAdminPaths;
  /**
   * How `Entity` is sent: its name (default, as the docs' quick start does) or the spec's enum number.
   */
  entityFormat?: 'name' | 'number';
}

/** The webhook endpoints of the Geins Management API. */
export interface GeinsAdminClient {
  /** Register a webhook. Resolves with it and the id Geins gave it. */
  create(input: GeinsAdminWebhookInput): Promise<GeinsAdminWebhook>;
  get(id: string): Promise<GeinsAdminWebhook>;
  /** Replace a webhook's fields; send them all, as on create. */
  update(id: string, input: GeinsAdminWebhookInput): Promise<GeinsAdminWebhook>;
  delete(id: string): Promise<void>;
  list(): Promise<GeinsAdminWebhook[]>;
}

/**
 * A client for the webhook endpoints of the Geins Management API.
 *
 * Every call sends `X-ApiKey` and HTTP Basic authentication. Answers are accepted wrapped in the API's envelope
 * (`{ Resource, Message, Details }`) or bare. Failures throw a {@link GeinsAdminError} with the status and body;
 * 429, 500, 502, 503 and 504 answers are retried (3 calls by default) with exponential backoff that honours
 * `Retry-After`, through ky.
 *
 * @example
 * const client = createGeinsAdminClient({ apiKey, username, password });
 * await client.create(orderWebhook.toManagementPayload());
 */
// Builds one client whose methods share the parsed options and the HTTP caller; longer than a usual function for that.
export function createGeinsAdminClient(options: GeinsAdminClientOptions): GeinsAdminClient {
  const parsed = parseOptions(optionsSchema, options, `${PREFIX}: createGeinsAdminClient`);
  const { apiKey, username, password, baseUrl, retry, paths, entityFormat } = parsed;
  const fetchFn: GeinsAdminFetch = parsed.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const authorization = `Basic ${base64Utf8(`${username}:${password}`)}`;

  const headers = { 'x-apikey': apiKey, authorization, accept: 'application/json' };
  const call = async <T>(method: AdminCall['method'], path: string, schema: z.ZodType<T>, json?: unknown) => {
    const url = `${baseUrl}${path}`;
    const response = await sendAdminCall({ method, url, headers, json }, fetchFn, retry);
    const result = schema.safeParse(unwrap(response.body));
    if (!result.success) {
      throw new GeinsAdminError(
        `${PREFIX}: ${method} ${url} answered ${response.status} with an unexpected body: ${z.prettifyError(result.error)}`,
        { status: response.status, body: response.body, method, url, attempts: response.attempts, cause: result.error },
      );
    }
    return result.data;
  };

  const item = (id: string) => {
    if (typeof id !== 'string' || !/^[A-Za-z0-9_-]+$/.test(id)) {
      throw new TypeError(`${PREFIX}: invalid webhook id ${JSON.stringify(id)}`);
    }
    return paths.item.replace('{id}', encodeURIComponent(id));
  };

  const payload = (input: GeinsAdminWebhookInput) => {
    const out: Record<string, unknown> = {};
    for (const key of KEYS) {
      if (key === 'Id') continue;
      const value = input[key as keyof GeinsAdminWebhookInput];
      if (value !== undefined) out[key] = value;
    }
    if (entityFormat === 'number') {
      const n = GEINS_ADMIN_ENTITIES.findIndex((e) => e.toLowerCase() === String(input.Entity).toLowerCase());
      if (n > 0) out.Entity = n;
    }
    return out;
  };

  /** What the API returns for a write: the item itself, or only an id or a flag (as the spec says). */
  const writeAnswer = z.union([geinsAdminWebhookSchema, z.string().min(1), z.boolean(), z.null(), z.undefined()]);
  const local = (id: string, input: GeinsAdminWebhookInput) => geinsAdminWebhookSchema.parse({ ...input, Id: id });

  return {
    async create(input) {
      const answer = await call('POST', paths.create, writeAnswer, payload(input));
      if (typeof answer === 'object' && answer !== null) return answer;
      if (typeof answer === 'string') return local(answer, input);
      throw new GeinsAdminError(`${PREFIX}: POST ${baseUrl}${paths.create} answered without the new webhook's id`, {
        status: 200,
        body: answer,
        method: 'POST',
        url: `${baseUrl}${paths.create}`,
        attempts: 1,
      });
    },
    async get(id) {
      return call('GET', item(id), geinsAdminWebhookSchema);
    },
    async update(id, input) {
      const path = item(id);
      const answer = await call('PUT', path, writeAnswer, payload(input));
      if (answer === false) {
        throw new GeinsAdminError(`${PREFIX}: PUT ${baseUrl}${path} answered that nothing was updated`, {
          status: 200,
          body: answer,
          method: 'PUT',
          url: `${baseUrl}${path}`,
          attempts: 1,
        });
      }
      return typeof answer === 'object' && answer !== null ? answer : local(id, input);
    },
    async delete(id) {
      await call('DELETE', item(id), z.unknown());
    },
    async list() {
      return call('GET', paths.list, z.array(geinsAdminWebhookSchema));
    },
  };
}

/** The `Resource` of the API's envelope, or the body itself when it came bare. */
function unwrap(body: unknown): unknown {
  if (typeof body === 'object' && body !== null && !Array.isArray(body)) {
    for (const key of ['Resource', 'resource']) if (key in body) return (body as Record<string, unknown>)[key];
  }
  return body;
}

/** Base64 of the text's UTF-8 bytes, with what every runtime has (btoa takes one byte per character). */
function base64Utf8(text: string): string {
  return btoa(String.fromCharCode(...new TextEncoder().encode(text)));
}
