import { applySync, type SyncResult } from './apply-sync.js';
import { parse, readPlatform } from './args.js';
import { geinsClientFromEnv, genstoreClientFromEnv } from './clients.js';
import { loadGeinsDefinitions } from './definitions.js';
import { CliUsageError } from './errors.js';
import { LIST_HELP, SYNC_HELP } from './help.js';
import type { CliIo } from './io.js';
import {
  countChanges,
  formatGeinsList,
  formatGenstoreList,
  formatPlan,
  type SyncPlan,
  summarisePlan,
} from './plan-format.js';

/** `hookinbox subscriptions list` */
export async function listCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parse(args, { platform: { type: 'string' }, json: { type: 'boolean' } }, 'subscriptions list');
  if (values.help) {
    io.stdout.write(LIST_HELP);
    return 0;
  }
  const platform = readPlatform(values.platform as string | undefined, 'subscriptions list');
  if (platform === 'genstore') {
    const client = await genstoreClientFromEnv(io.env);
    const webhooks = await client.list();
    if (values.json) io.stdout.write(`${JSON.stringify(webhooks, null, 2)}\n`);
    else {
      io.stdout.write(`Genstore subscriptions of ${client.shop}: ${webhooks.length}\n`);
      if (webhooks.length > 0) io.stdout.write(`${formatGenstoreList(webhooks)}\n`);
    }
    return 0;
  }
  const client = await geinsClientFromEnv(io.env);
  const webhooks = await client.list();
  if (values.json) {
    // Headers usually hold the shared secret: JSON output hides their values too.
    const safe = webhooks.map((w) => ({ ...w, Headers: w.Headers ? '***' : w.Headers }));
    io.stdout.write(`${JSON.stringify(safe, null, 2)}\n`);
  } else {
    io.stdout.write(`Geins webhooks: ${webhooks.length}\n`);
    if (webhooks.length > 0) io.stdout.write(`${formatGeinsList(webhooks)}\n`);
  }
  return 0;
}

/** `hookinbox subscriptions sync` */
export async function syncCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parse(
    args,
    {
      platform: { type: 'string' },
      address: { type: 'string' },
      topics: { type: 'string' },
      definitions: { type: 'string' },
      apply: { type: 'boolean' },
      'dry-run': { type: 'boolean' },
      'delete-stale': { type: 'boolean' },
      json: { type: 'boolean' },
    },
    'subscriptions sync',
  );
  if (values.help) {
    io.stdout.write(SYNC_HELP);
    return 0;
  }
  const platform = readPlatform(values.platform as string | undefined, 'subscriptions sync');
  if (values.apply && values['dry-run']) {
    throw new CliUsageError('hookinbox subscriptions sync: --apply and --dry-run contradict each other; pick one');
  }
  const apply = values.apply === true;
  const deleteStale = values['delete-stale'] === true;

  let plan: SyncPlan;
  let applyPlan: (options: { deleteStale: boolean }) => Promise<SyncResult>;
  let title: string;
  if (platform === 'genstore') {
    if (values.definitions !== undefined) {
      throw new CliUsageError('hookinbox subscriptions sync: --definitions is for geins; genstore takes --topics');
    }
    const address = values.address as string | undefined;
    if (!address) throw new CliUsageError('hookinbox subscriptions sync: genstore needs --address <public url>');
    const topics = String(values.topics ?? '')
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean);
    const client = await genstoreClientFromEnv(io.env);
    const { planGenstoreSync } = await import('@hookinbox/genstore');
    plan = await planGenstoreSync(client, { address, topics });
    applyPlan = (options) => applySync(client, plan, options);
    title = `Genstore subscriptions of ${client.shop} -> ${address}`;
  } else {
    if (values.address !== undefined || values.topics !== undefined) {
      throw new CliUsageError(
        'hookinbox subscriptions sync: --address and --topics are for genstore; geins takes --definitions',
      );
    }
    const file = values.definitions as string | undefined;
    if (!file) throw new CliUsageError('hookinbox subscriptions sync: geins needs --definitions <file>');
    const definitions = await loadGeinsDefinitions(file, io.cwd);
    const client = await geinsClientFromEnv(io.env);
    const { planGeinsSync } = await import('@hookinbox/geins');
    plan = await planGeinsSync(client, { definitions });
    applyPlan = (options) => applySync(client, plan, options);
    title = `Geins webhooks from ${file}`;
  }

  const changes = countChanges(plan, { deleteStale: apply && deleteStale });
  const result = apply && changes > 0 ? await applyPlan({ deleteStale }) : undefined;
  if (values.json) {
    io.stdout.write(`${JSON.stringify({ dryRun: !apply, plan, result }, jsonReplacer, 2)}\n`);
    return 0;
  }

  io.stdout.write(`${title} (${apply ? 'apply' : 'dry run'})\n\n`);
  io.stdout.write(`${formatPlan(plan, { deleteStale: apply && deleteStale })}\n\n`);
  io.stdout.write(`Plan: ${summarisePlan(plan, { deleteStale: apply && deleteStale })}\n`);
  if (changes === 0) {
    io.stdout.write('No changes: the subscriptions are in step.\n');
  } else if (!apply) {
    io.stdout.write(`Dry run: nothing was changed. Run again with --apply to make ${changes} change(s).\n`);
  } else if (result) {
    io.stdout.write(
      `Applied: ${result.created.length} created, ${result.updated.length} updated, ${result.deleted.length} deleted.\n`,
    );
  }
  if (plan.stale.length > 0 && !(apply && deleteStale)) {
    io.stdout.write(`${plan.stale.length} stale subscription(s) kept; add --apply --delete-stale to delete them.\n`);
  }
  return 0;
}

/** Hides header values of Geins webhooks in JSON output: they usually hold the shared secret. */
function jsonReplacer(key: string, value: unknown) {
  return key === 'Headers' && typeof value === 'string' && value !== '' ? '***' : value;
}
