import { createHmac, randomUUID } from 'node:crypto';
import {
  applyGenstoreSync,
  createGenstoreAdminClient,
  type GenstoreAdminClient,
  type GenstoreSyncPlan,
  planGenstoreSync,
} from '@hookinbox/genstore';
import { readUrl, str } from '../args.js';
import { deliver, type SendResult } from '../deliver.js';
import { asUsageError, readEnv } from '../env.js';
import { CliUsageError } from '../errors.js';
import type { CliIo } from '../io.js';
import { formatTable } from '../table.js';
import { sampleGenstorePayload } from './genstore-samples.js';
import type { CliPlatform, OutgoingDelivery, PlannedSync, Values } from './types.js';

/**
 * Genstore's delivery schedule as `simulate` plays it. Genstore documents only "8 consecutive failures" before it
 * stops; Shopify, its model, waits 5 s for an answer and makes 8 tries over 4 hours. The 7 waits double and add up
 * to 4 hours: about 1.9, 3.8, 7.6, 15, 30, 60 and 121 minutes.
 */
export const GENSTORE_SCHEDULE = {
  timeoutMs: 5_000,
  retryDelaysMs: Array.from({ length: 7 }, (_, i) => Math.round((4 * 3_600_000 * 2 ** i) / 127)),
} as const;

/** Options of {@link sendGenstoreDelivery}. */
export interface SendGenstoreOptions {
  url: string;
  topic: string;
  /** The app's client secret, which signs the body. */
  secret: string;
  /** The exact body; an object is sent as its JSON. Default: a sample for the topic. */
  body?: string | Buffer | object;
  /** Shop subdomain for `X-Genstore-Shop-Domain` (default `demo-shop`). */
  shop?: string;
  /** `X-Genstore-Webhook-Id` (default: a random UUID). */
  webhookId?: string;
  /** Extra headers, lower-case names; they override the computed ones. */
  headers?: Record<string, string>;
  timeoutMs?: number;
}

/**
 * Post one Genstore delivery signed as Genstore signs: `X-Genstore-Hmac-Sha256` is the base64 HMAC-SHA256 of the
 * exact body bytes under the client secret.
 *
 * @example
 * const result = await sendGenstoreDelivery({ url: 'http://127.0.0.1:3000/webhooks/genstore', topic: 'orders/create', secret });
 * console.log(result.status, result.latencyMs);
 */
export function sendGenstoreDelivery(options: SendGenstoreOptions): Promise<SendResult> {
  return deliver(genstoreDelivery(options), options.timeoutMs);
}

function genstoreDelivery(options: SendGenstoreOptions, sampleId?: string): OutgoingDelivery {
  const shop = options.shop ?? 'demo-shop';
  const body =
    typeof options.body === 'string' || Buffer.isBuffer(options.body)
      ? Buffer.from(options.body)
      : Buffer.from(JSON.stringify(options.body ?? sampleGenstorePayload(options.topic, shop, sampleId)));
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-genstore-topic': options.topic,
    'x-genstore-hmac-sha256': createHmac('sha256', options.secret).update(body).digest('base64'),
    'x-genstore-shop-domain': shop.includes('.') ? shop : `${shop}.genmystore.com`,
    'x-genstore-webhook-id': options.webhookId ?? randomUUID(),
    ...options.headers,
  };
  return { method: 'POST', url: options.url, headers, body };
}

function clientFromEnv(env: CliIo['env']): GenstoreAdminClient {
  const v = readEnv(
    env,
    'genstore',
    ['GENSTORE_SHOP', 'GENSTORE_ACCESS_TOKEN'],
    ['GENSTORE_API_BASE_URL', 'GENSTORE_API_VERSION'],
  );
  return asUsageError(() =>
    createGenstoreAdminClient({
      shop: v.GENSTORE_SHOP,
      accessToken: v.GENSTORE_ACCESS_TOKEN,
      baseUrl: v.GENSTORE_API_BASE_URL,
      apiVersion: v.GENSTORE_API_VERSION,
    }),
  );
}

function planTable(plan: GenstoreSyncPlan, deleteStale: boolean): string {
  const staleAction = deleteStale ? 'delete' : 'stale (kept)';
  const rows: string[][] = [
    ...plan.create.map((c) => ['create', c.topic, c.address, '']),
    ...plan.update.map((u) => ['update', u.topic, `${u.previousAddress} -> ${u.address}`, u.id]),
    ...plan.stale.map((w) => [staleAction, w.topic, w.address, w.id]),
    ...plan.unchanged.map((w) => ['unchanged', w.topic, w.address, w.id]),
    ...plan.skipped.map((s) => ['skipped', s.pattern, s.reason, '']),
  ];
  return formatTable(['ACTION', 'TOPIC', 'ADDRESS', 'ID'], rows);
}

/** Genstore: subscriptions by topic to one address, signed deliveries. */
export const genstorePlatform: CliPlatform = {
  name: 'genstore',
  syncOptions: { address: { type: 'string' }, topics: { type: 'string' } },
  deliveryOptions: {
    topic: { type: 'string' },
    secret: { type: 'string' },
    shop: { type: 'string' },
    'webhook-id': { type: 'string' },
  },

  async list(io, json) {
    const client = clientFromEnv(io.env);
    const webhooks = await client.list();
    if (json) {
      io.stdout.write(`${JSON.stringify(webhooks, null, 2)}\n`);
      return;
    }
    io.stdout.write(`Genstore subscriptions of ${client.shop}: ${webhooks.length}\n`);
    if (webhooks.length === 0) return;
    const rows = webhooks.map((w) => [w.id, w.topic, w.address, w.createTime ?? '']);
    io.stdout.write(`${formatTable(['ID', 'TOPIC', 'ADDRESS', 'CREATED'], rows)}\n`);
  },

  async plan(values: Values, io: CliIo): Promise<PlannedSync> {
    const address = str(values, 'address');
    if (!address) throw new CliUsageError('hookinbox subscriptions sync: genstore needs --address <public url>');
    const topics = (str(values, 'topics') ?? '')
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean);
    const client = clientFromEnv(io.env);
    const plan = await planGenstoreSync(client, { address, topics });
    return {
      title: `Genstore subscriptions of ${client.shop} -> ${address}`,
      plan,
      table: (deleteStale) => planTable(plan, deleteStale),
      extraSummary: plan.skipped.length > 0 ? [`${plan.skipped.length} skipped`] : [],
      apply: (deleteStale) => applyGenstoreSync(client, plan, { deleteStale }),
    };
  },

  async deliveries(values, io, input) {
    const url = readUrl(str(values, 'url'), input.command);
    const topic = str(values, 'topic') ?? 'orders/create';
    const secret = str(values, 'secret') ?? io.env.GENSTORE_CLIENT_SECRET;
    if (!secret) {
      throw new CliUsageError(
        `hookinbox ${input.command}: genstore deliveries are signed with the app client secret: pass --secret or set GENSTORE_CLIENT_SECRET`,
      );
    }
    const options: SendGenstoreOptions = {
      url,
      topic,
      secret,
      body: input.payload,
      shop: str(values, 'shop') ?? io.env.GENSTORE_SHOP ?? undefined,
      webhookId: str(values, 'webhook-id'),
      headers: input.headers,
    };
    return {
      label: topic,
      ...GENSTORE_SCHEDULE,
      // A simulated delivery gets its own id in the body and its own webhook id, kept by its retries and copies.
      make: (unique) =>
        unique === undefined
          ? genstoreDelivery(options)
          : genstoreDelivery({ ...options, webhookId: undefined }, unique),
    };
  },
};
