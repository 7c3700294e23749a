import { getHeader, type Headers, HookinboxError, type RawDelivery, safeEqual } from '@hookinbox/core';

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

/**
 * The delivery without the shared secret, as a dead letter keeps it: the header or query parameter it is configured in
 * is dropped, and so is any other header or query parameter whose value holds one of the secrets (a merchant may have
 * put it in two places). Other query parameters stay as sent, in order.
 */
export function redactSecret(delivery: RawDelivery, options: SecretCheckOptions): RawDelivery {
  const { secrets, query } = options;
  const header = query === undefined ? (options.header ?? 'authorization') : undefined;
  const holdsSecret = (value: string) => secrets.some((secret) => value.includes(secret));
  const headers: RawDelivery['headers'] = {};
  for (const [name, value] of Object.entries(delivery.headers)) {
    if (name === header || value === undefined) continue;
    if ((Array.isArray(value) ? value : [value]).some(holdsSecret)) continue;
    headers[name] = value;
  }
  const q = delivery.url.indexOf('?');
  if (q === -1) return { ...delivery, headers };
  const kept = delivery.url
    .slice(q + 1)
    .split('&')
    .filter((pair) => {
      const [name = '', value = ''] = pair.split('=').map(decodeQueryPart);
      return name !== query && !holdsSecret(value);
    });
  const path = delivery.url.slice(0, q);
  return { ...delivery, headers, url: kept.length > 0 ? `${path}?${kept.join('&')}` : path };
}

function decodeQueryPart(part: string): string {
  try {
    return decodeURIComponent(part.replace(/\+/g, ' '));
  } catch {
    return part;
  }
}
