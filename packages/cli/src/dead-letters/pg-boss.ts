import { CliUsageError } from '../errors.js';
import type { BackendOptions, DeadLetterBackend } from './backend.js';

const PACKAGE = '@hookinbox/pg-boss';

/** The pg-boss dead-letter queue, through `@hookinbox/pg-boss` and `pg-boss` (installed by the app, not the CLI). */
export async function openPgBoss(options: BackendOptions): Promise<DeadLetterBackend> {
  if (!options.databaseUrl) {
    throw new CliUsageError('hookinbox dead-letters: --queue pg-boss needs --database-url (or DATABASE_URL)');
  }
  if (!/^postgres(ql)?:\/\//.test(options.databaseUrl)) {
    throw new CliUsageError('hookinbox dead-letters: --database-url must be a postgres:// or postgresql:// URL');
  }
  let module: typeof import('@hookinbox/pg-boss');
  let PgBoss: typeof import('pg-boss');
  try {
    module = await import(PACKAGE);
    PgBoss = (await import('pg-boss')).default;
  } catch (error) {
    throw new Error(
      `dead-letters --queue pg-boss needs ${PACKAGE} and pg-boss: install them beside the CLI (pnpm add ${PACKAGE} pg-boss@10)`,
      { cause: error },
    );
  }
  const schema = options.schema ?? 'pgboss';
  // Only reads and moves jobs: no maintenance, no cron, no migration (the app's pg-boss owns those).
  const boss = new PgBoss({
    connectionString: options.databaseUrl,
    schema,
    max: 2,
    supervise: false,
    schedule: false,
    migrate: false,
  });
  let failure: Error | undefined;
  boss.on('error', (error) => {
    failure = error;
  });
  await boss.start();
  try {
    const queue = await module.pgBossQueue({
      boss,
      schema,
      ...(options.queueName === undefined ? {} : { queueName: options.queueName }),
    });
    return {
      // The queue keeps them oldest first; the CLI shows the newest first.
      list: async (limit) => (await queue.deadLetters({ limit })).reverse(),
      retry: (letter) => queue.retry(letter),
      close: () => boss.stop({ graceful: false, wait: true }),
    };
  } catch (error) {
    await boss.stop({ graceful: false, wait: true });
    throw failure ?? error;
  }
}
