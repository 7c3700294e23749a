import { createHash } from 'node:crypto';
import type pg from 'pg';

const names = new Map<string, string>();

/**
 * pg-boss's statement as a named (prepared) one: pg-boss 10 sends its statements unnamed, so PostgreSQL parses and
 * plans its long job insert (a join on the queue table, into a partitioned table) on every send, about 450 µs of the
 * server's CPU each time on the bench machine against some 130 µs prepared. node-postgres prepares a named statement
 * once per connection and then only binds it. The name is the text's digest, so one text is one statement however it
 * is reached; only statements with parameters are named (pg-boss's parameterless texts may hold several commands,
 * which a prepared statement cannot).
 */
export function prepared(text: string, values: unknown[] | undefined): pg.QueryConfig {
  if (values === undefined || values.length === 0) return { text };
  let name = names.get(text);
  if (name === undefined) {
    name = `hookinbox_pgboss_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
    names.set(text, name);
  }
  return { name, text, values };
}
