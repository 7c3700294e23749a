import { randomUUID } from 'node:crypto';
import { DEFAULT_BODY_TEMPLATE } from '@hookinbox/geins';

/** Placeholder values by name. A list renders comma separated, as `{{id}}` does after a bulk operation. */
export type GeinsTemplateValues = Record<string, string | number | readonly (string | number)[] | undefined>;

const PLACEHOLDER = /\{\{([A-Za-z_][A-Za-z0-9_]*)\}\}/g;

/**
 * Renders a Body or Url template the way Geins does: plain text substitution, with no JSON or URL escaping. A
 * placeholder without a value renders empty (as `{{subEntity}}` does when the whole entity changed).
 *
 * @example
 * renderGeinsTemplate('{"entity":"{{entity}}","id":"{{id}}"}', { entity: 'Order', id: [12345, 12346] });
 * // '{"entity":"Order","id":"12345,12346"}'
 */
export function renderGeinsTemplate(template: string, values: GeinsTemplateValues): string {
  return template.replace(PLACEHOLDER, (_, name: string) => {
    const value = Object.hasOwn(values, name) ? values[name] : undefined;
    if (value === undefined) return '';
    return Array.isArray(value) ? value.join(',') : String(value);
  });
}

export interface GeinsDeliveryOptions {
  /**
   * The webhook's Body template. Default: the docs' quick start body, unless a `urlTemplate` is given (then the
   * delivery has no body), matching the provider's defaults.
   */
  bodyTemplate?: string;
  /** The webhook's Url template; only its path and query are kept. Default `/webhooks/geins`. */
  urlTemplate?: string;
  /** Placeholder values: `entity`, `action`, `id`, `subEntity`, … */
  values: GeinsTemplateValues;
  /** Default `POST`. */
  method?: string;
  /** The shared secret. Without it the delivery carries none (to test refusals, or `auth: false`). */
  secret?: string;
  /** Header that carries the secret. Default `authorization`, as `Bearer <secret>`; any other header, as is. */
  authHeader?: string;
  /** Query parameter that carries the secret, instead of a header. */
  secretQuery?: string;
  /** `x-idempotency-key`. Default: a random UUID; `null` sends none (a webhook with Retry off). */
  idempotencyKey?: string | null;
  /** `x-timestamp`. Default: now, as ISO 8601; `null` sends none. */
  timestamp?: string | Date | null;
  /** More headers, e.g. a wrong `content-type`. */
  headers?: Record<string, string>;
}

/** A request as Geins would send it, ready for supertest, `fastify.inject`, `fetch` or the core's `receiver.handle`. */
export interface GeinsDelivery {
  method: string;
  /** Path and query only: prefix a base URL for `fetch`. */
  url: string;
  /** Lower-case header names. */
  headers: Record<string, string>;
  body: Buffer;
}

const SCHEME_AND_HOST = /^(?:[A-Za-z][A-Za-z0-9+.-]*:)?\/\/[^/?#]*/;

/**
 * Builds a delivery as Geins sends it for a webhook with these templates, so tests exercise the exact bytes and
 * headers a receiver gets.
 *
 * @example
 * const d = geinsDelivery({ values: { entity: 'Order', action: 'create', id: 12345 }, secret: 's3cret' });
 * await request(app).post(d.url).set(d.headers).send(d.body);
 * await fastify.inject({ method: d.method, url: d.url, headers: d.headers, payload: d.body });
 * await receiver.handle(d);
 */
export function geinsDelivery(options: GeinsDeliveryOptions): GeinsDelivery {
  const method = (options.method ?? 'POST').toUpperCase();
  const bodyTemplate = options.bodyTemplate ?? (options.urlTemplate === undefined ? DEFAULT_BODY_TEMPLATE : undefined);
  const rendered = renderGeinsTemplate(options.urlTemplate ?? '/webhooks/geins', options.values);
  let url = rendered.replace(SCHEME_AND_HOST, '').replace(/#.*$/, '');
  if (!url.startsWith('/')) url = `/${url}`;

  const headers: Record<string, string> = {};
  const body =
    bodyTemplate === undefined ? Buffer.alloc(0) : Buffer.from(renderGeinsTemplate(bodyTemplate, options.values));
  if (body.length > 0) headers['content-type'] = 'application/json';
  if (options.secret !== undefined) {
    if (options.secretQuery !== undefined) {
      url += `${url.includes('?') ? '&' : '?'}${encodeURIComponent(options.secretQuery)}=${encodeURIComponent(options.secret)}`;
    } else {
      const header = (options.authHeader ?? 'authorization').toLowerCase();
      headers[header] = header === 'authorization' ? `Bearer ${options.secret}` : options.secret;
    }
  }
  const key = options.idempotencyKey === undefined ? randomUUID() : options.idempotencyKey;
  if (key !== null) headers['x-idempotency-key'] = key;
  const timestamp = options.timestamp === undefined ? new Date() : options.timestamp;
  if (timestamp !== null) headers['x-timestamp'] = timestamp instanceof Date ? timestamp.toISOString() : timestamp;
  for (const [name, value] of Object.entries(options.headers ?? {})) headers[name.toLowerCase()] = value;
  return { method, url, headers, body };
}
