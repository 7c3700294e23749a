import type { PayloadSchema, RawDelivery } from '@hookinbox/core';
import { z } from 'zod';
import type { GenstoreSchemas } from './topics.js';

// A secret read from a file or a `.env` line often keeps its newline; HMAC keys are bytes, so every delivery would then
// fail 401. Refused at start, with a message that names the problem and never the secret.
const secret = z
  .string({ error: 'must be a string (the app client secret; is its environment variable set?)' })
  .min(1, 'must not be empty')
  .refine((value) => value.trim() === value, {
    message: 'has whitespace or a line break at its start or end (trim the value read from the environment or file)',
  });

const payloadSchema = z.custom<PayloadSchema>(
  (value) => typeof value === 'object' && value !== null && typeof (value as PayloadSchema).safeParse === 'function',
  { message: 'must be a schema with safeParse(), e.g. a zod schema' },
);

/** Parsed once by {@link genstore}; per-request code never validates options again. */
export const genstoreOptionsSchema = z
  .strictObject({
    secret: secret.optional(),
    secrets: z.array(secret).min(1, 'must hold at least one secret').optional(),
    schemas: z.record(z.string().min(1), payloadSchema).optional(),
    dedupeKey: z
      .custom<(delivery: RawDelivery, topic: string) => string>((value) => typeof value === 'function', {
        message: 'must be a function (delivery, topic) => string',
      })
      .optional(),
    requireComplianceHandlers: z.boolean().default(false),
  })
  .refine((o) => (o.secret === undefined) !== (o.secrets === undefined), {
    message: 'pass exactly one of secret or secrets (the app client secret; is its environment variable set?)',
  });

/** Options of {@link genstore}. */
export interface GenstoreOptions<S extends GenstoreSchemas = {}> {
  /** The app's client secret, which signs every delivery. */
  secret?: string;
  /**
   * Several client secrets, during a rotation: a delivery signed with any of them is accepted. Put the new one
   * first. Pass either `secret` or `secrets`.
   */
  secrets?: readonly string[];
  /**
   * Schemas by topic, laid over the catalogue: one for a catalogued topic replaces its schema, one for another topic
   * adds it. Handlers are typed from these schemas' output.
   */
  schemas?: S;
  /**
   * The key under which a delivery is deduplicated. Default: the topic and the body's HMAC (its first half:
   * `genstore:hmac:<topic>:<22 characters>`, see `genstoreEventKey`): a retry resends the same bytes, and the id
   * headers are not signed, so they are not used.
   */
  dedupeKey?: (delivery: RawDelivery, topic: string) => string;
  /**
   * Refuse to start unless `customers/data_request`, `customers/redact` and `shop/redact` each have a handler
   * (an exact topic or a pattern such as `customers/*` or `*`). Checked by `receiver.ready()`, or on the first
   * delivery. Default false.
   */
  requireComplianceHandlers?: boolean;
}
