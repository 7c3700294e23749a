import type { Receiver } from '@hookinbox/core';
import { type GeinsEvents, type GeinsMeta, subEntity } from '@hookinbox/geins';
import { withDelay } from './delay.js';
import { removeInside } from './exports.js';
import type { HandlerDeps } from './genstore-handlers.js';

/**
 * The Body to configure on each Geins webhook (Management API field `Body`). The provider reads deliveries back
 * through it; `{{subEntity}}` tells a price change from a stock change on `Product.update`.
 */
export const GEINS_BODY_TEMPLATE =
  '{"entity":"{{entity}}","action":"{{action}}","id":"{{id}}","subEntity":"{{subEntity}}"}';

type GeinsEventLike = {
  id: string;
  name: string;
  payload: { entity: string; action: string; ids: string[]; subEntity?: string };
  meta: GeinsMeta;
};

/**
 * The Geins side: `Order.*` and price or stock changes are recorded in `geins_events`; `Customer.delete` and
 * `Customer.obfuscate` (Geins' GDPR action) redact every customer row mapped to the Geins id. Customer events are
 * not recorded, so no trace of a redacted customer's id stays behind.
 */
export function registerGeinsHandlers(receiver: Receiver<GeinsEvents, GeinsMeta>, deps: HandlerDeps): void {
  const { db, exportsDir, delayMs } = deps;

  const record = withDelay<GeinsEventLike>(delayMs, async (event, { logger }) => {
    const p = event.payload;
    const stored = await db.recordGeinsEvent({
      eventId: event.id,
      name: event.name,
      entity: p.entity,
      action: p.action,
      ids: p.ids,
      subEntity: p.subEntity ?? null,
      idempotencyKey: event.meta.idempotencyKey ?? null,
      timestamp: event.meta.timestamp ?? null,
    });
    const what = p.subEntity ? `${event.name} (${p.subEntity})` : event.name;
    logger.info({ ids: p.ids.join(',') }, stored ? `${what}: recorded` : `${what}: already recorded`);
  });
  receiver.on('Order.*', record);
  receiver.on('Product.update', record, { where: subEntity('price', 'stockBalance') });

  const remember = withDelay<GeinsEventLike>(delayMs, async (event, { logger }) => {
    for (const id of event.payload.ids) await db.upsertGeinsCustomer(id);
    logger.info({ ids: event.payload.ids.join(',') }, `${event.name}: customer id stored`);
  });
  receiver.on('Customer.create', remember);
  receiver.on('Customer.update', remember);

  const redact = withDelay<GeinsEventLike>(delayMs, async (event, { logger }) => {
    const result = await db.redactGeinsCustomers(event.payload.ids, (paths) => removeInside(exportsDir, paths));
    logger.info(result, `${event.name}: customer redacted`);
  });
  receiver.on('Customer.delete', redact);
  receiver.on('Customer.obfuscate', redact);
}
