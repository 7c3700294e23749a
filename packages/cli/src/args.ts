import { type ParseArgsConfig, parseArgs } from 'node:util';
import { CliUsageError } from './errors.js';

export type Platform = 'genstore' | 'geins';

/** The --platform value, checked. */
export function readPlatform(value: string | undefined, command: string): Platform {
  if (value === 'genstore' || value === 'geins') return value;
  throw new CliUsageError(
    value === undefined
      ? `hookinbox: ${command} needs --platform genstore or --platform geins`
      : `hookinbox: unknown platform "${value}"; use genstore or geins`,
  );
}

/** Options common to parseArgs calls: strict, so a typo is an error rather than silently ignored. */
export function parse(
  args: string[],
  options: NonNullable<ParseArgsConfig['options']>,
  command: string,
): { values: Record<string, string | boolean | (string | boolean)[] | undefined> } {
  try {
    const { values } = parseArgs({
      args,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    });
    return { values };
  } catch (error) {
    throw new CliUsageError(`hookinbox ${command}: ${(error as Error).message}\nRun 'hookinbox ${command} --help'.`);
  }
}
