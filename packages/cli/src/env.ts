import { CliUsageError } from './errors.js';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads the named variables, trimmed; throws a usage error naming every missing one at once, before any call.
 * Optional ones are undefined when unset or blank.
 */
export function readEnv<R extends string, O extends string = never>(
  env: Env,
  platform: string,
  required: readonly R[],
  optional: readonly O[] = [],
): Record<R, string> & Partial<Record<O, string>> {
  const missing = required.filter((n) => !env[n]?.trim());
  if (missing.length > 0) {
    throw new CliUsageError(
      `hookinbox: missing environment variable${missing.length > 1 ? 's' : ''} for ${platform}: ${missing.join(', ')}`,
    );
  }
  const out: Record<string, string> = {};
  for (const name of [...required, ...optional]) {
    const value = env[name]?.trim();
    if (value) out[name] = value;
  }
  return out as Record<R, string> & Partial<Record<O, string>>;
}

/** Invalid credentials in the environment (a malformed shop, say) are a usage error, not a failed call. */
export function asUsageError<T>(make: () => T): T {
  try {
    return make();
  } catch (error) {
    if (error instanceof TypeError) throw new CliUsageError(`hookinbox: ${error.message}`);
    throw error;
  }
}
