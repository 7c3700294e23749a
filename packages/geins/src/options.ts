import type { Logger } from '@hookinbox/core';
import { z } from 'zod';
import type { GeinsEntity } from './entities.js';

/** Options of {@link geins}. */
export interface GeinsOptions {
  /**
   * The shared secret the merchant put in the webhook's Headers (`Authorization: Bearer <secret>` by default) or Url.
   * Geins signs nothing: this secret is the only proof that a delivery comes from Geins. Pass `secret`, `secrets`,
   * or `auth: false`.
   */
  secret?: string;
  /** Several secrets, during a rotation: a delivery carrying any of them is accepted. Put the new one first. */
  secrets?: readonly string[];
  /**
   * The header that carries the secret. Default `authorization`, whose value must be `Bearer <secret>`; any other
   * header carries the secret as is (`X-Webhook-Secret: <secret>`).
   */
  secretHeader?: string;
  /**
   * A query parameter that carries the secret instead of a header (`?token=<secret>` in the webhook's Url). URLs end
   * up in logs more often than headers do: prefer a header.
   */
  secretQuery?: string;
  /**
   * `false` accepts deliveries without any secret. Anyone who finds the URL can then send events; a warning is
   * logged when the provider is built.
   */
  auth?: false;
  /**
   * The webhook's Body template, exactly as configured in Geins, e.g.
   * `{"productId":"{{id}}","changeType":"{{subEntity}}"}`. Default: the docs' quick start body
   * `{"entity":"{{entity}}","action":"{{action}}","id":"{{id}}"}`, unless a `urlTemplate` is given (then the body
   * is not read, e.g. for GET webhooks).
   */
  bodyTemplate?: string;
  /**
   * The webhook's Url template, exactly as configured in Geins, e.g.
   * `https://app.example/notifications/{{entity}}?action={{action}}`. Its path and query are read back; its host
   * is ignored.
   */
  urlTemplate?: string;
  /** The entity, for templates without `{{entity}}` (one webhook per entity). */
  entity?: GeinsEntity | (string & {});
  /** The action, for templates without `{{action}}` (one webhook per action). */
  action?: string;
  /** The webhook's Method (or several). Default `POST`. Other methods are refused with 405. */
  method?: string | readonly string[];
  /**
   * Refuse deliveries whose `x-timestamp` is older than this many milliseconds (400 `stale_delivery`). Off by
   * default: with Retry on, Geins resends up to 3 times 10 minutes apart, so a genuine retry can be 30 minutes old.
   */
  maxAgeMs?: number;
  /** Where warnings go (building without authentication, say). Default: the console. */
  logger?: Pick<Logger, 'warn'>;
}

const secret = z
  .string({ error: 'must be a string (is its environment variable set?)' })
  .min(1, 'must not be empty')
  .refine((s) => s.trim() === s, 'must not start or end with whitespace (HTTP trims header values)');

const token = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const name = (what: string) =>
  z
    .string()
    .regex(token, `must be a ${what} name`)
    .transform((s) => s.toLowerCase());

const routingPart = z.string().regex(/^[A-Za-z0-9_-]+$/, 'must be letters, digits, _ or -');
const method = z
  .string()
  .regex(/^[A-Za-z]+$/, 'must be an HTTP method such as POST')
  .transform((s) => s.toUpperCase());

/** Parsed once by {@link geins}; per-request code never validates options again. */
export const geinsOptionsSchema = z
  .strictObject({
    secret: secret.optional(),
    secrets: z.array(secret).min(1, 'must hold at least one secret').optional(),
    secretHeader: name('header').optional(),
    secretQuery: z.string().min(1, 'must not be empty').optional(),
    auth: z.literal(false, { error: 'must be false (or left out, with a secret)' }).optional(),
    bodyTemplate: z.string().min(1, 'must not be empty').optional(),
    urlTemplate: z.string().min(1, 'must not be empty').optional(),
    entity: routingPart.optional(),
    action: routingPart.optional(),
    method: z
      .preprocess(
        (value) => (typeof value === 'string' ? [value] : value),
        z.array(method).min(1, 'must hold at least one method'),
      )
      .default(['POST']),
    maxAgeMs: z.number().int().positive().optional(),
    logger: z
      .custom<Pick<Logger, 'warn'>>(
        (value) => typeof value === 'object' && value !== null && typeof (value as Logger).warn === 'function',
        { message: 'must have a warn(obj, msg) method (pino, console, …)' },
      )
      .optional(),
  })
  .superRefine((o, ctx) => {
    const issue = (message: string, path: string) => ctx.addIssue({ code: 'custom', message, path: [path] });
    const hasSecret = o.secret !== undefined || o.secrets !== undefined;
    if (o.secret !== undefined && o.secrets !== undefined) issue('pass either secret or secrets, not both', 'secrets');
    if (o.auth === false && hasSecret) issue('auth: false accepts deliveries without a secret; drop it', 'auth');
    if (o.auth === undefined && !hasSecret) {
      issue(
        'pass the shared secret of the webhook (secret or secrets), or auth: false to accept unauthenticated deliveries',
        'secret',
      );
    }
    if (o.secretHeader !== undefined && o.secretQuery !== undefined) {
      issue(
        'the secret comes either in a header or in the query; pass one of secretHeader and secretQuery',
        'secretQuery',
      );
    }
    if (o.auth === false && (o.secretHeader !== undefined || o.secretQuery !== undefined)) {
      issue('auth: false reads no secret; drop secretHeader and secretQuery', 'auth');
    }
    if (o.secretQuery !== undefined) {
      for (const s of o.secrets ?? (o.secret === undefined ? [] : [o.secret])) {
        // Geins puts the Url as written, so only characters that mean the same encoded or not are safe there.
        if (!/^[A-Za-z0-9._~-]+$/.test(s)) {
          issue('a secret sent in the Url must use only letters, digits, ".", "_", "~" and "-"', 'secret');
          break;
        }
      }
    }
  });
