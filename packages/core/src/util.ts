import { parse as parseLossless } from 'lossless-json';
import * as platform from '#platform';
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
export function safeEqual(a: string | Uint8Array, b: string | Uint8Array): boolean {
  return platform.safeEqual(a, b);
}

/** SHA-256 of the parts, hex encoded: a stable dedupe key when the provider sends no id. */
export function sha256Hex(...parts: (string | Uint8Array)[]): string {
  return platform.sha256Hex(parts);
}

/**
 * The UTF-8 text of a body's bytes, on any runtime (`Buffer#toString` on Node, `TextDecoder` elsewhere). A leading
 * byte order mark is kept; malformed sequences become U+FFFD.
 */
export function decodeUtf8(bytes: Uint8Array): string {
  return platform.decodeUtf8(bytes);
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
 * Pass the body's raw bytes (decoded as UTF-8) rather than its text when you have them: the digit scan
 * below is cheaper on bytes. Call it on an authenticated body: a signature covers the bytes as sent, byte order mark
 * included.
 *
 * Each check costs a pass over the text, so each runs only when it could matter: the depth scan when the text has
 * more than `maxDepth` opening brackets at all, the key filter when the text spells `proto` (which both `__proto__`
 * and a `constructor` key's `prototype` do), or has a `\u` escape that could spell them, and the exact parser when
 * the text has a run of 16 digits (every unsafe integer has at least 16). Other texts go to JSON.parse alone.
 *
 * @example
 * const json = parseJsonSafe(delivery.body);
 * if (!json.ok) throw new HookinboxError('invalid_body', `my-provider: the body is ${json.reason}`);
 */
export function parseJsonSafe(
  input: string | Uint8Array,
  maxDepth = 64,
): { ok: true; value: unknown } | { ok: false; reason: string } {
  if (typeof input === 'string') {
    const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
    // latin1 keeps each digit a digit byte (a wider character may become one too: then the exact parser runs for
    // nothing), in one native copy.
    return parseChecked(text, maxDepth, hasLongDigitRun(platform.latin1Bytes(text)));
  }
  const bytes = input[0] === 0xef && input[1] === 0xbb && input[2] === 0xbf ? input.subarray(3) : input;
  return parseChecked(platform.decodeUtf8(bytes), maxDepth, hasLongDigitRun(bytes));
}

function parseChecked(
  text: string,
  maxDepth: number,
  mayHoldUnsafeInteger: boolean,
): { ok: true; value: unknown } | { ok: false; reason: string } {
  if (moreThan(text, maxDepth) && nestedDeeperThan(text, maxDepth)) {
    return { ok: false, reason: `nested deeper than ${maxDepth} levels` };
  }
  // Both shapes the filter drops spell "proto" (`__proto__`, or `prototype` inside `constructor`), unless escaped.
  const reviver = text.includes('proto') || text.includes('\\u') ? dropPollutingKeys : undefined;
  let value: unknown;
  try {
    if (mayHoldUnsafeInteger) value = parseExact(text, reviver);
    else value = reviver ? JSON.parse(text, reviver) : JSON.parse(text);
  } catch {
    return { ok: false, reason: 'not valid JSON' };
  }
  return { ok: true, value };
}

/** Number.MAX_SAFE_INTEGER has 16 digits: an integer JSON.parse would round has at least as many. */
const UNSAFE_DIGITS = 16;
const INTEGER = /^-?\d+$/;

/** `code` is an ASCII digit: one unsigned comparison. */
const isDigit = (code: number) => (code - 48) >>> 0 <= 9;

/**
 * True when the bytes hold a run of 16 ASCII digits (in a number, or in a string: then the exact parser runs for
 * nothing). In UTF-8 the bytes of a digit are never part of another character, so runs are found on the raw bytes.
 * Written by hand because it is on every delivery's path: `/\d{16}/` tries every character and costs about half a
 * JSON.parse of the same text, while this reads every 16th byte, which any run of 16 must cover, and only around a
 * digit it lands on: a few percent of a JSON.parse on a typical 1 KB order.
 */
function hasLongDigitRun(bytes: Uint8Array): boolean {
  const length = bytes.length;
  for (let i = UNSAFE_DIGITS - 1; i < length; i += UNSAFE_DIGITS) {
    if (!isDigit(bytes[i] as number)) continue;
    let start = i;
    while (start > 0 && isDigit(bytes[start - 1] as number)) start--;
    let end = i;
    while (end + 1 < length && isDigit(bytes[end + 1] as number)) end++;
    if (end - start + 1 >= UNSAFE_DIGITS) return true;
    // The next run starts after end + 1, so sampling every 16th byte from here still lands in any run of 16.
    i = end;
  }
  return false;
}

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
