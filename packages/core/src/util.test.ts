import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { getHeader, parseJsonSafe, safeEqual, sha256Hex, splitUrl } from './util.js';

describe('util', () => {
  it('getHeader takes the first of repeated headers', () => {
    expect(getHeader({ a: ['1', '2'] }, 'a')).toBe('1');
    expect(getHeader({ a: '1' }, 'b')).toBeUndefined();
  });
  it('safeEqual compares any lengths', () => {
    expect(safeEqual('abc', 'abc')).toBe(true);
    expect(safeEqual('abc', 'abcd')).toBe(false);
    expect(safeEqual(Buffer.from('x'), 'x')).toBe(true);
  });
  it('sha256Hex separates its parts', () => {
    expect(sha256Hex('ab', 'c')).not.toBe(sha256Hex('a', 'bc'));
    expect(sha256Hex('a')).toMatch(/^[0-9a-f]{64}$/);
  });
  it('splitUrl parses the query', () => {
    const { path, query } = splitUrl('/n/Order?action=create&x=1');
    expect(path).toBe('/n/Order');
    expect(query.get('action')).toBe('create');
    expect(splitUrl('/p').query.size).toBe(0);
  });
  it('parseJsonSafe refuses deep nesting and drops __proto__ keys', () => {
    expect(parseJsonSafe('['.repeat(100) + ']'.repeat(100))).toEqual({
      ok: false,
      reason: 'nested deeper than 64 levels',
    });
    expect(parseJsonSafe('{"a":"[[[[["}', 2)).toEqual({ ok: true, value: { a: '[[[[[' } });
    const parsed = parseJsonSafe('{"__proto__":{"polluted":true},"a":{"__proto__":{"x":1}}}');
    expect(parsed.ok).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    if (parsed.ok) expect(Object.keys(parsed.value as object)).toEqual(['a']);
    const ctor = parseJsonSafe('{"constructor":{"prototype":{"polluted":true}},"b":{"constructor":"kept"}}');
    expect(ctor).toEqual({ ok: true, value: { b: { constructor: 'kept' } } });
    // A key spelled with escapes is still caught.
    const escaped = parseJsonSafe('{"\\u005f_proto__":{"polluted":true},"\\u0063onstructor":{"prototype":{}},"a":1}');
    expect(escaped).toEqual({ ok: true, value: { a: 1 } });
    // Many brackets side by side are not deep nesting.
    const wide = `[${Array.from({ length: 200 }, () => '{}').join(',')}]`;
    expect(parseJsonSafe(wide).ok).toBe(true);
    expect(parseJsonSafe('{nope').ok).toBe(false);
    expect(parseJsonSafe('"a\\"[["', 1)).toEqual({ ok: true, value: 'a"[[' });
  });

  it('parseJsonSafe drops exactly what a filter run on every text would drop (keys plain or escaped)', () => {
    const always = (text: string) =>
      JSON.parse(text, (key, value) =>
        key === '__proto__' ||
        (key === 'constructor' && typeof value === 'object' && value !== null && Object.hasOwn(value, 'prototype'))
          ? undefined
          : value,
      );
    // Keys from the dangerous set and their neighbours; each may be written with \u escapes.
    const key = fc
      .constantFrom('__proto__', 'constructor', 'prototype', 'proto', 'a', 'constructo', '_proto_')
      .chain((k) =>
        fc.oneof(
          fc.constant(k),
          fc
            .array(fc.boolean(), { minLength: k.length, maxLength: k.length })
            .map((escaped) =>
              [...k].map((c, i) => (escaped[i] ? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}` : c)).join(''),
            ),
        ),
      );
    const json: fc.Arbitrary<string> = fc.letrec<{ value: string }>((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        fc.constantFrom('1', '"x"', 'null', '[]'),
        fc
          .array(fc.tuple(key, tie('value')), { maxLength: 4 })
          .map((entries) => `{${entries.map(([k, v]) => `"${k}":${v}`).join(',')}}`),
      ),
    })).value;
    fc.assert(
      fc.property(json, (text) => {
        const parsed = parseJsonSafe(text);
        expect(parsed).toEqual({ ok: true, value: always(text) });
      }),
      { numRuns: 500 },
    );
  });
});
