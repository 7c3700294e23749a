import type { GeinsAdminClient, GeinsSyncResult } from '@hookinbox/geins';
import type { GenstoreAdminClient, GenstoreSyncResult } from '@hookinbox/genstore';
import type { SyncPlan } from './plan-format.js';

/** What {@link applySync} did, on either platform. */
export type SyncResult = GenstoreSyncResult | GeinsSyncResult;

/**
 * Apply a plan from `planGenstoreSync` or `planGeinsSync`: creates, then updates, then deletes stale
 * subscriptions when `deleteStale` is true (default false). Applying a fresh plan right after makes no change.
 */
export async function applySync(
  client: GenstoreAdminClient | GeinsAdminClient,
  plan: SyncPlan,
  options: { deleteStale?: boolean } = {},
): Promise<SyncResult> {
  if (plan.platform === 'genstore') {
    const { applyGenstoreSync } = await import('@hookinbox/genstore');
    return applyGenstoreSync(client as GenstoreAdminClient, plan, options);
  }
  const { applyGeinsSync } = await import('@hookinbox/geins');
  return applyGeinsSync(client as GeinsAdminClient, plan, options);
}
