import type { IServerAdapter } from '@bull-board/api/typings/app';
import type { BullmqQueue } from '@hookinbox/bullmq';
import { safeEqual } from '@hookinbox/core';

type Queue = BullmqQueue['queue'];

/** Where both examples mount bull-board. */
export const DASHBOARD_PATH = '/admin/queues';

/** The queue dashboard to mount: the BullMQ queues of the receivers, behind `ADMIN_TOKEN`. */
export interface Dashboard {
  path: typeof DASHBOARD_PATH;
  queues: Queue[];
  /**
   * Undefined when the request may pass; otherwise the answer to give. The same check for every request under the
   * path: the page, its scripts and its API.
   */
  refuse(request: DashboardRequest): DashboardRefusal | undefined;
}

/** What the check reads of a request; each framework passes its own headers. */
export interface DashboardRequest {
  method: string;
  headers: { authorization?: string | undefined; 'sec-fetch-site'?: string | string[] | undefined };
}

export interface DashboardRefusal {
  status: 401 | 403;
  headers: Record<string, string>;
  body: { error: { code: 'unauthorized' | 'cross_site'; message: string } };
}

// The challenge makes a browser ask for a user name and password; the JSON body is for scripts.
const REFUSAL: DashboardRefusal = {
  status: 401,
  headers: { 'www-authenticate': 'Basic realm="hookinbox queues", charset="UTF-8"', 'cache-control': 'no-store' },
  body: {
    error: {
      code: 'unauthorized',
      message: 'log in with any user name and ADMIN_TOKEN as the password, or send Authorization: Bearer <ADMIN_TOKEN>',
    },
  },
};

// A browser sends Basic credentials it has kept with any request to the site, also one another site's page makes: a
// change (retry, remove, add) must come from the dashboard's own pages. Browsers say where a request comes from in
// Sec-Fetch-Site; clients that are not browsers send none.
const CROSS_SITE: DashboardRefusal = {
  status: 403,
  headers: { 'cache-control': 'no-store' },
  body: { error: { code: 'cross_site', message: 'the dashboard takes changes only from its own pages' } },
};
const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The secret an Authorization header carries: the token of `Bearer <token>`, or the password of `Basic
 * base64(user:password)` (any user name: a browser's login form needs one, the token is what is checked).
 */
export function presentedSecret(authorization: string | undefined): string | undefined {
  if (!authorization) return undefined;
  const [scheme, value] = authorization.trim().split(/\s+/, 2);
  if (!scheme || !value) return undefined;
  if (scheme.toLowerCase() === 'bearer') return value;
  if (scheme.toLowerCase() !== 'basic') return undefined;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon === -1 ? undefined : decoded.slice(colon + 1);
}

/** The dashboard for `queues`, guarded by `token` (compared in constant time, as every secret here is). */
export function createDashboard(token: string, queues: Queue[]): Dashboard {
  return {
    path: DASHBOARD_PATH,
    queues,
    refuse({ method, headers }) {
      const secret = presentedSecret(headers.authorization);
      if (secret === undefined || !safeEqual(secret, token)) return REFUSAL;
      const site = headers['sec-fetch-site'];
      if (!READS.has(method.toUpperCase()) && site !== undefined && site !== 'same-origin') return CROSS_SITE;
      return undefined;
    },
  };
}

/**
 * Fill a bull-board server adapter (Express's or Fastify's) with the dashboard's queues. Loaded only when mounted, so
 * an app without `QUEUE=bullmq` never loads bull-board.
 */
export async function fillBoard(serverAdapter: IServerAdapter, dashboard: Dashboard): Promise<void> {
  const { createBullBoard } = await import('@bull-board/api');
  const { BullMQAdapter } = await import('@bull-board/api/bullMQAdapter');
  createBullBoard({
    // A completed job is a done event: the worker would skip every handler the dedupe store remembers as done, so
    // its Retry would do nothing; the button is hidden rather than offered. Failed jobs (the dead letters) keep it.
    queues: dashboard.queues.map(
      (queue) =>
        new BullMQAdapter(queue, { allowCompletedRetries: false } as ConstructorParameters<typeof BullMQAdapter>[1]),
    ),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'hookinbox' } },
  });
}
