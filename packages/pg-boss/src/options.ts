import { z } from 'zod';

/**
 * A pg-boss queue name. pg-boss 10 takes letters, digits, `_` and `-` (and makes a table of each queue); a dot or a
 * slash would be accepted by its check and fail later in SQL, so the narrower alphabet is enforced here.
 */
const queueName = z
  .string()
  .regex(/^[A-Za-z0-9_-]+$/, 'must be letters, digits, underscores and hyphens')
  .max(100, 'must be at most 100 characters');

/** A PostgreSQL schema name as pg-boss takes it (it is interpolated, unquoted, into pg-boss's statements). */
const schemaName = z
  .string()
  .regex(/^[a-z_][a-z0-9_]*$/, 'must be lower-case letters, digits and underscores, not starting with a digit')
  .max(50, 'must be at most 50 characters');

const boss = z.custom<object>(
  (value) =>
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { send?: unknown }).send === 'function' &&
    typeof (value as { getDb?: unknown }).getDb === 'function',
  { message: 'must be a started PgBoss instance' },
);

/** Where the queue is, shared by {@link pgBossQueue} and {@link createWorker}: both must name the same queue. */
const location = {
  boss,
  queueName: queueName.default('hookinbox'),
  schema: schemaName.default('pgboss'),
};

/** Parsed once by {@link pgBossQueue}. */
export const queueOptionsSchema = z.strictObject({
  ...location,
  deadLetterName: queueName.optional(),
  expireInSeconds: z
    .number()
    .int()
    .positive()
    .default(15 * 60),
  retentionDays: z.number().int().positive().default(14),
});

export type ParsedQueueOptions = z.output<typeof queueOptionsSchema>;

/** Parsed once by {@link createWorker}. */
export const workerOptionsSchema = z.strictObject({
  ...location,
  concurrency: z.number().int().min(1).max(1_000).default(1),
  batchSize: z.number().int().min(1).max(1_000).default(1),
  pollingIntervalSeconds: z.number().min(0.5).default(2),
});

/** Throw a TypeError naming each bad field. */
export function parse<T extends z.ZodType>(schema: T, input: unknown, what: string): z.output<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const detail = result.error.issues.map((i) => `${i.path.join('.') || 'options'} ${i.message}`).join('; ');
  throw new TypeError(`@hookinbox/pg-boss: invalid ${what}: ${detail}`);
}
