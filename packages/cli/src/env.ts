import { CliUsageError } from './errors.js';

/** Credentials of the Genstore REST API, from `GENSTORE_SHOP`, `GENSTORE_ACCESS_TOKEN` and the optional ones. */
export interface GenstoreCredentials {
  shop: string;
  accessToken: string;
  baseUrl?: string;
  apiVersion?: string;
}

/** Credentials of the Geins Management API, from `GEINS_API_KEY`, `GEINS_USERNAME`, `GEINS_PASSWORD`. */
export interface GeinsCredentials {
  apiKey: string;
  username: string;
  password: string;
  baseUrl?: string;
}

type Env = Record<string, string | undefined>;

function required(env: Env, names: readonly string[], platform: string): Record<string, string> {
  const missing = names.filter((n) => !env[n]?.trim());
  if (missing.length > 0) {
    throw new CliUsageError(
      `hookinbox: missing environment variable${missing.length > 1 ? 's' : ''} for ${platform}: ${missing.join(', ')}`,
    );
  }
  return Object.fromEntries(names.map((n) => [n, (env[n] as string).trim()]));
}

const optional = (env: Env, name: string) => env[name]?.trim() || undefined;

/** Reads Genstore credentials; throws a usage error naming every missing variable. */
export function readGenstoreCredentials(env: Env): GenstoreCredentials {
  const v = required(env, ['GENSTORE_SHOP', 'GENSTORE_ACCESS_TOKEN'], 'genstore');
  return {
    shop: v.GENSTORE_SHOP as string,
    accessToken: v.GENSTORE_ACCESS_TOKEN as string,
    baseUrl: optional(env, 'GENSTORE_API_BASE_URL'),
    apiVersion: optional(env, 'GENSTORE_API_VERSION'),
  };
}

/** Reads Geins credentials; throws a usage error naming every missing variable. */
export function readGeinsCredentials(env: Env): GeinsCredentials {
  const v = required(env, ['GEINS_API_KEY', 'GEINS_USERNAME', 'GEINS_PASSWORD'], 'geins');
  return {
    apiKey: v.GEINS_API_KEY as string,
    username: v.GEINS_USERNAME as string,
    password: v.GEINS_PASSWORD as string,
    baseUrl: optional(env, 'GEINS_API_BASE_URL'),
  };
}
