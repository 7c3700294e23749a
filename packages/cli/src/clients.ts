import type { GeinsAdminClient } from '@hookinbox/geins';
import type { GenstoreAdminClient } from '@hookinbox/genstore';
import { readGeinsCredentials, readGenstoreCredentials } from './env.js';
import { CliUsageError } from './errors.js';

// Each platform's package is loaded only when a command needs it, so `hookinbox send --platform genstore` does
// not load the Geins provider and the other way round.

/** A Genstore admin client from the environment. */
export async function genstoreClientFromEnv(env: Record<string, string | undefined>): Promise<GenstoreAdminClient> {
  const credentials = readGenstoreCredentials(env);
  const { createGenstoreAdminClient } = await import('@hookinbox/genstore');
  return asUsageError(() => createGenstoreAdminClient(credentials));
}

/** A Geins admin client from the environment. */
export async function geinsClientFromEnv(env: Record<string, string | undefined>): Promise<GeinsAdminClient> {
  const credentials = readGeinsCredentials(env);
  const { createGeinsAdminClient } = await import('@hookinbox/geins');
  return asUsageError(() => createGeinsAdminClient(credentials));
}

/** Invalid credentials in the environment (a malformed shop, say) are a usage error, not a failed call. */
function asUsageError<T>(make: () => T): T {
  try {
    return make();
  } catch (error) {
    if (error instanceof TypeError) throw new CliUsageError(`hookinbox: ${error.message}`);
    throw error;
  }
}
