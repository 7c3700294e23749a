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
    expect(message).toContain('{{entity}} is used in a JSON key');
    expect(message).toContain('at position 1');
  });

  it('refuses a placeholder as a whole key without quotes', () => {
    expect(refusal('{{{entity}}:"{{id}}"}')).toContain('a placeholder cannot be a JSON key');
  });

  it('refuses a bare (unquoted) placeholder and says to quote it', () => {
    const message = refusal('{"id":{{id}}}');
    expect(message).toContain('{{id}} is not inside a JSON string');
    expect(message).toContain('Quote it: "{{id}}"');
    expect(message).toContain('at position 6');
  });

  it('refuses JSON that is invalid once placeholders are substituted', () => {
    expect(refusal('{"id":"{{id}}"')).toContain("expected ',' or '}' after the value (at position 14)");
    expect(refusal('{"id":"{{id}}",}')).toContain('expected a key in double quotes (at position 15)');
    expect(refusal('{"id":"{{id}}"} x')).toContain('unexpected text after the JSON value (at position 16)');
    expect(refusal('{"id":"{{id}}')).toContain('this string is never closed (at position 6)');
    expect(refusal("{'id':'{{id}}'}")).toContain('expected a key in double quotes (at position 1)');
    expect(refusal('{"a":"\\x{{id}}"}')).toContain('invalid escape sequence');
    expect(refusal('{"a":"line\nbreak {{id}}"}')).toContain('control character inside a JSON string');
    expect(refusal('{"a":tru}')).toContain('expected a JSON value (at position 5)');
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
