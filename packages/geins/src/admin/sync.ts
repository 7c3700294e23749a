import type { GeinsAdminClient, GeinsAdminWebhook, GeinsAdminWebhookInput } from './client.js';

const PREFIX = '@hookinbox/geins';

/** Anything that gives the Management API payload of a webhook, such as a `defineGeinsWebhook()` definition. */
export interface GeinsSyncDefinition {
  toManagementPayload(): GeinsAdminWebhookInput;
}

/** Options of {@link planGeinsSync}. */
export interface GeinsSyncOptions {
  /** The webhooks the app wants; each is identified by its `Name`, which must be unique. */
  definitions: readonly (GeinsSyncDefinition | GeinsAdminWebhookInput)[];
  /**
   * Which registered webhooks belong to this app, so that only those can be stale. The account may hold webhooks
   * that other systems registered; by default a webhook is the app's when its Url is on the same origin
   * (scheme and host) as one of the definitions' Urls.
   */
  owns?: (webhook: GeinsAdminWebhook) => boolean;
}

/** Fields of a registered webhook that differ from its definition. */
export type GeinsSyncField = Exclude<keyof GeinsAdminWebhookInput, 'Name'>;

/** A registered webhook that will be overwritten with its definition. */
export interface GeinsSyncUpdate {
  id: string;
  name: string;
  /** Fields whose value will change. */
  fields: GeinsSyncField[];
  payload: GeinsAdminWebhookInput;
  previous: GeinsAdminWebhook;
}

/** What a sync would do. Nothing has been written when you hold a plan: pass it to {@link applyGeinsSync}. */
export interface GeinsSyncPlan {
  readonly platform: 'geins';
  readonly create: readonly GeinsAdminWebhookInput[];
  readonly update: readonly GeinsSyncUpdate[];
  /** The app's webhooks that no definition wants; deleted only with `applyGeinsSync(client, plan, { deleteStale: true })`. */
  readonly stale: readonly GeinsAdminWebhook[];
  readonly unchanged: readonly GeinsAdminWebhook[];
  /** Webhooks of the account that are not the app's (see `owns`); never touched. */
  readonly foreign: readonly GeinsAdminWebhook[];
}

/** What {@link applyGeinsSync} did. */
export interface GeinsSyncResult {
  created: GeinsAdminWebhook[];
  updated: GeinsAdminWebhook[];
  /** Ids of deleted webhooks. */
  deleted: string[];
  /** Stale webhooks left in place because `deleteStale` was false. */
  keptStale: GeinsAdminWebhook[];
}

const FIELDS: GeinsSyncField[] = ['Entity', 'Description', 'Actions', 'Method', 'Url', 'Body', 'Headers', 'Retry'];

/**
 * Compare the webhooks registered on a Geins account with the app's definitions, matched by `Name`, and plan the
 * difference. A field the API's answer leaves out is not compared (the API may not return every field in lists),
 * so an unchanged definition never causes a write.
 *
 * @example
 * const plan = await planGeinsSync(client, { definitions: [orderWebhook] });
 * await applyGeinsSync(client, plan);
 */
export async function planGeinsSync(client: GeinsAdminClient, options: GeinsSyncOptions): Promise<GeinsSyncPlan> {
  assertClient(client, 'planGeinsSync');
  const wanted = (options.definitions ?? []).map(toPayload);
  const names = new Set<string>();
  for (const payload of wanted) {
    if (typeof payload.Name !== 'string' || payload.Name.trim() === '') {
      throw new TypeError(`${PREFIX}: every webhook definition needs a Name; it is how a sync recognises it`);
    }
    if (names.has(payload.Name)) {
      throw new TypeError(`${PREFIX}: two webhook definitions are named ${JSON.stringify(payload.Name)}`);
    }
    names.add(payload.Name);
  }
  const origins = new Set(wanted.map((p) => origin(p.Url)).filter((o): o is string => o !== undefined));
  const owns = options.owns ?? ((w: GeinsAdminWebhook) => origins.has(origin(w.Url) ?? ''));

  const existing = await client.list();
  const create: GeinsAdminWebhookInput[] = [];
  const update: GeinsSyncUpdate[] = [];
  const unchanged: GeinsAdminWebhook[] = [];
  const matched = new Set<GeinsAdminWebhook>();
  for (const payload of wanted) {
    const candidates = existing.filter((w) => w.Name === payload.Name);
    const same = candidates.find((w) => differences(payload, w).length === 0);
    const target = same ?? candidates[0];
    if (target === undefined) {
      create.push(payload);
      continue;
    }
    // Namesakes are this app's too: a second webhook with a definition's name is stale, whatever its Url.
    for (const w of candidates) matched.add(w);
    if (same) unchanged.push(same);
    else
      update.push({
        id: target.Id,
        name: payload.Name,
        fields: differences(payload, target),
        payload,
        previous: target,
      });
  }
  const kept = new Set<GeinsAdminWebhook>([...unchanged, ...update.map((u) => u.previous)]);
  const stale: GeinsAdminWebhook[] = [];
  const foreign: GeinsAdminWebhook[] = [];
  for (const w of existing) {
    if (kept.has(w)) continue;
    if (matched.has(w) || owns(w)) stale.push(w);
    else foreign.push(w);
  }

  return { platform: 'geins', create, update, stale, unchanged, foreign };
}

/**
 * Carry out a plan: create, then update, then (only with `deleteStale`) delete. Calls run one at a time and stop
 * at the first failure, which is thrown; running the sync again picks up where it stopped.
 */
export async function applyGeinsSync(
  client: GeinsAdminClient,
  plan: GeinsSyncPlan,
  options: { deleteStale?: boolean } = {},
): Promise<GeinsSyncResult> {
  assertClient(client, 'applyGeinsSync');
  if (plan?.platform !== 'geins') throw new TypeError(`${PREFIX}: applyGeinsSync needs a plan from planGeinsSync()`);
  const result: GeinsSyncResult = { created: [], updated: [], deleted: [], keptStale: [] };
  for (const payload of plan.create) result.created.push(await client.create(payload));
  for (const change of plan.update) result.updated.push(await client.update(change.id, change.payload));
  for (const webhook of plan.stale) {
    if (options.deleteStale) {
      await client.delete(webhook.Id);
      result.deleted.push(webhook.Id);
    } else {
      result.keptStale.push(webhook);
    }
  }
  return result;
}

function assertClient(client: GeinsAdminClient, caller: string): void {
  if (!client || typeof client.list !== 'function') {
    throw new TypeError(`${PREFIX}: ${caller} needs a client from createGeinsAdminClient()`);
  }
}

function toPayload(definition: GeinsSyncDefinition | GeinsAdminWebhookInput): GeinsAdminWebhookInput {
  if (typeof (definition as GeinsSyncDefinition).toManagementPayload === 'function') {
    return (definition as GeinsSyncDefinition).toManagementPayload();
  }
  return definition as GeinsAdminWebhookInput;
}

/** Fields whose registered value differs from the wanted one; fields the API did not return are not compared. */
function differences(wanted: GeinsAdminWebhookInput, current: GeinsAdminWebhook): GeinsSyncField[] {
  return FIELDS.filter((field) => {
    const have = current[field];
    const want = wanted[field];
    if (have === undefined) return false;
    if (field === 'Retry') return want !== undefined && Boolean(want) !== Boolean(have);
    return normalise(field, want) !== normalise(field, have);
  });
}

function normalise(field: GeinsSyncField, value: unknown): string {
  const text = value === undefined || value === null ? '' : String(value);
  switch (field) {
    case 'Entity':
      return text.toLowerCase();
    case 'Method':
      return (text || 'POST').toUpperCase();
    case 'Actions':
      return text
        .split(',')
        .map((a) => a.trim().toLowerCase())
        .filter(Boolean)
        .sort()
        .join(',');
    case 'Headers':
      return text
        .split(/\r?\n/)
        .map((line) => line.trim())
        .filter(Boolean)
        .join('\n');
    default:
      return text;
  }
}

function origin(url: string | null | undefined): string | undefined {
  const match = /^(https?:\/\/[^/?#]+)/i.exec(url ?? '');
  return match?.[1]?.toLowerCase();
}
