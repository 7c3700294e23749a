import { parseOptions } from '@hookinbox/core';
import { z } from 'zod';
import {
  type AdminCall,
  GenstoreAdminError,
  type GenstoreAdminFetch,
  type GenstoreAdminRetryOptions,
  genstoreAdminRetrySchema,
  sendAdminCall,
} from './http.js';

const PREFIX = '@hookinbox/genstore';

/** Genstore ids are numbers in the docs' examples; some answers may carry strings. Both become strings. */
const idSchema = z.union([z.number(), z.string().min(1)]).transform((id) => String(id));

/** A webhook subscription as Genstore returns it; fields the docs do not list are kept as they came. */
const genstoreAdminWebhookSchema = z.looseObject({
  id: idSchema,
  address: z.string(),
  topic: z.string(),
  createTime: z.string().optional(),
  updateTime: z.string().optional(),
});

/** A webhook subscription: `id` is always a string, whatever JSON type Genstore sent. */
export type GenstoreAdminWebhook = z.output<typeof genstoreAdminWebhookSchema>;

const oneSchema = z.object({ webhook: genstoreAdminWebhookSchema });
const listSchema = z.object({ webhooks: z.array(genstoreAdminWebhookSchema) });
const countSchema = z.object({ count: z.coerce.number().int().nonnegative() });

const SHOP = /^[a-z0-9][a-z0-9-]*$/i;

const optionsSchema = z.object({
  /** The shop's subdomain (`my-shop`) or host (`my-shop.genmystore.com`). */
  shop: z
    .string()
    .trim()
    .transform((s) =>
      s
        .replace(/^https?:\/\//i, '')
        .replace(/\/.*$/, '')
        .replace(/\.genmystore\.com$/i, '')
        .toLowerCase(),
    )
    .refine((s) => SHOP.test(s), { message: 'must be a shop subdomain such as "my-shop"' }),
  accessToken: z.string().min(1, { message: 'must not be empty' }),
  apiVersion: z
    .string()
    .regex(/^\d{6}$/, { message: 'must be a version such as "202412"' })
    .default('202412'),
  baseUrl: z
    .url({ protocol: /^https?$/ })
    .transform((u) => u.replace(/\/+$/, ''))
    .optional(),
  fetch: z.custom<GenstoreAdminFetch>((v) => typeof v === 'function', { message: 'must be a function' }).optional(),
  retry: genstoreAdminRetrySchema,
});

/** Options of {@link createGenstoreAdminClient}. */
export interface GenstoreAdminClientOptions {
  /** The shop's subdomain (`my-shop`) or host (`my-shop.genmystore.com`). */
  shop: string;
  /** The store access token; sent as `X-Genstore-Access-Token`. */
  accessToken: string;
  /** REST API version (default `202412`, the one the docs show). */
  apiVersion?: string;
  /**
   * Replaces `https://{shop}.genmystore.com`, e.g. a proxy or a local test server. Paths keep their
   * `/api/{version}/app/webhooks` form.
   */
  baseUrl?: string;
  /** Called with each `Request` the client sends (tests pass a fake); defaults to the global `fetch`. */
  fetch?: GenstoreAdminFetch;
  retry?: GenstoreAdminRetryOptions;
}

/** Fields of a new subscription. */
export interface GenstoreAdminWebhookInput {
  /** Where Genstore POSTs the deliveries. */
  address: string;
  /** The topic, e.g. `orders/create`. */
  topic: string;
}

/** Filters for list and count. Genstore does not document any; these are sent as query parameters as given. */
export type GenstoreAdminListQuery = Record<string, string | number | undefined>;

/** The Genstore REST API for webhook subscriptions (`/api/{version}/app/webhooks`). */
export interface GenstoreAdminClient {
  /** The shop subdomain the client talks to. */
  readonly shop: string;
  readonly apiVersion: string;
  /** Subscribe `address` to `topic` (POST `/app/webhooks`). */
  create(input: GenstoreAdminWebhookInput): Promise<GenstoreAdminWebhook>;
  /**
   * Every subscription of the app (GET `/app/webhooks`). When the answer has a `Link: <…>; rel="next"` header, as
   * Shopify's paginated lists do, the next pages on the same host are fetched too.
   */
  list(query?: GenstoreAdminListQuery): Promise<GenstoreAdminWebhook[]>;
  /** One subscription (GET `/app/webhooks/{id}`). */
  retrieve(id: string | number): Promise<GenstoreAdminWebhook>;
  /** Change a subscription's address or topic (PUT `/app/webhooks/{id}`). */
  update(id: string | number, input: Partial<GenstoreAdminWebhookInput>): Promise<GenstoreAdminWebhook>;
  /** Remove a subscription (DELETE `/app/webhooks/{id}`). */
  delete(id: string | number): Promise<void>;
  /** How many subscriptions the app has (GET `/app/webhooks/count`). */
  count(query?: GenstoreAdminListQuery): Promise<number>;
}

const MAX_PAGES = 100;

/**
 * A client for Genstore's webhook subscription REST API.
 *
 * Every call sends `X-Genstore-Access-Token`, validates the answer's shape, and throws a {@link GenstoreAdminError}
 * carrying the status and body of a failed call. 429, 500, 502, 503 and 504 answers are retried (3 calls by default)
 * with exponential backoff that honours `Retry-After`, through ky.
 *
 * @example
 * const client = createGenstoreAdminClient({ shop: 'my-shop', accessToken: process.env.GENSTORE_ACCESS_TOKEN! });
 * await client.create({ address: 'https://app.example.com/webhooks/genstore', topic: 'orders/create' });
 */
export function createGenstoreAdminClient(options: GenstoreAdminClientOptions): GenstoreAdminClient {
  const parsed = parseOptions(optionsSchema, options, `${PREFIX}: createGenstoreAdminClient`);
  const { shop, accessToken, apiVersion, retry } = parsed;
  const fetchFn: GenstoreAdminFetch = parsed.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const origin = parsed.baseUrl ?? `https://${shop}.genmystore.com`;
  const root = `${origin}/api/${apiVersion}/app/webhooks`;

  const headers = { 'x-genstore-access-token': accessToken, accept: 'application/json' };
  const call = async <T>(method: AdminCall['method'], url: string, schema: z.ZodType<T>, json?: unknown) => {
    const response = await sendAdminCall({ method, url, headers, json }, fetchFn, retry);
    const result = schema.safeParse(response.body);
    if (!result.success) {
      throw new GenstoreAdminError(
        `${PREFIX}: ${method} ${url} answered ${response.status} with an unexpected body: ${z.prettifyError(result.error)}`,
        { status: response.status, body: response.body, method, url, attempts: response.attempts, cause: result.error },
      );
    }
    return { data: result.data, headers: response.headers };
  };

  const item = (id: string | number) => {
    const text = String(id);
    if (!/^[A-Za-z0-9_-]+$/.test(text)) throw new TypeError(`${PREFIX}: invalid webhook id ${JSON.stringify(text)}`);
    return `${root}/${encodeURIComponent(text)}`;
  };

  return {
    shop,
    apiVersion,
    async create(input) {
      const { data } = await call('POST', root, oneSchema, {
        webhook: { address: input.address, topic: input.topic },
      });
      return data.webhook;
    },
    async list(query) {
      const out: GenstoreAdminWebhook[] = [];
      let url: string | undefined = withQuery(root, query);
      for (let page = 0; url !== undefined && page < MAX_PAGES; page++) {
        const { data, headers } = await call('GET', url, listSchema);
        out.push(...data.webhooks);
        url = nextLink(headers.get('link'), url);
      }
      return out;
    },
    async retrieve(id) {
      const { data } = await call('GET', item(id), oneSchema);
      return data.webhook;
    },
    async update(id, input) {
      const webhook: Partial<GenstoreAdminWebhookInput> = {};
      if (input.address !== undefined) webhook.address = input.address;
      if (input.topic !== undefined) webhook.topic = input.topic;
      const { data } = await call('PUT', item(id), oneSchema, { webhook });
      return data.webhook;
    },
    async delete(id) {
      await call('DELETE', item(id), z.unknown());
    },
    async count(query) {
      const { data } = await call('GET', withQuery(`${root}/count`, query), countSchema);
      return data.count;
    },
  };
}

function withQuery(url: string, query: GenstoreAdminListQuery | undefined): string {
  if (!query) return url;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
  const text = params.toString();
  return text === '' ? url : `${url}?${text}`;
}

/** The `rel="next"` target of a Link header, only when it stays on the same origin (the token goes with it). */
function nextLink(header: string | null, current: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(',')) {
    const match = /<([^>]+)>\s*;(.*)/.exec(part.trim());
    if (!match || !/\brel="?next"?/i.test(match[2] ?? '')) continue;
    try {
      const next = new URL(match[1] as string, current);
      return next.origin === new URL(current).origin && next.href !== current ? next.href : undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}
