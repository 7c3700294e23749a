import type { DeadLetter, DeadLetterSink } from '@hookinbox/core';
import type { SqlClient } from './database.js';

/**
 * Deliveries the receivers could not process, kept in the app's own database so that a restart loses none. One row a
 * letter (`kind` and `id`, the dedupe key, as the sink contract says): the exact body bytes in `body`, the rest of
 * the letter as JSON text in `letter`. Once a replay processed it, the row stays as a record of what happened
 * (`replayed_at`) but its body and letter are erased: a compliance delivery names a customer, and nothing of it
 * should outlive its processing.
 */
export const DEAD_LETTERS_SCHEMA = `
CREATE TABLE IF NOT EXISTS dead_letters (
  seq         bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  kind        text NOT NULL,
  id          text NOT NULL,
  provider    text NOT NULL,
  name        text NOT NULL,
  reason      text NOT NULL,
  received_at timestamptz NOT NULL,
  body        bytea,
  letter      text,
  kept_at     timestamptz NOT NULL DEFAULT now(),
  replayed_at timestamptz,
  PRIMARY KEY (kind, id)
);
`;

/** A row as the admin routes list it: no body, no headers. */
export interface DeadLetterRow {
  /** The row's number, which the replay route takes. */
  seq: string;
  kind: DeadLetter['kind'];
  id: string;
  provider: string;
  name: string;
  reason: string;
  receivedAt: string;
  keptAt: string;
  /** When a replay processed it; null while it waits. */
  replayedAt: string | null;
  /** The body's size in bytes; null once replayed (erased) or for a letter kept without its delivery. */
  bytes: number | null;
}

export interface DeadLetterTable extends DeadLetterSink {
  /** A replay processed the letter: erase its body and letter, and note when (the row stays as a record). */
  delete(kind: DeadLetter['kind'], id: string): Promise<void>;
  /** The most recent rows first, at most `limit` (default 100). */
  list(options?: { limit?: number }): Promise<DeadLetterRow[]>;
  /** A row and its letter as the receiver's `replay()` takes it (null once replayed); undefined when unknown. */
  load(seq: string): Promise<{ row: DeadLetterRow; letter: DeadLetter | null } | undefined>;
}

type Stored = {
  seq: string | number;
  kind: DeadLetter['kind'];
  id: string;
  provider: string;
  name: string;
  reason: string;
  received_at: Date;
  kept_at: Date;
  replayed_at: Date | null;
  bytes: number | null;
};

const COLUMNS = `seq::text AS seq, kind, id, provider, name, reason, received_at, kept_at, replayed_at,
  octet_length(body) AS bytes`;

const toRow = (r: Stored): DeadLetterRow => ({
  seq: String(r.seq),
  kind: r.kind,
  id: r.id,
  provider: r.provider,
  name: r.name,
  reason: r.reason,
  receivedAt: r.received_at.toISOString(),
  keptAt: r.kept_at.toISOString(),
  replayedAt: r.replayed_at ? r.replayed_at.toISOString() : null,
  bytes: r.bytes === null ? null : Number(r.bytes),
});

/** Create the table (idempotent) and return the sink the receivers are given as `deadLetters`. */
export async function createDeadLetterTable(sql: SqlClient): Promise<DeadLetterTable> {
  await sql.exec(DEAD_LETTERS_SCHEMA);
  return {
    async put(letter) {
      // The body goes to its own column as bytes; the letter keeps everything else.
      const { delivery, ...rest } = letter;
      const body = delivery ? Buffer.from(delivery.body, 'base64') : null;
      const kept = delivery ? { ...rest, delivery: { ...delivery, body: '' } } : rest;
      // A letter kept again (a replay that could not process it, a failure after a replay) replaces the row and
      // waits again; while it waits, received_at stays when the delivery first arrived.
      await sql.query(
        `INSERT INTO dead_letters (kind, id, provider, name, reason, received_at, body, letter)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (kind, id) DO UPDATE SET provider = EXCLUDED.provider, name = EXCLUDED.name,
           reason = EXCLUDED.reason, body = EXCLUDED.body,
           received_at = CASE WHEN dead_letters.replayed_at IS NULL THEN dead_letters.received_at
                              ELSE EXCLUDED.received_at END,
           letter = EXCLUDED.letter, kept_at = now(), replayed_at = NULL`,
        [
          letter.kind,
          letter.id,
          letter.provider,
          letter.name,
          letter.reason,
          letter.receivedAt,
          body,
          JSON.stringify(kept),
        ],
      );
    },

    async delete(kind, id) {
      await sql.query(
        'UPDATE dead_letters SET body = NULL, letter = NULL, replayed_at = now() WHERE kind = $1 AND id = $2',
        [kind, id],
      );
    },

    async list({ limit = 100 } = {}) {
      const { rows } = await sql.query<Stored>(`SELECT ${COLUMNS} FROM dead_letters ORDER BY seq DESC LIMIT $1`, [
        limit,
      ]);
      return rows.map(toRow);
    },

    async load(seq) {
      if (!/^\d{1,18}$/.test(seq)) return undefined;
      const { rows } = await sql.query<Stored & { body: Uint8Array | null; letter: string | null }>(
        `SELECT ${COLUMNS}, body, letter FROM dead_letters WHERE seq = $1`,
        [seq],
      );
      const found = rows[0];
      if (!found) return undefined;
      const row = toRow(found);
      if (found.letter === null) return { row, letter: null };
      const letter = JSON.parse(found.letter) as DeadLetter;
      if (letter.delivery && found.body) letter.delivery.body = Buffer.from(found.body).toString('base64');
      return { row, letter };
    },
  };
}
