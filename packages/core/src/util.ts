import { createHash, timingSafeEqual } from 'node:crypto';
import { parse as parseLossless } from 'lossless-json';
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
 * JSON.parse that refuses what no provider sends and what would harm the app, and changes no number: bodies nested
 * deeper than `maxDepth` are refused; `__proto__` or `constructor.prototype` keys (which JSON.parse creates as own
 * properties; merging them later could pollute prototypes) are dropped; an integer outside `Number`'s safe range
 * (beyond ±(2^53 − 1), such as a 64-bit id `820982911946154508`) comes back as its decimal string, every digit kept,
 * where JSON.parse would round it silently. A leading byte order mark is ignored (RFC 8259 §8.1 allows a parser to).
 *
 * Each check costs a pass over the text, so each runs only when it could matter: the depth scan when the text has
 * more than `maxDepth` opening brackets at all, the key filter when the text spells `proto` (which both `__proto__`
 * and a `constructor` key's `prototype` do), or has a `\u` escape that could spell them, and the exact parser when
 * the text has a run of 16 digits (every unsafe integer has at least 16). Other texts go to JSON.parse alone.
 */
export function parseJsonSafe(
  text: string,
  maxDepth = 64,
): { ok: true; value: unknown } | { ok: false; reason: string } {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (moreThan(text, maxDepth) && nestedDeeperThan(text, maxDepth)) {
    return { ok: false, reason: `nested deeper than ${maxDepth} levels` };
  }
  // Both shapes the filter drops spell "proto" (`__proto__`, or `prototype` inside `constructor`), unless escaped.
  const reviver = text.includes('proto') || text.includes('\\u') ? dropPollutingKeys : undefined;
  let value: unknown;
  try {
    value = LONG_DIGIT_RUN.test(text) ? parseExact(text, reviver) : JSON.parse(text, reviver);
  } catch {
    return { ok: false, reason: 'not valid JSON' };
  }
  return { ok: true, value };
}

/** A run this long may be an integer JSON.parse would round (Number.MAX_SAFE_INTEGER has 16 digits); or a string. */
const LONG_DIGIT_RUN = /\d{16}/;
const INTEGER = /^-?\d+$/;

/**
 * The slow path, for texts that may hold an unsafe integer: lossless-json hands each number literal over as text, so
 * an integer beyond the safe range can be kept as a string. It also defines `__proto__` keys as own properties
 * (as JSON.parse does), and a repeated key keeps its last value (as JSON.parse does; lossless-json throws by default).
 * Its reviver runs as JSON.parse's does, so the same filter drops polluting keys on both paths.
 */
function parseExact(text: string, reviver: ((key: string, value: unknown) => unknown) | undefined): unknown {
  return parseLossless(text, reviver, {
    parseNumber: exactNumber,
    onDuplicateKey: ({ newValue }) => newValue,
  });
}

/**
 * An integer literal outside the safe range stays its text; every other number is what JSON.parse makes of it. A
 * fraction or an exponent marks a measure, not an id: it is a double, rounded as JSON.parse rounds it.
 */
function exactNumber(literal: string): number | string {
  const value = Number(literal);
  return Number.isSafeInteger(value) || !INTEGER.test(literal) ? value : literal;
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
