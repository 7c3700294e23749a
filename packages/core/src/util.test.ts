import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { getHeader, parseJsonSafe, safeEqual, sha256Hex, splitUrl } from './util.js';

/** JSON.parse with the key filter run on every text: what parseJsonSafe must return for a text it accepts. */
const always = (text: string) =>
  JSON.parse(text, (key, value) =>
    key === '__proto__' ||
    (key === 'constructor' && typeof value === 'object' && value !== null && Object.hasOwn(value, 'prototype'))
      ? undefined
      : value,
  );

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
  it('parseJsonSafe keeps every digit of an integer outside the safe range, as its decimal string', () => {
    const parsed = parseJsonSafe(
      '{"id":820982911946154508,"customer":{"id":115310627314723954},"neg":-9007199254740993,"max":9007199254740991}',
    );
    expect(parsed).toEqual({
      ok: true,
      value: {
        id: '820982911946154508',
        customer: { id: '115310627314723954' },
        neg: '-9007199254740993',
        max: 9007199254740991,
      },
    });
    // 2^53 is exact as a double, but not safe: the next integer up rounds to it.
    expect(parseJsonSafe('[9007199254740992]')).toEqual({ ok: true, value: ['9007199254740992'] });
    // A fraction or exponent is a measure: a double, as JSON.parse makes it.
    expect(parseJsonSafe('[12345678901234567.5,1e400,0.12345678901234567]')).toEqual({
      ok: true,
      value: [Number('12345678901234567.5'), Number.POSITIVE_INFINITY, Number('0.12345678901234567')],
    });
  });

  it('parseJsonSafe finds a 16-digit integer at every offset, beside digit runs one shorter', () => {
    for (let offset = 0; offset < 40; offset++) {
      const text = `[${' '.repeat(offset)}123456789012345,9007199254740993,123456789012345]`;
      const expected = { ok: true, value: [123456789012345, '9007199254740993', 123456789012345] };
      expect(parseJsonSafe(text)).toEqual(expected);
      expect(parseJsonSafe(Buffer.from(text))).toEqual(expected);
    }
  });

  it('parseJsonSafe: any integer, of any size and sign, comes back exact', () => {
    fc.assert(
      // Anywhere in the text: the padding moves the number across every offset the digit scan samples.
      fc.property(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), fc.string({ maxLength: 40 }), (n, pad) => {
        const text = `{"pad":${JSON.stringify(pad)},"id":${n}}`;
        const safe = n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER);
        const expected = { ok: true, value: { pad, id: safe ? Number(n) : n.toString() } };
        // As text, and as the UTF-8 bytes of a body (the padding may hold multi-byte characters).
        expect(parseJsonSafe(text)).toEqual(expected);
        expect(parseJsonSafe(Buffer.from(text))).toEqual(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('parseJsonSafe: the exact path reads any JSON as JSON.parse does when it holds no unsafe integer', () => {
    // A 16-digit run inside a string sends the text down the exact path without an unsafe integer in it.
    const pad = '"1234567890123456"';
    const unsafe = (v: unknown): boolean =>
      typeof v === 'number'
        ? Number.isInteger(v) && !Number.isSafeInteger(v)
        : typeof v === 'object' && v !== null && Object.values(v).some(unsafe);
    fc.assert(
      fc.property(
        fc.jsonValue().filter((v) => !unsafe(v)),
        fc.boolean(),
        (value, spaced) => {
          const text = `{"pad":${pad},"v":${JSON.stringify(value, null, spaced ? 2 : undefined)}}`;
          expect(parseJsonSafe(text)).toEqual({ ok: true, value: always(text) });
        },
      ),
      { numRuns: 500 },
    );
    // JSON.parse keeps the last of repeated keys; so does the exact path (lossless-json would throw by default).
    expect(parseJsonSafe(`{"pad":${pad},"a":1,"a":2}`)).toEqual({ ok: true, value: { pad: '1234567890123456', a: 2 } });
    expect(parseJsonSafe(`{"pad":${pad},"a":1,}`).ok).toBe(false);
    expect(parseJsonSafe(`{"id":1234567890123456789`).ok).toBe(false);
  });

  it('parseJsonSafe: the exact path refuses deep nesting and drops polluting keys as the fast path does', () => {
    const deep = `{"id":12345678901234567890,"a":${'['.repeat(100)}${']'.repeat(100)}}`;
    expect(parseJsonSafe(deep)).toEqual({ ok: false, reason: 'nested deeper than 64 levels' });
    const hostile = parseJsonSafe(
      '{"id":12345678901234567890,"__proto__":{"polluted":true},"\\u0063onstructor":{"prototype":{}},"b":{"constructor":"kept"}}',
    );
    expect(hostile).toEqual({ ok: true, value: { id: '12345678901234567890', b: { constructor: 'kept' } } });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    if (hostile.ok) expect(Object.getPrototypeOf(hostile.value)).toBe(Object.prototype);
  });

  it('parseJsonSafe ignores a leading byte order mark, and only a leading one', () => {
    expect(parseJsonSafe('\ufeff{"a":1}')).toEqual({ ok: true, value: { a: 1 } });
    expect(parseJsonSafe('\ufeff{"id":820982911946154508}')).toEqual({ ok: true, value: { id: '820982911946154508' } });
    expect(parseJsonSafe('{"a":"\ufeff"}')).toEqual({ ok: true, value: { a: '\ufeff' } });
    expect(parseJsonSafe('\ufeff\ufeff{"a":1}').ok).toBe(false);
    // The bytes of a body: EF BB BF.
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    expect(parseJsonSafe(Buffer.concat([bom, Buffer.from('{"id":820982911946154508}')]))).toEqual({
      ok: true,
      value: { id: '820982911946154508' },
    });
    expect(parseJsonSafe(Buffer.concat([bom, Buffer.from('{"a":"Grüße ✓"}')]))).toEqual({
      ok: true,
      value: { a: 'Grüße ✓' },
    });
    expect(parseJsonSafe(Buffer.concat([bom, bom, Buffer.from('{}')])).ok).toBe(false);
  });

  it('parseJsonSafe of bytes reads what parseJsonSafe of their UTF-8 text reads', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.string({ unit: 'grapheme' }), (value, text) => {
        const json = JSON.stringify({ value, text });
        expect(parseJsonSafe(Buffer.from(json))).toEqual(parseJsonSafe(json));
      }),
      { numRuns: 300 },
    );
    // A character whose latin1 byte is a digit does not hide a digit run, nor make one up.
    const wide = `{"a":"${'\u0130'.repeat(20)}","id":9007199254740993}`;
    expect(parseJsonSafe(wide)).toEqual({ ok: true, value: { a: '\u0130'.repeat(20), id: '9007199254740993' } });
    expect(parseJsonSafe(`{"a":"${'\u0131'.repeat(20)}","n":1}`)).toEqual({
      ok: true,
      value: { a: '\u0131'.repeat(20), n: 1 },
    });
  });
});
