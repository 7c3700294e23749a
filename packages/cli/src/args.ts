import { parseArgs } from 'node:util';
import { CliUsageError } from './errors.js';
import type { OptionSpec, Values } from './platforms/types.js';

/** True when the arguments ask for help. */
export function wantsHelp(args: readonly string[]): boolean {
  return args.includes('--help') || args.includes('-h');
}

/**
 * The `--platform` value, read before the strict parse so that the platform can say which options it takes.
 */
export function peekPlatform(args: string[]): unknown {
  const { values } = parseArgs({
    args,
    options: { platform: { type: 'string' } },
    strict: false,
    allowPositionals: true,
  });
  return values.platform;
}

/** Parses strictly, so a typo or an option of the other platform is an error rather than silently ignored. */
export function parse(args: string[], options: OptionSpec, command: string): Values {
  try {
    const { values } = parseArgs({
      args,
      options: { ...options, platform: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    });
    return values;
  } catch (error) {
    throw new CliUsageError(`hookinbox ${command}: ${(error as Error).message}\nRun 'hookinbox ${command} --help'.`);
  }
}

/** A string option's value. */
export function str(values: Values, key: string): string | undefined {
  const value = values[key];
  return typeof value === 'string' ? value : undefined;
}

/** An http(s) URL option, checked. */
export function readUrl(value: string | undefined, command: string, what = '--url'): string {
  if (!value) throw new CliUsageError(`hookinbox ${command}: ${what} is required`);
  if (!URL.canParse(value) || !/^https?:$/.test(new URL(value).protocol)) {
    throw new CliUsageError(`hookinbox ${command}: ${what} must be an http(s) URL, got ${value}`);
  }
  return value;
}
