import { createFetchHandler, type FetchHandler } from '@hookinbox/fetch';
import { after } from 'next/server';
import { webhookReceiver } from '../../../../lib/webhooks';

// The providers verify signatures with node:crypto: the Node.js runtime, not the Edge runtime.
export const runtime = 'nodejs';

let handle: FetchHandler | undefined;

export function POST(request: Request): Promise<Response> {
  // after() keeps the function alive for the handlers once the 200 has gone out (on Vercel and on `next start`).
  handle ??= createFetchHandler(webhookReceiver(), { waitUntil: after });
  return handle(request);
}
