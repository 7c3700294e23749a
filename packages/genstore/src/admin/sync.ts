import type { GenstoreAdminClient, GenstoreAdminWebhook, GenstoreAdminWebhookInput } from './client.js';

const PREFIX = '@hookinbox/genstore';

/**
 * Topics every app published on the Genstore App Store must subscribe to
 * (partners.genstore.ai/docs/webhooks/webhook-subscription); a sync always includes them.
 */
const COMPLIANCE_TOPICS = ['customers/data_request', 'customers/redact', 'shop/redact'] as const;

/** Options of {@link planGenstoreSync}. */
export interface GenstoreSyncOptions {
  /** The public URL of the app's Genstore webhook route; every wanted topic is subscribed to it. */
  address: string;
  /** Topics the app handles. */
  topics?: readonly string[];
  /**
   * A receiver (or anything with `patterns()`): its exact topic names are added to `topics`. Patterns with `*`
   * cannot be subscribed to and are reported in `skipped`.
   */
  receiver?: { patterns(): readonly string[] };
}

/** A subscription whose address will be changed to the wanted one. */
export interface GenstoreSyncUpdate {
  id: string;
  topic: string;
  /** The new address. */
  address: string;
  /** The address it has now. */
  previousAddress: string;
}

/**
 * What a sync would do. Nothing has been written when you hold a plan: pass it to {@link applyGenstoreSync}.
 */
export interface GenstoreSyncPlan {
  readonly platform: 'genstore';
  readonly address: string;
  /** Every topic the plan wants subscribed: the handled ones and the compliance topics. */
  readonly topics: readonly string[];
  readonly create: readonly GenstoreAdminWebhookInput[];
  readonly update: readonly GenstoreSyncUpdate[];
  /**
   * Subscriptions no handler wants: a topic with no handler, or a second subscription to a wanted topic. They are
   * deleted only when `applyGenstoreSync(client, plan, { deleteStale: true })`.
   */
  readonly stale: readonly GenstoreAdminWebhook[];
  /** Subscriptions that already match. */
  readonly unchanged: readonly GenstoreAdminWebhook[];
  /** Patterns that are not exact topic names, and why they were left out. */
  readonly skipped: readonly { pattern: string; reason: string }[];
}

/** What {@link applyGenstoreSync} did. */
export interface GenstoreSyncResult {
  created: GenstoreAdminWebhook[];
  updated: GenstoreAdminWebhook[];
  /** Ids of deleted subscriptions. */
  deleted: string[];
  /** Stale subscriptions left in place because `deleteStale` was false. */
  keptStale: GenstoreAdminWebhook[];
}

/**
 * Compare the subscriptions a shop has with those the app's handlers need, and plan the difference.
 *
 * For each wanted topic: a subscription at `address` is unchanged; otherwise the first subscription to the topic
 * gets its address updated; otherwise one is created. Every other subscription is stale. The compliance topics
 * (`customers/data_request`, `customers/redact`, `shop/redact`) are always wanted.
 *
 * @example
 * const plan = await planGenstoreSync(client, { address: 'https://app.example.com/webhooks/genstore', receiver });
 * await applyGenstoreSync(client, plan);
 */
export async function planGenstoreSync(
  client: GenstoreAdminClient,
  options: GenstoreSyncOptions,
): Promise<GenstoreSyncPlan> {
  const { address } = options;
  assertClient(client, 'planGenstoreSync');
  if (typeof address !== 'string' || !URL.canParse(address) || !/^https?:$/.test(new URL(address).protocol)) {
    throw new TypeError(`${PREFIX}: planGenstoreSync needs an absolute http(s) address, got ${String(address)}`);
  }
  const { topics, skipped } = wantedTopics([...(options.topics ?? []), ...(options.receiver?.patterns() ?? [])]);

  const existing = await client.list();
  const byTopic = new Map<string, GenstoreAdminWebhook[]>();
  for (const webhook of existing) {
    const group = byTopic.get(webhook.topic);
    if (group) group.push(webhook);
    else byTopic.set(webhook.topic, [webhook]);
  }

  const create: GenstoreAdminWebhookInput[] = [];
  const update: GenstoreSyncUpdate[] = [];
  const unchanged: GenstoreAdminWebhook[] = [];
  const kept = new Set<GenstoreAdminWebhook>();
  for (const topic of topics) {
    const group = byTopic.get(topic) ?? [];
    const exact = group.find((w) => w.address === address);
    const target = exact ?? group[0];
    if (target === undefined) {
      create.push({ topic, address });
      continue;
    }
    kept.add(target);
    if (exact) unchanged.push(exact);
    else update.push({ id: target.id, topic, address, previousAddress: target.address });
  }
  const stale = existing.filter((w) => !kept.has(w));

  return { platform: 'genstore', address, topics, create, update, stale, unchanged, skipped };
}

/**
 * Carry out a plan: create, then update, then (only with `deleteStale`) delete. Calls run one at a time and stop
 * at the first failure, which is thrown; running the sync again picks up where it stopped, since a plan made
 * after a complete apply is all unchanged.
 */
export async function applyGenstoreSync(
  client: GenstoreAdminClient,
  plan: GenstoreSyncPlan,
  options: { deleteStale?: boolean } = {},
): Promise<GenstoreSyncResult> {
  assertClient(client, 'applyGenstoreSync');
  if (plan?.platform !== 'genstore') {
    throw new TypeError(`${PREFIX}: applyGenstoreSync needs a plan from planGenstoreSync()`);
  }
  const result: GenstoreSyncResult = { created: [], updated: [], deleted: [], keptStale: [] };
  for (const input of plan.create) result.created.push(await client.create(input));
  for (const change of plan.update) result.updated.push(await client.update(change.id, { address: change.address }));
  for (const webhook of plan.stale) {
    if (options.deleteStale) {
      await client.delete(webhook.id);
      result.deleted.push(webhook.id);
    } else {
      result.keptStale.push(webhook);
    }
  }
  return result;
}

function assertClient(client: GenstoreAdminClient, caller: string): void {
  if (!client || typeof client.list !== 'function') {
    throw new TypeError(`${PREFIX}: ${caller} needs a client from createGenstoreAdminClient()`);
  }
}

function wantedTopics(patterns: readonly string[]) {
  const topics: string[] = [];
  const skipped: { pattern: string; reason: string }[] = [];
  const seen = new Set<string>();
  for (const raw of [...patterns, ...COMPLIANCE_TOPICS]) {
    const pattern = raw.trim();
    if (pattern === '' || seen.has(pattern)) continue;
    seen.add(pattern);
    if (pattern.includes('*')) {
      skipped.push({ pattern, reason: 'a wildcard pattern cannot be subscribed to; list its topics by name' });
    } else {
      topics.push(pattern);
    }
  }
  return { topics, skipped };
}
