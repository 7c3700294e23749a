import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { type QueueProcess, type Run, startFixtureProcess } from './queue-processes.js';

// Starting, killing and balancing processes is the BullMQ tests' own code: only the fixture and the record differ.
export {
  killAllQueueProcesses,
  post,
  type QueueProcess,
  type Run,
  runsById,
  startBalancer,
  until,
} from './queue-processes.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/pg-boss-process.ts', import.meta.url));

/** Start a test/fixtures/pg-boss-process.ts as a web process, a worker, or both (`ROLE`); wait until it serves. */
export function startQueueProcess(env: Record<string, string>, timeoutMs = 30_000): Promise<QueueProcess> {
  return startFixtureProcess(FIXTURE, env, timeoutMs);
}

/** The runs recorded in `table` (`schema.table`), in the order they were recorded. */
export async function readRuns(client: pg.Pool, table: string): Promise<Run[]> {
  const { rows } = await client.query(`SELECT phase, id, attempt, pid FROM ${table} ORDER BY seq`);
  return rows as Run[];
}

/** The table the fixture records runs in. */
export const RUNS_TABLE_SQL = (table: string) =>
  `CREATE TABLE ${table} (seq bigserial PRIMARY KEY, phase text NOT NULL, id text NOT NULL, attempt int NOT NULL, pid int NOT NULL)`;
