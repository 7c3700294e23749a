import { describe, expect, it } from 'vitest';
import { compileBodyTemplate, DEFAULT_BODY_TEMPLATE } from './body-template.js';

/** What Geins does with a template: plain text substitution. */
const render = (template: string, values: Record<string, string>) =>
  template.replace(/\{\{(\w+)\}\}/g, (_, name: string) => values[name] ?? '');

function readBack(template: string, rendered: string) {
  const compiled = compileBodyTemplate(template);
  const found = new Map<string, string[]>();
  const mismatch = compiled.read(JSON.parse(rendered), found);
  return { mismatch, values: Object.fromEntries([...found].map(([k, v]) => [k, v[0]])) };
}

function refusal(template: string): string {
  try {
    compileBodyTemplate(template);
  } catch (error) {
    expect(error).toBeInstanceOf(TypeError);
    return (error as Error).message;
  }
  throw new Error(`the template was accepted: ${template}`);
}

describe('compileBodyTemplate: documented shapes', () => {
  it('reads the quick start default body back', () => {
    const values = { entity: 'Order', action: 'create', id: '12345' };
    const result = readBack(DEFAULT_BODY_TEMPLATE, render(DEFAULT_BODY_TEMPLATE, values));
    expect(result).toEqual({ mismatch: undefined, values });
    expect([...compileBodyTemplate(DEFAULT_BODY_TEMPLATE).placeholders].sort()).toEqual(['action', 'entity', 'id']);
    const compound = compileBodyTemplate('{"event":"on {{entity}}.{{action}}!","v":"1"}');
    expect([...compound.placeholders].sort()).toEqual(['action', 'entity']);
  });

  it('splits a compound "{{entity}}.{{action}}" value on its literal separator', () => {
    const template = '{"event":"{{entity}}.{{action}}","id":"{{id}}","environment":"{{environment}}"}';
    const values = { entity: 'Customer', action: 'passwordreset', id: '7', environment: 'prod' };
    expect(readBack(template, render(template, values))).toEqual({ mismatch: undefined, values });
  });

  it('reads {"productId":"{{id}}","changeType":"{{subEntity}}"}, an empty sub-entity included', () => {
    const template = '{"productId":"{{id}}","changeType":"{{subEntity}}"}';
    expect(readBack(template, '{"productId":"12345","changeType":"price"}').values).toEqual({
      id: '12345',
      subEntity: 'price',
    });
    expect(readBack(template, '{"productId":"12345","changeType":""}').values).toEqual({ id: '12345', subEntity: '' });
  });

  it('reads {"order_id":"{{id}}"} and a bulk comma list whole', () => {
    expect(readBack('{"order_id":"{{id}}"}', '{"order_id":"12345,12346"}').values).toEqual({ id: '12345,12346' });
  });

  it('reads {"id":"{{id}}","env":"{{environment}}"}', () => {
    const template = '{"id":"{{id}}","env":"{{environment}}"}';
    expect(readBack(template, '{"id":"9","env":"qa"}').values).toEqual({ id: '9', environment: 'qa' });
  });
});

describe('compileBodyTemplate: reading back', () => {
  it('finds placeholders in nested objects and arrays, whatever the whitespace', () => {
    const template = '{\n  "meta": { "who": "{{account}}/{{environment}}" },\n  "ids": ["x-{{id}}", 1, true, null]\n}';
    const result = readBack(template, '{"ids":["x-5,6",1,true,null],"meta":{"who":"acme/prod"}}');
    expect(result).toEqual({ mismatch: undefined, values: { account: 'acme', environment: 'prod', id: '5,6' } });
  });

  it('compares literal text after JSON unescaping', () => {
    const template = '{"t":"\\u0041\\"{{id}}\\""}';
    expect(readBack(template, render(template, { id: '42' })).values).toEqual({ id: '42' });
  });

  it('takes a value running into the closing literal whole: "{{id}}." with "1.2."', () => {
    expect(readBack('{"t":"{{id}}."}', '{"t":"1.2."}').values).toEqual({ id: '1.2' });
  });

  it('keeps unknown placeholders by name', () => {
    expect(readBack('{"x":"{{somethingNew}}"}', '{"x":"v"}').values).toEqual({ somethingNew: 'v' });
  });

  it('describes a body without the template shape, and never echoes the values sent', () => {
    const template = '{"event":"{{entity}}.{{action}}"}';
    expect(readBack(template, '{"other":1}').mismatch).toBe('$.event is missing');
    expect(readBack(template, '{"event":42}').mismatch).toBe('$.event is not a string');
    expect(readBack(template, '{"event":"secret-no-dot"}').mismatch).toBe("$.event does not have the template's shape");
    expect(readBack('[{"a":"x{{id}}"}]', '[{"a":"y1"}]').mismatch).toBe("$[0].a does not have the template's shape");
  });

  it('{"a":{"b":"{{id}}"}} with a null, a string, an array or no value at $.a: $.a.b is missing', () => {
    const template = '{"a":{"b":"{{id}}"}}';
    for (const a of ['null', '"b"', '[{"b":"1"}]', '5']) {
      expect(readBack(template, `{"a":${a}}`).mismatch, a).toBe('$.a.b is missing');
    }
    expect(readBack(template, '{}').mismatch).toBe('$.a.b is missing');
    expect(readBack(template, '{"a":{"b":"1"}}')).toEqual({ mismatch: undefined, values: { id: '1' } });
  });

  it('[["{{id}}"]] with an object or null where the inner array belongs: $[0][0] is missing', () => {
    const template = '[["{{id}}"]]';
    expect(readBack(template, '[{"0":"1"}]').mismatch).toBe('$[0][0] is missing');
    expect(readBack(template, '[null]').mismatch).toBe('$[0][0] is missing');
    expect(readBack(template, '{"0":["1"]}').mismatch).toBe('$[0][0] is missing');
    expect(readBack(template, '[["1"]]').values).toEqual({ id: '1' });
  });

  it('"Order {{id}} created": spaces inside a string are text, not whitespace', () => {
    const template = '{"t":"Order {{id}} created"}';
    expect(readBack(template, '{"t":"Order 12 created"}')).toEqual({ mismatch: undefined, values: { id: '12' } });
    expect(readBack(template, '{"t":"Order 12  created"}').values).toEqual({ id: '12 ' });
  });

  it('CRLF and tab whitespace between every token', () => {
    const template = '\r\n\t{\r\n\t"a"\t:\r\n["x",\t"{{id}}"\r\n]\t,\r\n"b"\t:\t"{{action}}"\r\n}\r\n\t';
    expect(readBack(template, '{"a":["x","7"],"b":"create"}')).toEqual({
      mismatch: undefined,
      values: { id: '7', action: 'create' },
    });
  });

  it('numbers with a fraction, an exponent or a sign: 1.5, -0.25, 1e3, 2E+10, 3.5e-2, 0', () => {
    const template = '{"n":[1.5,-0.25,1e3,2E+10,3.5e-2,0,-7],"id":"{{id}}"}';
    expect(readBack(template, '{"n":[],"id":"4"}')).toEqual({ mismatch: undefined, values: { id: '4' } });
  });

  it('["x","{{entity}}","{{id}}"]: placeholders at array indexes 1 and 2', () => {
    const template = '["x","{{entity}}","{{id}}"]';
    expect(readBack(template, '["x","Order","9"]')).toEqual({
      mismatch: undefined,
      values: { entity: 'Order', id: '9' },
    });
    expect(readBack(template, '["x","Order"]').mismatch).toBe('$[2] is missing');
    expect(readBack(template, '["x",1,"9"]').mismatch).toBe('$[1] is not a string');
  });

  it('{"list":[],"empty":{},"id":"{{id}}"}: an empty array and an empty object', () => {
    const template = '{"list":[ ],"empty":{ },"id":"{{id}}"}';
    expect(readBack(template, '{"id":"3"}')).toEqual({ mismatch: undefined, values: { id: '3' } });
  });

  it('{"":"{{id}}"}: the empty key', () => {
    expect(readBack('{"":"{{id}}"}', '{"":"5"}')).toEqual({ mismatch: undefined, values: { id: '5' } });
    expect(readBack('{"":"{{id}}"}', '{"x":"5"}').mismatch).toBe('$. is missing');
  });

  it('{"v":"1.0","id":"{{id}}"}: a string without placeholders is not read, so "2.0" or none is fine', () => {
    const template = '{"v":"1.0","id":"{{id}}"}';
    expect(readBack(template, '{"v":"2.0","id":"1"}')).toEqual({ mismatch: undefined, values: { id: '1' } });
    expect(readBack(template, '{"id":"1"}')).toEqual({ mismatch: undefined, values: { id: '1' } });
  });

  it('does not read inherited properties as template values', () => {
    expect(readBack('{"constructor":"{{id}}"}', '{}').mismatch).toBe('$.constructor is missing');
  });
});

describe('compileBodyTemplate: templates that cannot be read back are refused with where', () => {
  it('refuses adjacent placeholders, pointing at the second', () => {
    const message = refusal('{"event":"{{entity}}{{action}}"}');
    expect(message).toContain('@hookinbox/geins: the Body template cannot be read back');
    expect(message).toContain('{{entity}}{{action}} are adjacent');
    expect(message).toContain('at position 20');
    expect(message).toContain(`\n  {"event":"{{entity}}{{action}}"}\n  ${' '.repeat(20)}^`);
  });

  it('refuses a placeholder used as a JSON key', () => {
    const message = refusal('{"{{entity}}":"{{id}}"}');
    expect(message).toContain(
      '{{entity}} is used in a JSON key; a value is read by its key, so keys must be fixed text. Move the placeholder',
    );
    expect(message).toContain('at position 1');
  });

  it('refuses a placeholder as a whole key without quotes', () => {
    expect(refusal('{{{entity}}:"{{id}}"}')).toContain('a placeholder cannot be a JSON key');
  });

  it('refuses a bare (unquoted) placeholder and says to quote it', () => {
    const message = refusal('{"id":{{id}}}');
    expect(message).toContain('{{id}} is not inside a JSON string');
    expect(message).toContain(
      '{{id}} is not inside a JSON string. Geins substitutes text, so it would render as a bare value (a list of ids ' +
        'such as 12345,12346 makes the body invalid JSON, and entity names are not JSON at all). Quote it: "{{id}}"',
    );
    expect(message).toContain('at position 6');
  });

  it('refuses JSON that is invalid once placeholders are substituted', () => {
    expect(refusal('{"id":"{{id}}"')).toContain("expected ',' or '}' after the value (at position 14)");
    expect(refusal('{"id":"{{id}}",}')).toContain('expected a key in double quotes (at position 15)');
    expect(refusal('{"id":"{{id}}"} x')).toContain('unexpected text after the JSON value (at position 16)');
    expect(refusal('{"id":"{{id}}')).toContain('this string is never closed (at position 6)');
    expect(refusal("{'id':'{{id}}'}")).toContain('expected a key in double quotes (at position 1)');
    expect(refusal('{"a":"\\x{{id}}"}')).toContain('invalid escape sequence');
    expect(refusal('{"a":"\\u12"}')).toContain('invalid escape sequence in a JSON string (at position 6)');
    expect(refusal('{"a":"\\u12G4{{id}}"}')).toContain('invalid escape sequence in a JSON string (at position 6)');
    expect(refusal('{"a":"line\nbreak {{id}}"}')).toContain('control character inside a JSON string');
    expect(refusal('{"a":tru}')).toContain('expected a JSON value (at position 5)');
    expect(refusal('{"id" "{{id}}"}')).toContain("expected ':' after the key (at position 6)");
    expect(refusal('["a" "{{id}}"]')).toContain("expected ',' or ']' after the value (at position 5)");
    expect(refusal('{"id":"{{id}}","a": ')).toContain('the template ends where a value is expected (at position 20)');
  });

  it('refuses a key given twice', () => {
    expect(refusal('{"id":"{{id}}","id":"x"}')).toContain('the key "id" appears twice');
  });

  it('shows an excerpt around the problem of a long template', () => {
    const long = `{"padding":"${'p'.repeat(100)}","id":{{id}}}`;
    const message = refusal(long);
    expect(message).toContain('…');
    const [, excerpt, caret] = message.split('\n');
    expect(excerpt?.slice(caret?.indexOf('^'))).toMatch(/^\{\{id\}\}/);
  });
});
