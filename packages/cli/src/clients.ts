import type { GeinsAdminClient } from '@hookinbox/geins';
import type { GenstoreAdminClient } from '@hookinbox/genstore';
import { readGeinsCredentials, readGenstoreCredentials } from './env.js';

// Each platform's package is loaded only when a command needs it, so `hookinbox send --platform genstore` does
// not load the Geins provider and the other way round.

/** A Genstore admin client from the environment. */
export async function genstoreClientFromEnv(env: Record<string, string | undefined>): Promise<GenstoreAdminClient> {
  const credentials = readGenstoreCredentials(env);
  const { createGenstoreAdminClient } = await import('@hookinbox/genstore');
  return createGenstoreAdminClient(credentials);
}

/** A Geins admin client from the environment. */
export async function geinsClientFromEnv(env: Record<string, string | undefined>): Promise<GeinsAdminClient> {
  const credentials = readGeinsCredentials(env);
  const { createGeinsAdminClient } = await import('@hookinbox/geins');
  return createGeinsAdminClient(credentials);
}
