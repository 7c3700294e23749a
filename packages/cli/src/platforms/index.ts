import { CliUsageError } from '../errors.js';
import type { CliPlatform } from './types.js';

/**
 * The platform named by `--platform`. Each module is loaded only when named, so a Genstore command never loads the
 * Geins package and the other way round.
 */
export async function loadPlatform(name: unknown, command: string): Promise<CliPlatform> {
  if (name === 'genstore') return (await import('./genstore.js')).genstorePlatform;
  if (name === 'geins') return (await import('./geins.js')).geinsPlatform;
  throw new CliUsageError(
    name === undefined
      ? `hookinbox: ${command} needs --platform genstore or --platform geins`
      : `hookinbox: unknown platform "${String(name)}"; use genstore or geins`,
  );
}
