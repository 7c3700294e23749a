import { createHash, timingSafeEqual } from 'node:crypto';
import type { Headers } from './types.js';

/** A header's value by lower-case name; the first one when it was sent more than once. */
export function getHeader(headers: Headers, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Constant-time equality of two secrets or signatures of any lengths: both sides are hashed first, so neither the
 * content nor the length of the expected value leaks through timing.
 */
export function safeEqual(a: string | Buffer, b: string | Buffer): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

/** SHA-256 of the parts, hex encoded: a stable dedupe key when the provider sends no id. */
export function sha256Hex(...parts: (string | Buffer)[]): string {
  const hash = createHash('sha256');
  for (const part of parts) {
    hash.update(part);
    hash.update('\0');
  }
  return hash.digest('hex');
}

/** Path and query of a request URL, with the query parsed. */
export function splitUrl(url: string): { path: string; query: URLSearchParams } {
  const q = url.indexOf('?');
  return q === -1
    ? { path: url, query: new URLSearchParams() }
    : { path: url.slice(0, q), query: new URLSearchParams(url.slice(q + 1)) };
}

/**
 * Drops `__proto__` keys, and `constructor` keys holding a `prototype`: the two shapes a naive deep merge of the
 * payload would turn into prototype pollution (the same rule as Fastify's secure-json-parse).
 */
function dropPollutingKeys(key: string, value: unknown): unknown {
  if (key === '__proto__') return undefined;
  if (key === 'constructor' && typeof value === 'object' && value !== null && Object.hasOwn(value, 'prototype')) {
    return undefined;
  }
  return value;
}

/**
 * JSON.parse that refuses what no provider sends and what would harm the app: bodies nested deeper than
 * `maxDepth`, and `__proto__` or `constructor.prototype` keys (which JSON.parse creates as own properties; later merging them
 * could pollute prototypes). Returns undefined for invalid JSON.
 */
export function parseJsonSafe(
  text: string,
  maxDepth = 64,
): { ok: true; value: unknown } | { ok: false; reason: string } {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      depth++;
      if (depth > max) max = depth;
      if (max > maxDepth) return { ok: false, reason: `nested deeper than ${maxDepth} levels` };
    } else if (c === 125 || c === 93) depth--;
  }
  let value: unknown;
  try {
    value = JSON.parse(text, dropPollutingKeys);
  } catch {
    return { ok: false, reason: 'not valid JSON' };
  }
  return { ok: true, value };
}
