import { PGlite } from '@electric-sql/pglite';
import { type DeadLetter, storeDelivery } from '@hookinbox/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeadLetterTable, type DeadLetterTable } from '../../shared/src/dead-letters.js';

// The sink both examples give their receivers, against the PGlite they open; the HTTP round trip is in
// ../../shared/test/dead-letters-suite.ts.

/** Bytes that are not UTF-8 text, so a body kept as a string anywhere on the way would change them. */
const BODY = Buffer.from([0xef, 0xbb, 0xbf, 0x7b, 0xff, 0x00, 0x22, 0x7d]);

const parked = (id: string, reason = 'the payload failed its schema: customer: missing'): DeadLetter => ({
  kind: 'parked',
  id,
  provider: 'genstore',
  name: 'customers/redact',
  reason,
  receivedAt: '2026-12-02T08:00:00.000Z',
  delivery: storeDelivery({
    method: 'POST',
    url: '/webhooks/genstore?x=1',
    headers: { 'x-genstore-topic': 'customers/redact', 'x-multi': ['a', 'b'] },
    body: BODY,
  }),
});

describe('the examples’ dead_letters table', () => {
  let db: PGlite;
  let table: DeadLetterTable;
  beforeAll(async () => {
    db = await PGlite.create('memory://');
    table = await createDeadLetterTable(db);
  });
  afterAll(async () => {
    await db.close();
  });

  const seqOf = async (id: string) => (await table.list()).find((r) => r.id === id)?.seq as string;

  it('keeps the exact body bytes in a bytea column and gives the letter back as it was put', async () => {
    const letter = parked('genstore:hmac:customers/redact:a');
    await table.put(letter);
    const { rows } = await db.query<{ body: Uint8Array }>('SELECT body FROM dead_letters WHERE id = $1', [letter.id]);
    expect(Buffer.from(rows[0]?.body as Uint8Array).equals(BODY)).toBe(true);
    const loaded = await table.load(await seqOf(letter.id));
    expect(loaded?.letter).toEqual(letter);
    expect(loaded?.row).toMatchObject({ kind: 'parked', provider: 'genstore', replayedAt: null, bytes: BODY.length });
  });

  it('a letter put again replaces the row and waits again; delete erases body and letter but keeps the record', async () => {
    const letter = parked('genstore:hmac:customers/redact:b');
    await table.put(letter);
    const seq = await seqOf(letter.id);
    await table.delete('parked', letter.id);
    const done = await table.load(seq);
    expect(done?.letter).toBeNull();
    expect(done?.row.bytes).toBeNull();
    expect(done?.row.replayedAt).toEqual(expect.any(String));

    await table.put({ ...letter, reason: 'parked again', receivedAt: '2026-12-02T09:00:00.000Z' });
    const again = await table.load(seq);
    expect(again?.row).toMatchObject({ seq, reason: 'parked again', replayedAt: null, bytes: BODY.length });
    expect(again?.row.receivedAt).toBe('2026-12-02T09:00:00.000Z');
    // Parked again while it waits (a replay before the fix): it still shows when the delivery first arrived.
    await table.put({ ...letter, reason: 'parked a third time', receivedAt: '2026-12-02T10:00:00.000Z' });
    expect((await table.load(seq))?.row).toMatchObject({
      reason: 'parked a third time',
      receivedAt: '2026-12-02T09:00:00.000Z',
    });
    expect(again?.letter?.delivery?.body).toBe(BODY.toString('base64'));
  });

  it('keeps a failed letter with only its event, and refuses to look up anything but a row number', async () => {
    const failed: DeadLetter = {
      kind: 'failed',
      id: 'geins:key:c',
      provider: 'geins',
      name: 'Order.create',
      reason: 'a handler failed every attempt',
      receivedAt: '2026-12-02T08:00:00.000Z',
      event: {
        id: 'geins:key:c',
        name: 'Order.create',
        provider: 'geins',
        payload: { id: '820982911946154508' },
        meta: {},
        receivedAt: '2026-12-02T08:00:00.000Z',
      } as DeadLetter['event'],
      failures: [{ handlerId: 'h1', pattern: 'Order.*', attempt: 3, error: 'Error: down' }],
    };
    await table.put(failed);
    expect((await table.load(await seqOf(failed.id)))?.letter).toEqual(failed);
    expect(await table.load('1 OR 1=1')).toBeUndefined();
    expect(await table.load('999999')).toBeUndefined();
  });
});
