import type { GenstoreCustomerRef } from '@hookinbox/genstore';
import { matchCustomer } from './customer-match.js';

/**
 * The database layer, written against the few methods of PGlite it uses, so this shared folder needs no dependency
 * of its own: each example opens PGlite (`@electric-sql/pglite`) and hands it over. Any client with the same
 * `query`/`exec`/`transaction` shape (node-postgres behind a thin wrapper, say) would do.
 */
export interface SqlQueryable {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: T[] }>;
}

export interface SqlClient extends SqlQueryable {
  exec(sql: string): Promise<unknown>;
  transaction<T>(fn: (tx: SqlQueryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/**
 * Shops, customers and orders come from Genstore; `geins_events` records Geins events. Ids are text: platform ids
 * can exceed 2^53. A shop is keyed by its id when the payload names it, else by its domain (the
 * `X-Genstore-Shop-Domain` header); redaction deletes under both.
 *
 * `customers.geins_id` maps a Geins customer id to a row. Geins deliveries carry only ids, so a Geins
 * `Customer.create`/`update` stores a row under the pseudo shop `geins` with that id; an app that knows a Genstore
 * customer is the same person sets `geins_id` on that row, and Geins' `Customer.delete` then redacts it as well.
 */
export const SCHEMA = `
CREATE TABLE IF NOT EXISTS shops (
  id             text PRIMARY KEY,
  domain         text,
  uninstalled_at timestamptz,
  updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS customers (
  shop_id    text NOT NULL,
  id         text NOT NULL,
  geins_id   text UNIQUE,
  email      text,
  phone      text,
  first_name text,
  last_name  text,
  data       jsonb NOT NULL DEFAULT '{}',
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (shop_id, id)
);
CREATE TABLE IF NOT EXISTS orders (
  shop_id     text NOT NULL,
  id          text NOT NULL,
  customer_id text,
  email       text,
  total       text,
  currency    text,
  data        jsonb NOT NULL DEFAULT '{}',
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (shop_id, id)
);
CREATE INDEX IF NOT EXISTS orders_by_customer ON orders (shop_id, customer_id);
CREATE TABLE IF NOT EXISTS data_requests (
  shop_id     text NOT NULL,
  request_id  text NOT NULL,
  customer_id text NOT NULL,
  export_path text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (shop_id, request_id)
);
CREATE TABLE IF NOT EXISTS geins_events (
  event_id        text PRIMARY KEY,
  name            text NOT NULL,
  entity          text NOT NULL,
  action          text NOT NULL,
  ids             text[] NOT NULL,
  sub_entity      text,
  idempotency_key text,
  geins_timestamp text,
  received_at     timestamptz NOT NULL DEFAULT now()
);
`;

export interface ShopRecord {
  id: string;
  domain: string | null;
}

export interface CustomerRecord {
  shopId: string;
  id: string;
  email: string | null;
  phone: string | null;
  firstName: string | null;
  lastName: string | null;
  /** The customer object as delivered. */
  data: Record<string, unknown>;
}

export interface OrderRecord {
  shopId: string;
  id: string;
  customerId: string | null;
  email: string | null;
  total: string | null;
  currency: string | null;
  /** The order object as delivered. */
  data: Record<string, unknown>;
}

export interface GeinsEventRecord {
  /** The hookinbox event id (the dedupe key): the same for every retry, so a retry is stored once. */
  eventId: string;
  name: string;
  entity: string;
  action: string;
  ids: string[];
  subEntity: string | null;
  idempotencyKey: string | null;
  timestamp: string | null;
}

/** What one customer's data export holds. */
export interface CustomerExport {
  customers: Record<string, unknown>[];
  orders: Record<string, unknown>[];
}

/** Deletes export files; called inside the redaction's transaction. */
export type RemoveFiles = (paths: string[]) => Promise<void>;

/** How many rows a redaction deleted, and how many export files. */
export interface RedactionResult {
  customers: number;
  orders: number;
  exports: number;
}

/**
 * A customer's orders ($2: their ids), the orders a request lists ($3), and, for a customer known only by email ($4,
 * else null), the orders placed with that email without an account.
 */
const CUSTOMER_ORDERS =
  'customer_id = ANY($2) OR id = ANY($3) OR (customer_id IS NULL AND $4::text IS NOT NULL AND lower(email) = $4)';

/** The pseudo shop under which customers known only from Geins are stored. */
export const GEINS_SHOP = 'geins';

/** Create the tables (idempotent) and return the queries the handlers use. */
// One object of queries over one client, each method a short statement or transaction: longer than a usual
// function for that reason (and the file than a usual module, with the schema it creates beside them).
export async function createDatabase(sql: SqlClient) {
  await sql.exec(SCHEMA);

  const upsertShop = (q: SqlQueryable, shop: ShopRecord) =>
    q.query(
      `INSERT INTO shops (id, domain) VALUES ($1, $2)
       ON CONFLICT (id) DO UPDATE SET domain = COALESCE(EXCLUDED.domain, shops.domain), updated_at = now()`,
      [shop.id, shop.domain],
    );

  /** Records the shop, so `shopKeys` can map its domain to its id at redaction, and runs one write with it. */
  const writeWithShop = (shop: ShopRecord, statement: string, params: unknown[]) =>
    sql.transaction(async (tx) => {
      await upsertShop(tx, shop);
      await tx.query(statement, params);
    });

  return {
    sql,

    /** Every key the shop's rows may be stored under: its id, its domain, and a domain recorded for that id. */
    async shopKeys(ids: (string | null | undefined)[]): Promise<string[]> {
      const given = [...new Set(ids.filter((v): v is string => typeof v === 'string' && v !== ''))];
      const { rows } = await sql.query<{ id: string; domain: string | null }>(
        'SELECT id, domain FROM shops WHERE id = ANY($1) OR domain = ANY($1)',
        [given],
      );
      const keys = new Set(given);
      for (const row of rows) {
        keys.add(row.id);
        if (row.domain) keys.add(row.domain);
      }
      return [...keys];
    },

    upsertShop: (shop: ShopRecord) => upsertShop(sql, shop),

    async markUninstalled(shop: ShopRecord): Promise<void> {
      await writeWithShop(shop, 'UPDATE shops SET uninstalled_at = COALESCE(uninstalled_at, now()) WHERE id = $1', [
        shop.id,
      ]);
    },

    async upsertCustomer(shop: ShopRecord, c: CustomerRecord): Promise<void> {
      await writeWithShop(
        shop,
        `INSERT INTO customers (shop_id, id, email, phone, first_name, last_name, data)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (shop_id, id) DO UPDATE SET email = EXCLUDED.email, phone = EXCLUDED.phone,
           first_name = EXCLUDED.first_name, last_name = EXCLUDED.last_name, data = EXCLUDED.data,
           updated_at = now()`,
        [c.shopId, c.id, c.email, c.phone, c.firstName, c.lastName, c.data],
      );
    },

    async upsertOrder(shop: ShopRecord, o: OrderRecord): Promise<void> {
      await writeWithShop(
        shop,
        `INSERT INTO orders (shop_id, id, customer_id, email, total, currency, data)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (shop_id, id) DO UPDATE SET customer_id = EXCLUDED.customer_id, email = EXCLUDED.email,
           total = EXCLUDED.total, currency = EXCLUDED.currency, data = EXCLUDED.data, updated_at = now()`,
        [o.shopId, o.id, o.customerId, o.email, o.total, o.currency, o.data],
      );
    },

    /**
     * Record a data request and run `write` with everything stored about the customer, in one transaction. A
     * request id seen before returns `{ created: false }` without calling `write`, so a second delivery of the same
     * request never writes a second export; if `write` throws, the request is not recorded and a retry writes it.
     */
    async answerDataRequest(
      keys: string[],
      request: { shopId: string; requestId: string; customer: GenstoreCustomerRef; ordersRequested: string[] },
      exportPath: string,
      write: (data: CustomerExport) => Promise<void>,
    ): Promise<{ created: boolean; exportPath: string; orders: number }> {
      return sql.transaction(async (tx) => {
        const match = await matchCustomer(tx, keys, request.customer);
        const inserted = await tx.query<{ export_path: string }>(
          `INSERT INTO data_requests (shop_id, request_id, customer_id, export_path) VALUES ($1, $2, $3, $4)
           ON CONFLICT (shop_id, request_id) DO NOTHING RETURNING export_path`,
          [request.shopId, request.requestId, match.requestKey, exportPath],
        );
        if (inserted.rows.length === 0) {
          const { rows } = await tx.query<{ export_path: string }>(
            'SELECT export_path FROM data_requests WHERE shop_id = $1 AND request_id = $2',
            [request.shopId, request.requestId],
          );
          return { created: false, exportPath: rows[0]?.export_path ?? exportPath, orders: 0 };
        }
        const customers = await tx.query(
          `SELECT shop_id, id, geins_id, email, phone, first_name, last_name, data, updated_at
           FROM customers WHERE shop_id = ANY($1) AND id = ANY($2)`,
          [keys, match.ids],
        );
        const orders = await tx.query(
          `SELECT shop_id, id, customer_id, email, total, currency, data, updated_at
           FROM orders WHERE shop_id = ANY($1) AND (${CUSTOMER_ORDERS}) ORDER BY id`,
          [keys, match.ids, request.ordersRequested, match.guestEmail],
        );
        await write({ customers: customers.rows, orders: orders.rows });
        return { created: true, exportPath, orders: orders.rows.length };
      });
    },

    /**
     * Delete a customer (found by id, or by email when the id is null), their orders and the listed orders, and their
     * data-request records; `removeFiles` deletes the exports those records name before the transaction commits, so a
     * failure leaves everything for the retry. Running it again deletes nothing more.
     */
    async redactCustomer(
      keys: string[],
      customer: GenstoreCustomerRef,
      orderIds: string[],
      removeFiles: RemoveFiles,
    ): Promise<RedactionResult> {
      return sql.transaction(async (tx) => {
        const match = await matchCustomer(tx, keys, customer);
        const orders = await tx.query(
          `DELETE FROM orders WHERE shop_id = ANY($1) AND (${CUSTOMER_ORDERS}) RETURNING id`,
          [keys, match.ids, orderIds, match.guestEmail],
        );
        const customers = await tx.query(
          'DELETE FROM customers WHERE shop_id = ANY($1) AND id = ANY($2) RETURNING id',
          [keys, match.ids],
        );
        const requests = await tx.query<{ export_path: string }>(
          'DELETE FROM data_requests WHERE shop_id = ANY($1) AND customer_id = ANY($2) RETURNING export_path',
          [keys, match.requestKeys],
        );
        const exports = requests.rows.map((r) => r.export_path);
        await removeFiles(exports);
        return { customers: customers.rows.length, orders: orders.rows.length, exports: exports.length };
      });
    },

    /**
     * Delete everything stored under the shop's keys; `removeFiles` gets the shop's export files before the commit.
     * Running it again deletes nothing more.
     */
    async redactShop(keys: string[], removeFiles: RemoveFiles): Promise<RedactionResult> {
      return sql.transaction(async (tx) => {
        const orders = await tx.query('DELETE FROM orders WHERE shop_id = ANY($1) RETURNING id', [keys]);
        const customers = await tx.query('DELETE FROM customers WHERE shop_id = ANY($1) RETURNING id', [keys]);
        const requests = await tx.query<{ export_path: string }>(
          'DELETE FROM data_requests WHERE shop_id = ANY($1) RETURNING export_path',
          [keys],
        );
        await tx.query('DELETE FROM shops WHERE id = ANY($1) OR domain = ANY($1)', [keys]);
        const exports = requests.rows.map((r) => r.export_path);
        await removeFiles(exports);
        return { customers: customers.rows.length, orders: orders.rows.length, exports: exports.length };
      });
    },

    /** A customer known from Geins: only the id is delivered. */
    async upsertGeinsCustomer(geinsId: string): Promise<void> {
      await sql.query(
        `INSERT INTO customers (shop_id, id, geins_id) VALUES ($1, $2, $2)
         ON CONFLICT DO NOTHING`,
        [GEINS_SHOP, geinsId],
      );
    },

    /** Redact every customer row mapped to one of these Geins ids, with their orders and data requests. */
    async redactGeinsCustomers(geinsIds: string[], removeFiles: RemoveFiles): Promise<RedactionResult> {
      return sql.transaction(async (tx) => {
        const customers = await tx.query<{ shop_id: string; id: string }>(
          'DELETE FROM customers WHERE geins_id = ANY($1) RETURNING shop_id, id',
          [geinsIds],
        );
        let orders = 0;
        const exportPaths: string[] = [];
        for (const c of customers.rows) {
          const o = await tx.query('DELETE FROM orders WHERE shop_id = $1 AND customer_id = $2 RETURNING id', [
            c.shop_id,
            c.id,
          ]);
          orders += o.rows.length;
          const r = await tx.query<{ export_path: string }>(
            'DELETE FROM data_requests WHERE shop_id = $1 AND customer_id = $2 RETURNING export_path',
            [c.shop_id, c.id],
          );
          exportPaths.push(...r.rows.map((row) => row.export_path));
        }
        await removeFiles(exportPaths);
        return { customers: customers.rows.length, orders, exports: exportPaths.length };
      });
    },

    /** Store a Geins event once: a retry carries the same event id and is ignored. */
    async recordGeinsEvent(e: GeinsEventRecord): Promise<boolean> {
      const { rows } = await sql.query(
        `INSERT INTO geins_events (event_id, name, entity, action, ids, sub_entity, idempotency_key, geins_timestamp)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (event_id) DO NOTHING RETURNING event_id`,
        [e.eventId, e.name, e.entity, e.action, e.ids, e.subEntity, e.idempotencyKey, e.timestamp],
      );
      return rows.length === 1;
    },

    /** Row counts per table, for the demo and health checks. */
    async counts(): Promise<Record<'shops' | 'customers' | 'orders' | 'data_requests' | 'geins_events', number>> {
      const { rows } = await sql.query<{ t: string; n: number }>(
        `SELECT 'shops' AS t, count(*)::int AS n FROM shops UNION ALL
         SELECT 'customers', count(*)::int FROM customers UNION ALL
         SELECT 'orders', count(*)::int FROM orders UNION ALL
         SELECT 'data_requests', count(*)::int FROM data_requests UNION ALL
         SELECT 'geins_events', count(*)::int FROM geins_events`,
      );
      return Object.fromEntries(rows.map((r) => [r.t, r.n])) as never;
    },
  };
}

export type Database = Awaited<ReturnType<typeof createDatabase>>;
