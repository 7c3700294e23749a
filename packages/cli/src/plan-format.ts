import type { GeinsAdminWebhook, GeinsSyncPlan } from '@hookinbox/geins';
import type { GenstoreAdminWebhook, GenstoreSyncPlan } from '@hookinbox/genstore';
import { formatTable, redactHeaders, redactUrl } from './table.js';

/** Either platform's sync plan. */
export type SyncPlan = GenstoreSyncPlan | GeinsSyncPlan;

/** How many writes applying the plan would make. */
export function countChanges(plan: SyncPlan, options: { deleteStale?: boolean } = {}): number {
  return plan.create.length + plan.update.length + (options.deleteStale ? plan.stale.length : 0);
}

/** The plan as a table: one row per subscription, with what the sync does to it. */
export function formatPlan(plan: SyncPlan, options: { deleteStale?: boolean } = {}): string {
  const staleAction = options.deleteStale ? 'delete' : 'stale (kept)';
  if (plan.platform === 'genstore') {
    const rows: string[][] = [
      ...plan.create.map((c) => ['create', c.topic, c.address, '']),
      ...plan.update.map((u) => ['update', u.topic, `${u.previousAddress} -> ${u.address}`, u.id]),
      ...plan.stale.map((w) => [staleAction, w.topic, w.address, w.id]),
      ...plan.unchanged.map((w) => ['unchanged', w.topic, w.address, w.id]),
      ...plan.skipped.map((s) => ['skipped', s.pattern, s.reason, '']),
    ];
    return formatTable(['ACTION', 'TOPIC', 'ADDRESS', 'ID'], rows);
  }
  const row = (
    action: string,
    w: { Name?: string | null; Entity?: string | null; Actions?: string | null; Url?: string | null },
    id: string,
    note = '',
  ) => [action, w.Name ?? '', w.Entity ?? '', w.Actions ?? '', redactUrl(w.Url), id, note];
  const rows: string[][] = [
    ...plan.create.map((p) => row('create', p, '')),
    ...plan.update.map((u) => row('update', u.payload, u.id, `changes: ${u.fields.join(', ')}`)),
    ...plan.stale.map((w) => row(staleAction, w, w.Id)),
    ...plan.unchanged.map((w) => row('unchanged', w, w.Id)),
    ...plan.foreign.map((w) => row('not ours', w, w.Id, 'never touched')),
  ];
  return formatTable(['ACTION', 'NAME', 'ENTITY', 'ACTIONS', 'URL', 'ID', 'NOTE'], rows);
}

/** One line: how many of each kind. */
export function summarisePlan(plan: SyncPlan, options: { deleteStale?: boolean } = {}): string {
  const parts = [
    `${plan.create.length} to create`,
    `${plan.update.length} to update`,
    options.deleteStale ? `${plan.stale.length} to delete` : `${plan.stale.length} stale`,
    `${plan.unchanged.length} unchanged`,
  ];
  if (plan.platform === 'genstore' && plan.skipped.length > 0) parts.push(`${plan.skipped.length} skipped`);
  if (plan.platform === 'geins' && plan.foreign.length > 0) parts.push(`${plan.foreign.length} not ours`);
  return parts.join(', ');
}

/** Genstore subscriptions as a table. */
export function formatGenstoreList(webhooks: readonly GenstoreAdminWebhook[]): string {
  return formatTable(
    ['ID', 'TOPIC', 'ADDRESS', 'CREATED'],
    webhooks.map((w) => [w.id, w.topic, w.address, w.createTime ?? '']),
  );
}

/** Geins webhooks as a table; header values and credential-like query values are hidden. */
export function formatGeinsList(webhooks: readonly GeinsAdminWebhook[]): string {
  return formatTable(
    ['ID', 'NAME', 'ENTITY', 'ACTIONS', 'METHOD', 'URL', 'HEADERS', 'RETRY'],
    webhooks.map((w) => [
      w.Id,
      w.Name ?? '',
      w.Entity,
      w.Actions ?? '',
      w.Method ?? '',
      redactUrl(w.Url),
      redactHeaders(w.Headers),
      w.Retry === undefined || w.Retry === null ? '' : String(w.Retry),
    ]),
  );
}
