import { parse, peekPlatform, wantsHelp } from './args.js';
import { CliUsageError } from './errors.js';
import { LIST_HELP, SYNC_HELP } from './help.js';
import type { CliIo } from './io.js';
import { loadPlatform } from './platforms/index.js';

/** `hookinbox subscriptions list` */
export async function listCommand(args: string[], io: CliIo): Promise<number> {
  if (wantsHelp(args)) {
    io.stdout.write(LIST_HELP);
    return 0;
  }
  const values = parse(args, { json: { type: 'boolean' } }, 'subscriptions list');
  const platform = await loadPlatform(values.platform, 'subscriptions list');
  await platform.list(io, values.json === true);
  return 0;
}

/** `hookinbox subscriptions sync` */
export async function syncCommand(args: string[], io: CliIo): Promise<number> {
  if (wantsHelp(args)) {
    io.stdout.write(SYNC_HELP);
    return 0;
  }
  const command = 'subscriptions sync';
  const platform = await loadPlatform(peekPlatform(args), command);
  const values = parse(
    args,
    {
      ...platform.syncOptions,
      apply: { type: 'boolean' },
      'dry-run': { type: 'boolean' },
      'delete-stale': { type: 'boolean' },
      json: { type: 'boolean' },
    },
    command,
  );
  if (values.apply && values['dry-run']) {
    throw new CliUsageError('hookinbox subscriptions sync: --apply and --dry-run contradict each other; pick one');
  }
  const apply = values.apply === true;
  const deleteStale = apply && values['delete-stale'] === true;

  const planned = await platform.plan(values, io);
  const { plan } = planned;
  const changes = plan.create.length + plan.update.length + (deleteStale ? plan.stale.length : 0);
  const result = apply && changes > 0 ? await planned.apply(values['delete-stale'] === true) : undefined;
  if (values.json) {
    io.stdout.write(`${JSON.stringify({ dryRun: !apply, plan, result }, hideHeaders, 2)}\n`);
    return 0;
  }

  const summary = [
    `${plan.create.length} to create`,
    `${plan.update.length} to update`,
    deleteStale ? `${plan.stale.length} to delete` : `${plan.stale.length} stale`,
    `${plan.unchanged.length} unchanged`,
    ...planned.extraSummary,
  ];
  io.stdout.write(`${planned.title} (${apply ? 'apply' : 'dry run'})\n\n`);
  io.stdout.write(`${planned.table(deleteStale)}\n\n`);
  io.stdout.write(`Plan: ${summary.join(', ')}\n`);
  if (changes === 0) {
    io.stdout.write('No changes: the subscriptions are in step.\n');
  } else if (!apply) {
    io.stdout.write(`Dry run: nothing was changed. Run again with --apply to make ${changes} change(s).\n`);
  } else if (result) {
    io.stdout.write(
      `Applied: ${result.created.length} created, ${result.updated.length} updated, ${result.deleted.length} deleted.\n`,
    );
  }
  if (plan.stale.length > 0 && !deleteStale) {
    io.stdout.write(`${plan.stale.length} stale subscription(s) kept; add --apply --delete-stale to delete them.\n`);
  }
  return 0;
}

/** Hides header values of Geins webhooks in JSON output: they usually hold the shared secret. */
function hideHeaders(key: string, value: unknown) {
  return key === 'Headers' && typeof value === 'string' && value !== '' ? '***' : value;
}
