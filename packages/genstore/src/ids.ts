import { z } from 'zod';

/**
 * An id as a Genstore payload carries it: a string, or a JSON number. The receiver parses bodies so that an integer
 * beyond 2^53 (which JSON.parse would round) arrives as its decimal string, every digit kept; a smaller one stays a
 * number. So one field can hold either type, depending on the value: compare and store ids as strings.
 */
export type GenstoreId = string | number;

/**
 * What an id field may hold on the way in: a non-empty string, an exact number, or a bigint (from a parser that makes
 * them). A number beyond 2^53 can only come from a parser that has already rounded it (a plain JSON.parse, not the
 * receiver), and an approximate id could name the wrong customer, so it is refused.
 */
export const idInput = z.union([
  z.string().trim().min(1),
  z
    .number()
    .int()
    .nonnegative()
    .refine(Number.isSafeInteger, 'id is too large to be exact as a JSON number; parse the body with parseJsonSafe'),
  z.bigint().nonnegative(),
]);

/**
 * A zod schema for an id field in your own topic schemas: accepts a string or an exact number, and gives the decimal
 * string, so `820982911946154508` and `"820982911946154508"` become the same `"820982911946154508"`.
 *
 * @example
 * const order = z.looseObject({ id: genstoreId, customer: z.looseObject({ id: genstoreId }).nullish() });
 * genstore({ secret, schemas: { 'orders/create': order } }); // handlers get payload.id as a string
 */
export const genstoreId = idInput.transform((id) => String(id));
