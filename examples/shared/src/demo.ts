import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from './config.js';
import { geinsRequest, genstoreRequest, type SignedRequest } from './deliveries.js';
import { redactUrl } from './integration.js';
import { createLogger } from './logger.js';
import { type CreateApp, exitOnStartupError, listenOrExplain, routesOf, stopOnSignals } from './main.js';

const DEMO_GENSTORE_SECRET = 'demo-genstore-secret';
const DEMO_GEINS_SECRET = 'demo-geins-secret';

const SHOP = { id: '4022054969604', domain: 'demo-shop.genmystore.com' };
const CUSTOMER = { id: '501', email: 'ada@example.com', phone: '+46 70 123 45 67' };

const portIsFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });

/**
 * `demo.ts` of both examples: start the server with demo defaults, send a short series of signed deliveries, print
 * each answer and what the app stored, then keep serving until Ctrl+C.
 */
// A script read top to bottom (start, send each delivery, print what it did, serve): its steps are the demo's story,
// kept in order in one function rather than scattered, which makes it longer than a usual function.
export async function runDemo(example: string, framework: string, createApp: CreateApp): Promise<void> {
  const env = { ...process.env };
  const notes: string[] = [];
  if (!env.GENSTORE_CLIENT_SECRET) {
    env.GENSTORE_CLIENT_SECRET = DEMO_GENSTORE_SECRET;
    notes.push(`GENSTORE_CLIENT_SECRET is not set: using the demo secret "${DEMO_GENSTORE_SECRET}"`);
  }
  if (!env.GEINS_WEBHOOK_SECRET) {
    env.GEINS_WEBHOOK_SECRET = DEMO_GEINS_SECRET;
    notes.push(`GEINS_WEBHOOK_SECRET is not set: using the demo secret "${DEMO_GEINS_SECRET}"`);
  }
  // A fresh database per run, so the demo tells the same story every time; removed when the demo stops.
  let scratch: string | undefined;
  if (!env.DATABASE_PATH || !env.EXPORTS_DIR) scratch = await mkdtemp(join(tmpdir(), `hookinbox-${example}-demo-`));
  env.DATABASE_PATH ||= join(scratch as string, 'db');
  env.EXPORTS_DIR ||= join(scratch as string, 'exports');
  env.LOG_LEVEL ||= 'warn';
  env.HOST ||= '127.0.0.1';
  if (!env.PORT && !(await portIsFree(3000))) {
    notes.push('port 3000 is busy: using a free port (set PORT to choose)');
    env.PORT = '0';
  }

  const out = (line = '') => process.stdout.write(`${line}\n`);
  let app: Awaited<ReturnType<CreateApp>>;
  let url: string;
  // Only warnings: a stop prints the one goodbye line below, not the server's shutdown log.
  const logger = createLogger({ name: example, level: 'warn' });
  try {
    const config = loadConfig(example, env);
    // The app's log lines go to stdout, indented, so each one shows under the step that caused it and before that
    // step's answer (on stderr they could interleave anywhere).
    const appLogger = createLogger({ name: example, level: config.logLevel, write: (line) => out(`    ${line}`) });
    out(`hookinbox GDPR example on ${framework}: starting (the embedded database takes a few seconds)…`);
    app = await createApp(config, { logger: appLogger });
    url = await listenOrExplain(app, config);
  } catch (error) {
    exitOnStartupError(error);
  }
  const goodbye = async () => {
    if (scratch) await rm(scratch, { recursive: true, force: true });
    out(scratch ? 'Stopped; the demo database and exports were removed.' : 'Stopped.');
  };
  stopOnSignals(app, logger, goodbye);

  out(`listening on ${url}`);
  for (const note of notes) out(`  note: ${note}`);
  out(
    app.store === 'redis'
      ? `  dedupe store: Redis at ${redactUrl(env.REDIS_URL as string)}`
      : '  dedupe store: memory (set REDIS_URL=redis://127.0.0.1:6379 for Redis)',
  );
  out(`  database: ${env.DATABASE_PATH}`);
  out(`  exports:  ${env.EXPORTS_DIR}`);
  out();

  const gs = env.GENSTORE_CLIENT_SECRET as string;
  const gn = env.GEINS_WEBHOOK_SECRET as string;
  // Delivery ids unique to this run, so a Redis that remembers an earlier run does not take these for retries.
  const run = randomUUID().slice(0, 8);
  const db = app.db;
  let step = 0;

  const send = async (title: string, path: string, request: SignedRequest) => {
    step++;
    // The title first: the app logs what it does with the delivery before it answers.
    out(`${String(step).padStart(2)}. ${title}`);
    const response = await fetch(`${url}${path}`, { method: 'POST', headers: request.headers, body: request.body });
    const text = (await response.text()).replace(/"message":"[^"]*"/, '"message":"…"');
    out(`    → ${response.status} ${text}`);
  };
  const show = (line: string) => out(`    ${line}`);
  const rows = async (sql: string, params: unknown[] = []) => (await db.sql.query(sql, params)).rows.length;

  await send(
    'Genstore orders/create: order 1001 of customer 501',
    '/webhooks/genstore',
    genstoreRequest(
      'orders/create',
      {
        order: {
          id: '1001',
          shopId: SHOP.id,
          customer: { id: CUSTOMER.id, email: CUSTOMER.email },
          totalPrice: '49.90',
          currency: 'EUR',
        },
      },
      gs,
      { shopDomain: SHOP.domain, webhookId: `${run}-1` },
    ),
  );
  show(`db: orders of shop ${SHOP.id}: ${await rows('SELECT 1 FROM orders WHERE shop_id = $1', [SHOP.id])}`);

  await send(
    'Genstore customers/create: customer 501',
    '/webhooks/genstore',
    genstoreRequest(
      'customers/create',
      { customer: { ...CUSTOMER, shopId: SHOP.id, firstName: 'Ada', lastName: 'Lovelace' } },
      gs,
      { shopDomain: SHOP.domain, webhookId: `${run}-2` },
    ),
  );
  show(`db: customers of shop ${SHOP.id}: ${await rows('SELECT 1 FROM customers WHERE shop_id = $1', [SHOP.id])}`);

  const requestId = `dr-${run}`;
  await send(
    `Genstore customers/data_request ${requestId} for customer 501`,
    '/webhooks/genstore',
    genstoreRequest(
      'customers/data_request',
      {
        shop_id: SHOP.id,
        shop_domain: SHOP.domain,
        customer: CUSTOMER,
        orders_requested: ['1001'],
        data_request: { id: requestId },
      },
      gs,
      { webhookId: `${run}-3` },
    ),
  );
  const exported = await db.sql.query<{ export_path: string }>(
    'SELECT export_path FROM data_requests WHERE shop_id = $1 AND request_id = $2',
    [SHOP.id, requestId],
  );
  const exportPath = exported.rows[0]?.export_path;
  if (exportPath && existsSync(exportPath)) {
    const file = JSON.parse(await readFile(exportPath, 'utf8')) as { customers: unknown[]; orders: unknown[] };
    show(`export written: ${exportPath}`);
    show(`  holds ${file.customers.length} customer row and ${file.orders.length} order row`);
  } else {
    show('no export was written (see the log above)');
  }

  const redact = genstoreRequest(
    'customers/redact',
    { shop_id: SHOP.id, shop_domain: SHOP.domain, customer: CUSTOMER, orders_to_redact: ['1001'] },
    gs,
    { webhookId: `${run}-4` },
  );
  const afterRedact = async () => {
    const customers = await rows('SELECT 1 FROM customers WHERE shop_id = $1 AND id = $2', [SHOP.id, CUSTOMER.id]);
    const orders = await rows('SELECT 1 FROM orders WHERE shop_id = $1 AND customer_id = $2', [SHOP.id, CUSTOMER.id]);
    const file = exportPath && existsSync(exportPath) ? 'still there' : 'deleted';
    show(`db: customer 501 rows: ${customers}, their orders: ${orders}; export file ${file}`);
  };
  await send('Genstore customers/redact: customer 501 and order 1001', '/webhooks/genstore', redact);
  await afterRedact();
  await send('The same redaction again (a retry of the same delivery)', '/webhooks/genstore', redact);
  await afterRedact();

  const forged = genstoreRequest('orders/create', { order: { id: '6666', shopId: SHOP.id, totalPrice: '0.01' } }, gs, {
    signWith: 'not-the-client-secret',
    webhookId: `${run}-5`,
  });
  await send('A forged delivery: orders/create signed with the wrong secret', '/webhooks/genstore', forged);
  show(`db: order 6666 stored: ${(await rows('SELECT 1 FROM orders WHERE id = $1', ['6666'])) > 0 ? 'yes' : 'no'}`);

  if (app.receivers.geins) {
    const geinsEvents = () => rows('SELECT 1 FROM geins_events');
    const orderKey = `${run}-geins-order`;
    await send(
      'Geins Order.create 5001',
      '/webhooks/geins',
      geinsRequest({ entity: 'Order', action: 'create', id: '5001' }, gn, { idempotencyKey: orderKey }),
    );
    show(`db: geins_events: ${await geinsEvents()}`);
    await send(
      'Geins Product.update 77, sub-entity price',
      '/webhooks/geins',
      geinsRequest({ entity: 'Product', action: 'update', id: '77', subEntity: 'price' }, gn),
    );
    show(`db: geins_events: ${await geinsEvents()}`);
    await send(
      'Geins Customer.create 9042',
      '/webhooks/geins',
      geinsRequest({ entity: 'Customer', action: 'create', id: '9042' }, gn),
    );
    const geinsCustomer = () => rows('SELECT 1 FROM customers WHERE geins_id = $1', ['9042']);
    show(`db: customers with Geins id 9042: ${await geinsCustomer()}`);
    await send(
      'Geins Customer.delete 9042',
      '/webhooks/geins',
      geinsRequest({ entity: 'Customer', action: 'delete', id: '9042' }, gn),
    );
    show(`db: customers with Geins id 9042: ${await geinsCustomer()}`);
    await send(
      'Geins retries Order.create 5001 with the same x-Idempotency-Key',
      '/webhooks/geins',
      geinsRequest({ entity: 'Order', action: 'create', id: '5001' }, gn, { idempotencyKey: orderKey }),
    );
    show(`db: geins_events: ${await geinsEvents()} (the retry was not recorded again)`);
  }

  out();
  out(`Still serving: ${routesOf(app, url)}`);
  out('Send your own deliveries (see the README for a signed curl line). Ctrl+C to stop.');
}
