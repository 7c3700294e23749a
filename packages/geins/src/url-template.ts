import { firstPlaceholder, hasPlaceholder, type Part, readParts, splitParts, templateError } from './template-parts.js';

/** A Url template compiled once, when the provider is built. */
export interface UrlTemplate {
  /** Every placeholder name the path and query use (placeholders in the host cannot be read back). */
  readonly placeholders: ReadonlySet<string>;
  /** Placeholders written in the host, which the request never shows. */
  readonly hostPlaceholders: ReadonlySet<string>;
  /**
   * Reads a request's path and query back into placeholder values. Returns a description of the first mismatch
   * instead when they do not have the template's shape.
   */
  read(path: string, query: URLSearchParams, into: Map<string, string[]>): string | undefined;
}

const SCHEME_AND_HOST = /^(?:[A-Za-z][A-Za-z0-9+.-]*:)?\/\/[^/?#]*/;

/**
 * Compiles a Url template such as `https://app.example/notifications/{{entity}}?action={{action}}`. Only the path and
 * query matter: the host is where Geins sends, which the request does not show.
 *
 * Paths are compared from their end, segment by segment, because the app may see a shorter path than the one Geins
 * requested (a router mount point such as Express's `app.use('/webhooks', …)` strips its prefix) or a longer one (a
 * proxy adds a prefix). Template segments the request does not reach must then be plain text.
 */
// One closure over a hand-written reader of the template (segments, query, placeholders): its steps share the
// template and the cursor, so they stay together past the usual length of a function.
export function compileUrlTemplate(template: string): UrlTemplate {
  const fail = (position: number, problem: string): never => {
    throw templateError('Url', template, position, problem);
  };
  const placeholders = new Set<string>();
  const hostPlaceholders = new Set<string>();

  let end = template.indexOf('#');
  if (end === -1) end = template.length;
  const host = SCHEME_AND_HOST.exec(template);
  let start = 0;
  if (host) {
    start = host[0].length;
    for (const match of host[0].matchAll(/\{\{([A-Za-z_][A-Za-z0-9_]*)\}\}/g)) hostPlaceholders.add(match[1] as string);
  } else if (template[0] !== '/' && template[0] !== '?') {
    fail(0, 'expected a full URL (https://host/path) or a path starting with /');
  }
  const q = template.indexOf('?', start);
  const pathEnd = q === -1 || q > end ? end : q;

  const collect = (parts: Part[]) => {
    for (const p of parts) if ('placeholder' in p) placeholders.add(p.placeholder);
    return parts;
  };
  const decodePath = (literal: string, position: number) => {
    try {
      return decodeURIComponent(literal);
    } catch {
      return fail(position, 'malformed percent-encoding');
    }
  };
  const decodeQuery = (literal: string, position: number) => decodePath(literal.replace(/\+/g, ' '), position);

  const segments: Part[][] = [];
  let offset = start;
  for (const text of template.slice(start, pathEnd).split('/')) {
    // Empty segments (the leading slash, a trailing one, `//`) are not compared: servers and proxies disagree on them.
    if (text !== '') segments.push(collect(splitParts(text, offset, decodePath, fail)));
    offset += text.length + 1;
  }

  const query: { key: string; occurrence: number; parts: Part[] }[] = [];
  if (pathEnd !== end) {
    const seen = new Map<string, number>();
    offset = pathEnd + 1;
    for (const pair of template.slice(pathEnd + 1, end).split('&')) {
      const eq = pair.indexOf('=');
      const rawKey = eq === -1 ? pair : pair.slice(0, eq);
      const inKey = firstPlaceholder(rawKey);
      if (inKey) {
        fail(
          offset + inKey.index,
          `{{${inKey.name}}} is used in a query parameter name; a value is read by its name, so names must be ` +
            'fixed text. Move the placeholder into the value, e.g. ?name={{…}}',
        );
      }
      const key = decodeQuery(rawKey, offset);
      const occurrence = seen.get(key) ?? 0;
      seen.set(key, occurrence + 1);
      if (eq !== -1) {
        const parts = collect(splitParts(pair.slice(eq + 1), offset + eq + 1, decodeQuery, fail));
        // Parameters of plain text (a secret in the Url, say) are not compared.
        if (hasPlaceholder(parts) && key !== '') query.push({ key, occurrence, parts });
      }
      offset += pair.length + 1;
    }
  }

  return {
    placeholders,
    hostPlaceholders,
    read(path, params, into) {
      const got: string[] = [];
      for (const text of path.split('/')) {
        if (text === '') continue;
        try {
          got.push(decodeURIComponent(text));
        } catch {
          return 'the path has malformed percent-encoding';
        }
      }
      const skipped = segments.length - got.length;
      for (let t = 0; t < segments.length; t++) {
        const parts = segments[t] as Part[];
        const value = got[t - skipped];
        if (value === undefined) {
          if (hasPlaceholder(parts)) return `the path is too short for the template (${segments.length} segments)`;
          continue;
        }
        if (!readParts(parts, value, into)) return `path segment ${t + 1} of the template does not match`;
      }
      for (const { key, occurrence, parts } of query) {
        const value = params.getAll(key)[occurrence];
        if (value === undefined) return `the query parameter "${key}" is missing`;
        if (!readParts(parts, value, into)) return `the query parameter "${key}" does not have the template's shape`;
      }
      return undefined;
    },
  };
}
