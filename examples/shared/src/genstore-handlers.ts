import type { Receiver } from '@hookinbox/core';
import { sha256Hex } from '@hookinbox/core';
import type { GenstoreEvents, GenstoreMeta } from '@hookinbox/genstore';
import type { Database } from './database.js';
import { withDelay } from './delay.js';
import { exportPathFor, removeInside, shopExportDir, writeJsonAtomic } from './exports.js';
import { customerFrom, orderFrom } from './records.js';

export interface HandlerDeps {
  db: Database;
  exportsDir: string;
  /** `DEMO_HANDLER_DELAY_MS`; 0 outside tests and demos. */
  delayMs: number;
}

/**
 * The Genstore side of the integration. Every handler is idempotent: the receiver drops duplicate deliveries, and a
 * delivery the dedupe store cannot recognise (a new delivery id for the same event, an expired TTL) still changes
 * nothing more the second time.
 */
// One short handler per topic, registered in one place so that a reader sees every topic the app answers: longer than
// a usual function for that reason.
export function registerGenstoreHandlers(receiver: Receiver<GenstoreEvents, GenstoreMeta>, deps: HandlerDeps): void {
  const { db, exportsDir, delayMs } = deps;
  const removeFiles = (paths: string[]) => removeInside(exportsDir, paths);

  const storeOrder = withDelay<{ name: string; id: string; payload: Record<string, unknown>; meta: GenstoreMeta }>(
    delayMs,
    async (event, { logger }) => {
      const found = orderFrom(event.payload, event.meta);
      if (!found) {
        // Retrying cannot add the missing id, so the delivery is acknowledged and logged rather than failed.
        logger.warn({ event: event.name, id: event.id }, `${event.name}: no order id or shop in the payload; ignored`);
        return;
      }
      await db.upsertOrder(found.shop, found.order);
      logger.info({ shop: found.shop.id, order: found.order.id }, `${event.name}: order stored`);
    },
  );
  receiver.on('orders/create', storeOrder);
  receiver.on('orders/update', storeOrder);

  const storeCustomer = withDelay<{ name: string; id: string; payload: Record<string, unknown>; meta: GenstoreMeta }>(
    delayMs,
    async (event, { logger }) => {
      const found = customerFrom(event.payload, event.meta);
      if (!found) {
        logger.warn(
          { event: event.name, id: event.id },
          `${event.name}: no customer id or shop in the payload; ignored`,
        );
        return;
      }
      await db.upsertCustomer(found.shop, found.customer);
      logger.info({ shop: found.shop.id, customer: found.customer.id }, `${event.name}: customer stored`);
    },
  );
  receiver.on('customers/create', storeCustomer);
  receiver.on('customers/update', storeCustomer);

  receiver.on(
    'app/uninstalled',
    withDelay(delayMs, async (event, { logger }) => {
      const shopId = event.payload.shop.id;
      await db.markUninstalled({ id: shopId, domain: event.meta.shopDomain ?? null });
      // Genstore sends shop/redact later (48 hours on Shopify, its model); the data stays until then.
      logger.info({ shop: shopId }, 'app/uninstalled: shop marked uninstalled');
    }),
  );

  receiver.on(
    'customers/data_request',
    withDelay(delayMs, async (event, { logger }) => {
      const { shop, customer, ordersRequested, dataRequest } = event.payload;
      // Without a request id, the delivery's own id names the request, so its retries still find one export.
      const requestId = dataRequest.id ?? `delivery-${sha256Hex(event.id).slice(0, 32)}`;
      const keys = await db.shopKeys([shop.id, shop.domain, event.meta.shopDomain]);
      const path = exportPathFor(exportsDir, shop.id, requestId);
      const result = await db.answerDataRequest(
        keys,
        { shopId: shop.id, requestId, customer, ordersRequested },
        path,
        (stored) =>
          writeJsonAtomic(path, {
            request: { topic: event.name, id: requestId, shop, customer, ordersRequested },
            exportedAt: new Date().toISOString(),
            customers: stored.customers,
            orders: stored.orders,
          }),
      );
      if (result.created) {
        logger.info(
          { shop: shop.id, request: requestId, orders: result.orders, file: result.exportPath },
          'customers/data_request: export written',
        );
      } else {
        logger.info({ shop: shop.id, request: requestId }, 'customers/data_request: already answered; no new export');
      }
    }),
  );

  receiver.on(
    'customers/redact',
    withDelay(delayMs, async (event, { logger }) => {
      const { shop, customer, ordersToRedact } = event.payload;
      const keys = await db.shopKeys([shop.id, shop.domain, event.meta.shopDomain]);
      // A customer without an account comes with a null id and is found by email (see customer-match.ts).
      const result = await db.redactCustomer(keys, customer, ordersToRedact, removeFiles);
      logger.info({ shop: shop.id, ...result }, 'customers/redact: customer deleted');
    }),
  );

  receiver.on(
    'shop/redact',
    withDelay(delayMs, async (event, { logger }) => {
      const { shop } = event.payload;
      const keys = await db.shopKeys([shop.id, shop.domain, event.meta.shopDomain]);
      const result = await db.redactShop(keys, async (paths) => {
        await removeFiles(paths);
        await removeFiles(keys.map((key) => shopExportDir(exportsDir, key)));
      });
      logger.info({ shop: shop.id, ...result }, 'shop/redact: every row of the shop deleted');
    }),
  );
}
