import { getHeader, type Headers, HookinboxError, safeEqual } from '@hookinbox/core';

/** Where the shared secret travels, and which secrets are accepted. */
export interface SecretCheckOptions {
  secrets: readonly string[];
  /** Lower-case header name; `authorization` expects `Bearer <secret>`. */
  header?: string;
  /** Query parameter name; when set, the secret is read from the query and not from a header. */
  query?: string;
}

const BEARER = /^Bearer[ \t]+/i;

/**
 * Builds the check of the shared secret. Geins signs nothing (www.geins.io/developers/webhooks), so a secret the
 * merchant puts in the webhook's Headers or Url is the only proof of origin. Returns the index of the secret that
 * matched; throws 401 `unauthorized` otherwise, with a message that never echoes what was sent.
 */
export function createSecretCheck(options: SecretCheckOptions): (headers: Headers, query: URLSearchParams) => number {
  const { secrets, query } = options;
  const header = options.header ?? 'authorization';
  const bearer = query === undefined && header === 'authorization';
  const where = query !== undefined ? `the "${query}" query parameter` : `the ${header} header`;

  return (headers, params) => {
    let sent: string | undefined;
    if (query !== undefined) sent = params.get(query) ?? undefined;
    else {
      sent = getHeader(headers, header)?.trim();
      if (sent !== undefined && bearer) {
        const scheme = BEARER.exec(sent);
        sent = scheme ? sent.slice(scheme[0].length) : undefined;
      }
    }
    if (!sent) {
      throw new HookinboxError(
        'unauthorized',
        `@hookinbox/geins: ${where} is missing${bearer ? ' (expected "Bearer <secret>")' : ''}`,
      );
    }
    // Every secret is compared, so timing does not tell which one (if any) matched.
    let matched = -1;
    for (let i = 0; i < secrets.length; i++) {
      if (safeEqual(sent, secrets[i] as string) && matched === -1) matched = i;
    }
    if (matched === -1) {
      throw new HookinboxError('unauthorized', `@hookinbox/geins: ${where} does not hold a configured secret`);
    }
    return matched;
  };
}
