import { randomUUID } from 'node:crypto';
import type { DeadLetter } from '@hookinbox/core';
import { geinsDelivery, genstoreDelivery } from '@hookinbox/testing';
import { describe, expect, it } from 'vitest';
import { createDeadLetterTable } from '../src/dead-letters.js';
import type { ExampleApp } from '../src/main.js';
import { type ExampleFixture, GEINS_SECRET, SECRET, ADMIN_TOKEN as TOKEN } from './example-fixture.js';

/** The Body the merchant changed the Geins webhook to, after the app was deployed with the example's. */
const EDITED = '{"event":"{{entity}}.{{action}}","orderId":"{{id}}"}';

type Row = Record<string, unknown>;

/**
 * Parked deliveries kept in the example's database and replayed through its admin routes, over real HTTP on one
 * example's framework.
 */
export function describeDeadLetters<A extends ExampleApp>(fixture: ExampleFixture<A>): void {
  describe('dead letters in the database, replayed over HTTP', () => {
    const { start } = fixture;
    const rows = async (sql: string, params: unknown[] = []) => (await fixture.app.db.sql.query<Row>(sql, params)).rows;
    const post = async (base: string, d: { url: string; headers: Record<string, string>; body: Buffer }) => {
      const res = await fetch(`${base}${d.url}`, { method: 'POST', headers: d.headers, body: new Uint8Array(d.body) });
      return { status: res.status, body: await res.json() };
    };
    const admin = async (base: string, method: 'GET' | 'POST', path: string, token: string | null = TOKEN) => {
      const headers: Record<string, string> = token === null ? {} : { authorization: `Bearer ${token}` };
      const res = await fetch(`${base}${path}`, { method, headers });
      return { status: res.status, body: (await res.json()) as Row };
    };
    /** The latest letter of a provider (a parked Geins delivery has no name: its template could not be read). */
    const letterRow = async (provider: string) => {
      const found = await rows(
        `SELECT seq::text AS seq, kind, reason, body, replayed_at FROM dead_letters
         WHERE provider = $1 ORDER BY seq DESC LIMIT 1`,
        [provider],
      );
      return found[0] as { seq: string; kind: string; reason: string; body: Uint8Array | null; replayed_at: unknown };
    };

    it('a Geins body the template no longer reads is parked in the table with its bytes, and replayed into its handler once after GEINS_BODY_TEMPLATE is fixed', async () => {
      const id = `O${randomUUID().slice(0, 8)}`;
      const edited = geinsDelivery({
        bodyTemplate: EDITED,
        values: { entity: 'Order', action: 'create', id },
        secret: GEINS_SECRET,
      });
      expect(await post(fixture.url, edited)).toEqual({ status: 200, body: { ok: true, parked: true } });
      const parked = await letterRow('geins');
      expect(parked.kind).toBe('parked');
      expect(parked.reason).toMatch(/^the body does not match the Body template/);
      expect(Buffer.from(parked.body as Uint8Array).equals(edited.body)).toBe(true);
      // The shared secret was removed before the letter was kept.
      expect(JSON.stringify(await rows('SELECT letter FROM dead_letters WHERE seq = $1', [parked.seq]))).not.toContain(
        GEINS_SECRET,
      );

      const listed = await admin(fixture.url, 'GET', '/admin/dead-letters');
      expect(listed.status).toBe(200);
      expect(listed.body.letters).toContainEqual(
        expect.objectContaining({ seq: parked.seq, provider: 'geins', replayedAt: null, bytes: edited.body.length }),
      );
      // Replayed before the fix: parked again, still waiting.
      const early = await admin(fixture.url, 'POST', `/admin/dead-letters/${parked.seq}/replay`);
      expect(early).toMatchObject({ status: 409, body: { ok: false, outcome: 'parked' } });
      expect((await letterRow('geins')).replayed_at).toBeNull();

      // A Body the provider cannot read back stops the start, naming the variable, before the database is opened.
      await expect(start({ GEINS_BODY_TEMPLATE: '{"id":{{id}}}' })).rejects.toThrow(
        /cannot start: GEINS_WEBHOOK_SECRET or GEINS_BODY_TEMPLATE cannot be used/,
      );
      // Redeployed with the Body the merchant now uses; the letter waited in the database.
      const fixed = await start({ GEINS_BODY_TEMPLATE: EDITED });
      const letter = (await (await createDeadLetterTable(fixed.app.db.sql)).load(parked.seq))?.letter as DeadLetter;
      const replayed = await admin(fixed.url, 'POST', `/admin/dead-letters/${parked.seq}/replay`);
      expect(replayed).toEqual({ status: 200, body: { ok: true, outcome: 'handled' } });
      const recorded = () => rows('SELECT name FROM geins_events WHERE $1 = ANY(ids)', [id]);
      expect(await recorded()).toEqual([{ name: 'Order.create' }]);
      const done = await letterRow('geins');
      expect(done.replayed_at).toBeInstanceOf(Date);
      expect(done.body).toBeNull();

      // Done stays done: the route again, the letter replayed again, Geins' own retry: no second run.
      const again = await admin(fixed.url, 'POST', `/admin/dead-letters/${parked.seq}/replay`);
      expect(again).toMatchObject({ status: 200, body: { ok: true, outcome: 'done' } });
      expect(await fixed.app.receivers.geins?.replay(letter)).toMatchObject({ outcome: 'duplicate' });
      expect(await post(fixed.url, edited)).toEqual({ status: 200, body: { ok: true, duplicate: true } });
      expect(await recorded()).toEqual([{ name: 'Order.create' }]);
    });

    it('a Genstore compliance delivery that fails its schema is parked with its bytes, and stays waiting when replayed unchanged', async () => {
      // customers/redact naming no customer at all: authentic, so parked rather than refused (Genstore would resend it).
      const d = genstoreDelivery({
        topic: 'customers/redact',
        payload: { shop_id: `shop-${randomUUID().slice(0, 8)}`, orders_to_redact: [] },
        secret: SECRET,
      });
      expect(await post(fixture.url, d)).toEqual({ status: 200, body: { ok: true, parked: true } });
      const parked = await letterRow('genstore');
      expect(parked.reason).toMatch(/^the payload failed its schema: .*customer/);
      expect(Buffer.from(parked.body as Uint8Array).equals(d.body)).toBe(true);
      const replayed = await admin(fixture.url, 'POST', `/admin/dead-letters/${parked.seq}/replay`);
      expect(replayed).toMatchObject({ status: 409, body: { ok: false, outcome: 'parked' } });
      expect((await letterRow('genstore')).replayed_at).toBeNull();
    });

    it('the admin routes need the token, and are not mounted without ADMIN_TOKEN', async () => {
      expect(await admin(fixture.url, 'GET', '/admin/dead-letters', null)).toMatchObject({
        status: 401,
        body: { error: { code: 'unauthorized' } },
      });
      expect((await admin(fixture.url, 'GET', '/admin/dead-letters', `${TOKEN}x`)).status).toBe(401);
      expect((await admin(fixture.url, 'POST', '/admin/dead-letters/999999/replay')).status).toBe(404);
      expect(() => fixture.configFor({ ADMIN_TOKEN: 'too-short' })).toThrow(/ADMIN_TOKEN must be at least 16/);
      const off = await start({ ADMIN_TOKEN: '' });
      expect(await admin(off.url, 'GET', '/admin/dead-letters')).toMatchObject({
        status: 404,
        body: { error: { code: 'not_found' } },
      });
    });
  });
}
