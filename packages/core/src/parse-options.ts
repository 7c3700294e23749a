import type { z } from 'zod';

/**
 * Parse a factory's options once with its zod schema, or throw a `TypeError` that names every bad option:
 * `@hookinbox/redis: invalid options: url: must be a redis:// URL; keyPrefix: …`. Every package builds its options
 * through this, so a user reads one style of message whatever they configured.
 */
export function parseOptions<S extends z.ZodType>(schema: S, value: unknown, label: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const detail = parsed.error.issues.map((i) => `${i.path.join('.') || 'options'}: ${i.message}`).join('; ');
  throw new TypeError(`${label}: invalid options: ${detail}`);
}
