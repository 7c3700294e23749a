import type { Claims } from './claims.js';
import type { DeadLetterOffice } from './dead-letter-office.js';
import { type DeadLetter, restoreDelivery, restoreEvent } from './dead-letters.js';
import { DeliveryContext } from './delivery-context.js';
import type { InFlight } from './in-flight.js';
import type { Pipeline } from './pipeline.js';
import type { HandlerFailure, ReplayResult } from './receiver-types.js';
import type { AnyEvent } from './routes.js';
import type { HandlerRunner } from './runner.js';
import type { Logger } from './types.js';

export interface ReplayParts {
  pipeline: Pipeline;
  runner: HandlerRunner;
  claims: Claims;
  letters: DeadLetterOffice;
  inFlight: InFlight;
  attempts: number;
  logger: Logger;
}

/**
 * `receiver.replay(letter)`. With the delivery: every stage again (today's secrets, schemas and templates), the
 * handlers before the answer. With only the event: a claim, then the handlers. Either way the dedupe store decides
 * first, so what was done since stays done; handlers that succeeded before are remembered and not run again.
 */
export async function replay(parts: ReplayParts, letter: DeadLetter): Promise<ReplayResult> {
  const { logger, letters } = parts;
  let result: ReplayResult;
  if (letter.delivery) {
    const ctx = new DeliveryContext(restoreDelivery(letter.delivery), logger, performance.now());
    ctx.replay = true;
    ctx.authenticated = letter.delivery.redacted === true;
    // Stored headers keep the names they arrived with: lower-cased by the pipeline as any hand-built delivery.
    const response = await parts.pipeline.run(ctx, false);
    const failures: HandlerFailure[] = [];
    result = { outcome: ctx.outcome, status: response.status, failures };
  } else if (letter.event) {
    result = await replayEvent(parts, restoreEvent(letter.event));
  } else {
    throw new TypeError('@hookinbox/core: replay() needs a dead letter with its delivery or its event');
  }
  if (result.outcome === 'handled' || result.outcome === 'duplicate') {
    await letters.processed(letter.kind, letter.id, logger);
  }
  return result;
}

async function replayEvent(parts: ReplayParts, event: AnyEvent): Promise<ReplayResult> {
  const { claims, runner, inFlight, attempts, logger } = parts;
  const claim = await claims.claim(event.id);
  if (claim.status !== 'claimed') {
    return {
      outcome: claim.status === 'done' ? 'duplicate' : 'in-flight',
      status: claim.status === 'done' ? 200 : 409,
      failures: [],
    };
  }
  const run = runner.run(event, logger, { attempts, remember: true });
  inFlight.track(run, event);
  const failures = await run;
  if (failures.length > 0) {
    await claims.release(event.id, claim.token, logger);
    return { outcome: 'failed', status: 500, failures };
  }
  await claims.commit(event.id, claim.token, logger);
  return { outcome: 'handled', status: 200, failures };
}
