import { randomUUID } from 'node:crypto';
import {
  applyGeinsSync,
  createGeinsAdminClient,
  DEFAULT_BODY_TEMPLATE,
  type GeinsAdminClient,
  type GeinsSyncPlan,
  isGeinsWebhookDefinition,
  planGeinsSync,
} from '@hookinbox/geins';
import { readUrl, str } from '../args.js';
import { deliver, type SendResult } from '../deliver.js';
import { asUsageError, readEnv } from '../env.js';
import { CliUsageError } from '../errors.js';
import type { CliIo } from '../io.js';
import { formatTable, redactHeaders, redactUrl } from '../table.js';
import { loadGeinsDefinitions } from './geins-definitions.js';
import type { CliPlatform, DeliveryInput, OutgoingDelivery, Values } from './types.js';

/**
 * Geins' delivery schedule as `simulate` plays it: a webhook with Retry on gets 3 more attempts, 10 minutes apart
 * (geins.io/developers/webhooks). Geins does not publish how long it waits for an answer; 10 s is assumed (override
 * with `--timeout`).
 */
export const GEINS_SCHEDULE = { timeoutMs: 10_000, retryDelaysMs: [600_000, 600_000, 600_000] } as const;

/** Options of {@link sendGeinsDelivery}. */
export interface SendGeinsOptions {
  url: string;
  method?: string;
  /** Lower-case names. `x-idempotency-key` and `x-timestamp` are added when absent. */
  headers?: Record<string, string>;
  body?: string;
  timeoutMs?: number;
}

/**
 * Post one Geins delivery as given, with `x-idempotency-key` and `x-timestamp` as Geins adds them.
 *
 * @example
 * await sendGeinsDelivery({
 *   url: 'http://127.0.0.1:3000/webhooks/geins',
 *   headers: { authorization: `Bearer ${secret}` },
 *   body: '{"entity":"Order","action":"create","id":"123"}',
 * });
 */
export function sendGeinsDelivery(options: SendGeinsOptions): Promise<SendResult> {
  return deliver(geinsDelivery(options), options.timeoutMs);
}

function geinsDelivery(options: SendGeinsOptions): OutgoingDelivery {
  const method = (options.method ?? 'POST').toUpperCase();
  const body = options.body === undefined || method === 'GET' ? undefined : Buffer.from(options.body);
  const headers: Record<string, string> = {
    'x-idempotency-key': randomUUID(),
    'x-timestamp': new Date().toISOString(),
    ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    ...options.headers,
  };
  return { method, url: options.url, headers, body };
}

/** Fills `{{name}}` placeholders as Geins does: plain text, missing ones empty. */
function fill(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(/\{\{([A-Za-z_][A-Za-z0-9_]*)\}\}/g, (_, name: string) =>
    Object.hasOwn(values, name) ? (values[name] as string) : '',
  );
}

function clientFromEnv(env: CliIo['env']): GeinsAdminClient {
  const v = readEnv(env, 'geins', ['GEINS_API_KEY', 'GEINS_USERNAME', 'GEINS_PASSWORD'], ['GEINS_API_BASE_URL']);
  return asUsageError(() =>
    createGeinsAdminClient({
      apiKey: v.GEINS_API_KEY,
      username: v.GEINS_USERNAME,
      password: v.GEINS_PASSWORD,
      baseUrl: v.GEINS_API_BASE_URL,
    }),
  );
}

type Row = { Name?: string | null; Entity?: string | null; Actions?: string | null; Url?: string | null };

function planTable(plan: GeinsSyncPlan, deleteStale: boolean): string {
  const staleAction = deleteStale ? 'delete' : 'stale (kept)';
  const row = (action: string, w: Row, id: string, note = '') => [
    action,
    w.Name ?? '',
    w.Entity ?? '',
    w.Actions ?? '',
    redactUrl(w.Url),
    id,
    note,
  ];
  const rows: string[][] = [
    ...plan.create.map((p) => row('create', p, '')),
    ...plan.update.map((u) => row('update', u.payload, u.id, `changes: ${u.fields.join(', ')}`)),
    ...plan.stale.map((w) => row(staleAction, w, w.Id)),
    ...plan.unchanged.map((w) => row('unchanged', w, w.Id)),
    ...plan.foreign.map((w) => row('not ours', w, w.Id, 'never touched')),
  ];
  return formatTable(['ACTION', 'NAME', 'ENTITY', 'ACTIONS', 'URL', 'ID', 'NOTE'], rows);
}

async function pickDefinition(file: string, name: string | undefined, io: CliIo, command: string) {
  const definitions = (await loadGeinsDefinitions(file, io.cwd)).filter(isGeinsWebhookDefinition);
  const found = name === undefined ? definitions : definitions.filter((d) => d.name === name);
  if (found.length === 1) return found[0] as (typeof definitions)[number];
  const names = definitions.map((d) => JSON.stringify(d.name)).join(', ');
  throw new CliUsageError(
    name === undefined
      ? `hookinbox ${command}: ${file} has ${definitions.length} definitions (${names}); pick one with --name`
      : `hookinbox ${command}: no definition named ${JSON.stringify(name)} in ${file} (it has ${names || 'none made with defineGeinsWebhook'})`,
  );
}

/** Deliveries rendered from a `defineGeinsWebhook` definition; `--url` only picks scheme, host and port. */
async function fromDefinition(values: Values, io: CliIo, input: DeliveryInput) {
  const definition = await pickDefinition(str(values, 'definitions') as string, str(values, 'name'), io, input.command);
  const action = str(values, 'action') ?? definition.actions[0];
  const target = str(values, 'url');
  const to = target === undefined ? undefined : new URL(readUrl(target, input.command));
  const make = (unique?: string): OutgoingDelivery => {
    const rendered = definition.render({
      action,
      id: unique ?? str(values, 'id') ?? '12345',
      account: str(values, 'account'),
      environment: str(values, 'environment'),
      values: { subEntity: str(values, 'sub-entity') ?? '' },
      idempotencyKey: unique === undefined ? str(values, 'idempotency-key') : undefined,
    });
    const from = new URL(rendered.url);
    const body = input.payload?.toString('utf8') ?? rendered.body;
    return geinsDelivery({
      url: to === undefined ? rendered.url : `${to.origin}${from.pathname}${from.search}`,
      method: str(values, 'method') ?? rendered.method,
      headers: { ...rendered.headers, ...input.headers },
      body,
    });
  };
  const retryDelaysMs = definition.retry ? GEINS_SCHEDULE.retryDelaysMs : [];
  return { label: `${definition.entity}.${action}`, timeoutMs: GEINS_SCHEDULE.timeoutMs, retryDelaysMs, make };
}

/** Deliveries from `--entity`, `--action` and the docs' quick start body (or `--payload` as the Body template). */
function fromFlags(values: Values, input: DeliveryInput) {
  const entity = str(values, 'entity') ?? 'Order';
  const action = str(values, 'action') ?? 'create';
  const url = readUrl(str(values, 'url'), input.command);
  const method = (str(values, 'method') ?? 'POST').toUpperCase();
  const template = input.payload?.toString('utf8') ?? DEFAULT_BODY_TEMPLATE;
  const make = (unique?: string): OutgoingDelivery => {
    const placeholders: Record<string, string> = {
      entity,
      action,
      id: unique ?? str(values, 'id') ?? '12345',
      account: str(values, 'account') ?? 'demo',
      environment: str(values, 'environment') ?? 'prod',
      subEntity: str(values, 'sub-entity') ?? '',
    };
    const key = unique === undefined ? str(values, 'idempotency-key') : undefined;
    return geinsDelivery({
      url: fill(url, placeholders),
      method,
      headers: { ...(key === undefined ? {} : { 'x-idempotency-key': key }), ...input.headers },
      body: method === 'GET' ? undefined : fill(template, placeholders),
    });
  };
  return { label: `${entity}.${action}`, ...GEINS_SCHEDULE, make };
}

/** Geins: webhooks by definition Name, deliveries with a shared secret and an idempotency key. */
export const geinsPlatform: CliPlatform = {
  name: 'geins',
  syncOptions: { definitions: { type: 'string' } },
  deliveryOptions: {
    entity: { type: 'string' },
    action: { type: 'string' },
    id: { type: 'string' },
    method: { type: 'string' },
    account: { type: 'string' },
    environment: { type: 'string' },
    'sub-entity': { type: 'string' },
    'idempotency-key': { type: 'string' },
    definitions: { type: 'string' },
    name: { type: 'string' },
  },

  async list(io, json) {
    const webhooks = await clientFromEnv(io.env).list();
    if (json) {
      // Headers usually hold the shared secret: JSON output hides their values too.
      const safe = webhooks.map((w) => ({ ...w, Headers: w.Headers ? '***' : w.Headers }));
      io.stdout.write(`${JSON.stringify(safe, null, 2)}\n`);
      return;
    }
    io.stdout.write(`Geins webhooks: ${webhooks.length}\n`);
    if (webhooks.length === 0) return;
    const rows = webhooks.map((w) => [
      w.Id,
      w.Name ?? '',
      w.Entity,
      w.Actions ?? '',
      w.Method ?? '',
      redactUrl(w.Url),
      redactHeaders(w.Headers),
      w.Retry === undefined || w.Retry === null ? '' : String(w.Retry),
    ]);
    io.stdout.write(`${formatTable(['ID', 'NAME', 'ENTITY', 'ACTIONS', 'METHOD', 'URL', 'HEADERS', 'RETRY'], rows)}\n`);
  },

  async plan(values, io) {
    const file = str(values, 'definitions');
    if (!file) throw new CliUsageError('hookinbox subscriptions sync: geins needs --definitions <file>');
    const definitions = await loadGeinsDefinitions(file, io.cwd);
    const client = clientFromEnv(io.env);
    const plan = await planGeinsSync(client, { definitions });
    return {
      title: `Geins webhooks from ${file}`,
      plan,
      table: (deleteStale) => planTable(plan, deleteStale),
      extraSummary: plan.foreign.length > 0 ? [`${plan.foreign.length} not ours`] : [],
      apply: (deleteStale) => applyGeinsSync(client, plan, { deleteStale }),
    };
  },

  async deliveries(values, io, input) {
    return str(values, 'definitions') === undefined ? fromFlags(values, input) : fromDefinition(values, io, input);
  },
};
