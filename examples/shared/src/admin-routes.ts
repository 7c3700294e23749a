import { type Receiver, safeEqual } from '@hookinbox/core';
import type { DeadLetterTable } from './dead-letters.js';
import type { AppLogger } from './logger.js';

/** What an admin route answers: a status and a JSON body. */
export interface AdminResponse {
  status: number;
  body: unknown;
}

/**
 * One admin route, framework-neutral: both Express and Fastify read `:seq` from the path, so each example mounts the
 * list as it is, translating only the request and the reply.
 */
export interface AdminRoute {
  method: 'GET' | 'POST';
  path: string;
  handle(request: { authorization: string | undefined; params: Record<string, unknown> }): Promise<AdminResponse>;
}

const error = (status: number, code: string, message: string): AdminResponse => ({
  status,
  body: { error: { code, message } },
});

/**
 * `GET /admin/dead-letters` lists the dead letters; `POST /admin/dead-letters/:seq/replay` runs one through its
 * receiver again (today's secrets, schemas and templates; the dedupe store decides first, so what was done stays
 * done). Both need `Authorization: Bearer <ADMIN_TOKEN>`.
 */
export function adminRoutes(options: {
  token: string;
  table: DeadLetterTable;
  receivers: Record<string, Receiver<any, any> | undefined>;
  logger: AppLogger;
}): AdminRoute[] {
  const { token, table, receivers, logger } = options;
  const expected = `Bearer ${token}`;
  // Never rejects: a failure is logged and answered as JSON, so neither framework writes an HTML error page.
  const guarded =
    (handle: AdminRoute['handle']): AdminRoute['handle'] =>
    async (request) => {
      // Compared in constant time, as every secret here is.
      if (request.authorization === undefined || !safeEqual(request.authorization, expected)) {
        return error(401, 'unauthorized', 'send Authorization: Bearer <ADMIN_TOKEN>');
      }
      try {
        return await handle(request);
      } catch (err) {
        logger.error({ err }, 'dead-letter admin route failed');
        return error(500, 'internal_error', 'the dead letters could not be read or replayed; see the log');
      }
    };

  return [
    {
      method: 'GET',
      path: '/admin/dead-letters',
      handle: guarded(async () => ({ status: 200, body: { letters: await table.list() } })),
    },
    {
      method: 'POST',
      path: '/admin/dead-letters/:seq/replay',
      handle: guarded(async ({ params }) => {
        const seq = typeof params.seq === 'string' ? params.seq : '';
        const found = await table.load(seq);
        if (!found) return error(404, 'not_found', `no dead letter ${seq}`);
        const { row, letter } = found;
        // Its body was erased when it was processed: nothing to run, and nothing that should run again.
        if (!letter) return { status: 200, body: { ok: true, outcome: 'done', replayedAt: row.replayedAt } };
        const receiver = receivers[row.provider];
        if (!receiver) {
          return error(409, 'receiver_off', `the ${row.provider} receiver is not mounted; configure it, then replay`);
        }
        const result = await receiver.replay(letter);
        const processed = result.outcome === 'handled' || result.outcome === 'duplicate';
        logger.info({ seq, kind: row.kind, name: row.name, outcome: result.outcome }, 'dead letter replayed');
        if (processed) return { status: 200, body: { ok: true, outcome: result.outcome } };
        // Parked or failed again: the row waits, with the new reason.
        const again = await table.load(seq);
        return {
          status: 409,
          body: { ok: false, outcome: result.outcome, status: result.status, reason: again?.row.reason ?? row.reason },
        };
      }),
    },
  ];
}
