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
 * `maxDepth`, and `__proto__` or `constructor.prototype` keys (which JSON.parse creates as own properties; merging
 * them later could pollute prototypes).
 *
 * Both checks cost a pass over the text, so each runs only when it could matter: the depth scan when the text has
 * more than `maxDepth` opening brackets at all, the key filter when the text spells `proto` (which both `__proto__`
 * and a `constructor` key's `prototype` do), or has a `\u` escape that could spell them.
 */
export function parseJsonSafe(
  text: string,
  maxDepth = 64,
): { ok: true; value: unknown } | { ok: false; reason: string } {
  if (moreThan(text, maxDepth) && nestedDeeperThan(text, maxDepth)) {
    return { ok: false, reason: `nested deeper than ${maxDepth} levels` };
  }
  // Both shapes the filter drops spell "proto" (`__proto__`, or `prototype` inside `constructor`), unless escaped.
  const filter = text.includes('proto') || text.includes('\\u');
  let value: unknown;
  try {
    value = filter ? JSON.parse(text, dropPollutingKeys) : JSON.parse(text);
  } catch {
    return { ok: false, reason: 'not valid JSON' };
  }
  return { ok: true, value };
}

/** True when the text holds more than `limit` opening brackets (native searches, no per-character loop). */
function moreThan(text: string, limit: number): boolean {
  let count = 0;
  for (const bracket of ['{', '[']) {
    for (let i = text.indexOf(bracket); i !== -1; i = text.indexOf(bracket, i + 1)) {
      if (++count > limit) return true;
    }
  }
  return false;
}

function nestedDeeperThan(text: string, maxDepth: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      if (++depth > maxDepth) return true;
    } else if (c === 125 || c === 93) depth--;
  }
  return false;
}
