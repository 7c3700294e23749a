import { parseArgs } from 'node:util';
import { wantsHelp } from '../args.js';
import { CliUsageError } from '../errors.js';
import { DEAD_LETTERS_HELP } from '../help.js';
import type { CliIo } from '../io.js';
import { formatTable } from '../table.js';
import type { BackendOptions, DeadLetterBackend, ListedLetter } from './backend.js';

/** The queues `--queue` names, each opened by its own module, loaded only when used. */
const BACKENDS: Record<string, (options: BackendOptions) => Promise<DeadLetterBackend>> = {
  bullmq: async (options) => (await import('./bullmq.js')).openBullmq(options),
  'pg-boss': async (options) => (await import('./pg-boss.js')).openPgBoss(options),
};

const OPTIONS = {
  queue: { type: 'string' },
  'redis-url': { type: 'string' },
  'database-url': { type: 'string' },
  schema: { type: 'string' },
  'queue-name': { type: 'string' },
  prefix: { type: 'string' },
  limit: { type: 'string' },
  all: { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** `hookinbox dead-letters list|replay` */
export async function deadLettersCommand(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === 'help' || (sub.startsWith('-') && wantsHelp(args))) {
    io.stdout.write(DEAD_LETTERS_HELP);
    return sub === undefined ? 2 : 0;
  }
  if (sub !== 'list' && sub !== 'replay') {
    throw new CliUsageError(`hookinbox: unknown command "dead-letters ${sub}"; use list or replay`);
  }
  if (wantsHelp(rest)) {
    io.stdout.write(DEAD_LETTERS_HELP);
    return 0;
  }
  let parsed: ReturnType<typeof parseArgs<{ args: string[]; options: typeof OPTIONS; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: rest, options: OPTIONS, strict: true, allowPositionals: true });
  } catch (error) {
    throw new CliUsageError(`hookinbox dead-letters ${sub}: ${(error as Error).message}`);
  }
  const { values, positionals } = parsed;
  const backend = await openBackend(values, io);
  try {
    const limit = readLimit(values.limit);
    if (sub === 'list') {
      if (positionals.length > 0) throw new CliUsageError('hookinbox dead-letters list: takes no arguments');
      const letters = await backend.list(limit);
      io.stdout.write(values.json ? `${JSON.stringify(letters, null, 2)}\n` : formatLetters(letters));
      return 0;
    }
    return await replay(backend, positionals, values.all === true, limit, io);
  } finally {
    await backend.close();
  }
}

function openBackend(
  values: {
    queue?: string;
    'redis-url'?: string;
    'database-url'?: string;
    schema?: string;
    'queue-name'?: string;
    prefix?: string;
  },
  io: CliIo,
) {
  const redisUrl = values['redis-url'] ?? io.env.REDIS_URL;
  const databaseUrl = values['database-url'] ?? io.env.DATABASE_URL;
  // The queue follows from the URL given when --queue is not: a Redis URL means BullMQ, a PostgreSQL one pg-boss (a
  // flag before the environment, and REDIS_URL before DATABASE_URL when both are set).
  const name = values.queue ?? inferQueue(values['redis-url'], values['database-url'], io.env);
  if (!name)
    throw new CliUsageError(`hookinbox dead-letters: say which queue: --queue ${Object.keys(BACKENDS).join('|')}`);
  const open = BACKENDS[name];
  if (!open) {
    throw new CliUsageError(
      `hookinbox dead-letters: unknown --queue ${name}; use ${Object.keys(BACKENDS).join(' or ')}`,
    );
  }
  return open({ redisUrl, databaseUrl, schema: values.schema, queueName: values['queue-name'], prefix: values.prefix });
}

function inferQueue(redisFlag: string | undefined, databaseFlag: string | undefined, env: CliIo['env']) {
  if (redisFlag) return 'bullmq';
  if (databaseFlag) return 'pg-boss';
  if (env.REDIS_URL) return 'bullmq';
  if (env.DATABASE_URL) return 'pg-boss';
  return undefined;
}

function readLimit(value: string | undefined): number {
  if (value === undefined) return 1_000;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 100_000) {
    throw new CliUsageError('hookinbox dead-letters: --limit must be a whole number from 1 to 100000');
  }
  return n;
}

/**
 * Retry the named letters (or all): each goes back to waiting in the queue, where the app's worker runs it through the
 * receiver, so an event that was done since stays done.
 */
async function replay(backend: DeadLetterBackend, ids: string[], all: boolean, limit: number, io: CliIo) {
  if (all === ids.length > 0) {
    throw new CliUsageError('hookinbox dead-letters replay: give the ids to replay, or --all');
  }
  const letters = await backend.list(limit);
  const chosen = all ? letters : letters.filter((l) => ids.includes(l.id));
  const missing = ids.filter((id) => !letters.some((l) => l.id === id));
  let queued = 0;
  for (const letter of chosen) {
    if (await backend.retry(letter)) {
      queued++;
      io.stdout.write(`queued ${letter.kind} ${letter.name || '-'} ${letter.id}\n`);
    } else missing.push(letter.id);
  }
  for (const id of missing) io.stderr.write(`hookinbox dead-letters replay: no dead letter ${id}\n`);
  io.stdout.write(`replay: ${queued} queued for the worker, ${missing.length} not found\n`);
  return missing.length === 0 ? 0 : 1;
}

function formatLetters(letters: ListedLetter[]): string {
  if (letters.length === 0) return 'No dead letters.\n';
  const rows = letters.map((l) => [l.kind, l.name || '-', l.receivedAt, l.id, l.reason]);
  return `${formatTable(['KIND', 'NAME', 'RECEIVED', 'ID', 'REASON'], rows)}\n${letters.length} dead letter(s)\n`;
}
