import { splitUrl } from '@hookinbox/core';
import { describe, expect, it } from 'vitest';
import { compileUrlTemplate } from './url-template.js';

function readBack(template: string, url: string) {
  const { path, query } = splitUrl(url);
  const found = new Map<string, string[]>();
  const mismatch = compileUrlTemplate(template).read(path, query, found);
  return { mismatch, values: Object.fromEntries([...found].map(([k, v]) => [k, v[0]])) };
}

function refusal(template: string): string {
  try {
    compileUrlTemplate(template);
  } catch (error) {
    expect(error).toBeInstanceOf(TypeError);
    return (error as Error).message;
  }
  throw new Error(`the template was accepted: ${template}`);
}

describe('compileUrlTemplate: documented shapes', () => {
  it('reads https://…/notifications/{{entity}}?action={{action}} (host ignored)', () => {
    expect(
      readBack('https://…/notifications/{{entity}}?action={{action}}', '/notifications/Order?action=create'),
    ).toEqual({ mismatch: undefined, values: { entity: 'Order', action: 'create' } });
  });

  it('reads https://api.example.com/{{entity}}/{{action}}', () => {
    expect(readBack('https://api.example.com/{{entity}}/{{action}}', '/Product/update').values).toEqual({
      entity: 'Product',
      action: 'update',
    });
  });

  it('reads everything from the query of a GET webhook, a comma list of ids included', () => {
    const template = 'https://app.example/hooks?e={{entity}}&a={{action}}&id={{id}}&sub={{subEntity}}';
    expect(readBack(template, '/hooks?id=1,2,3&a=update&e=Product&sub=').values).toEqual({
      entity: 'Product',
      action: 'update',
      id: '1,2,3',
      subEntity: '',
    });
  });
});

describe('compileUrlTemplate: reading back', () => {
  it('compares paths from their end: a router mount point may strip a prefix, a proxy may add one', () => {
    const template = 'https://app.example/webhooks/geins/{{entity}}/{{action}}';
    expect(readBack(template, '/webhooks/geins/Order/create').values).toEqual({ entity: 'Order', action: 'create' });
    expect(readBack(template, '/Order/create').values).toEqual({ entity: 'Order', action: 'create' });
    expect(readBack(template, '/api/v1/webhooks/geins/Order/create').values).toEqual({
      entity: 'Order',
      action: 'create',
    });
  });

  it('refuses a path too short to hold every placeholder', () => {
    expect(readBack('/hooks/{{entity}}/{{action}}', '/create').mismatch).toBe(
      'the path is too short for the template (3 segments)',
    );
  });

  it('requires the literal segments the request reaches to match', () => {
    expect(readBack('/notifications/{{entity}}', '/other/Order').mismatch).toBe(
      'path segment 1 of the template does not match',
    );
  });

  it('splits a segment on its literal separator and decodes percent-encoding', () => {
    expect(readBack('/hooks/{{entity}}-{{action}}', '/hooks/Order-cancelrow').values).toEqual({
      entity: 'Order',
      action: 'cancelrow',
    });
    expect(readBack('/p/{{productName}}', '/p/Blue%20shirt').values).toEqual({ productName: 'Blue shirt' });
  });

  it('ignores trailing slashes and query parameters of plain text (such as a secret)', () => {
    expect(readBack('/hooks/{{entity}}/?token=abc&action={{action}}', '/hooks/Brand?action=delete&token=zzz')).toEqual({
      mismatch: undefined,
      values: { entity: 'Brand', action: 'delete' },
    });
  });

  it('describes a missing or misshapen query parameter', () => {
    expect(readBack('/h?action={{action}}', '/h').mismatch).toBe('the query parameter "action" is missing');
    expect(readBack('/h?event={{entity}}.{{action}}', '/h?event=nodot').mismatch).toBe(
      `the query parameter "event" does not have the template's shape`,
    );
  });

  it('reads a parameter given twice by its position', () => {
    expect(readBack('/h?v={{entity}}&v={{action}}', '/h?v=Order&v=lock').values).toEqual({
      entity: 'Order',
      action: 'lock',
    });
  });

  it('reports placeholders in the host apart, since the request does not show them', () => {
    const compiled = compileUrlTemplate('https://{{account}}.example.com/{{entity}}?a={{action}}');
    expect([...compiled.hostPlaceholders]).toEqual(['account']);
    expect([...compiled.placeholders].sort()).toEqual(['action', 'entity']);
  });

  it('accepts a bare path as the template', () => {
    expect(readBack('/{{entity}}/{{action}}', '/Refund/create').values).toEqual({ entity: 'Refund', action: 'create' });
  });
});

describe('compileUrlTemplate: templates that cannot be read back are refused with where', () => {
  it('refuses adjacent placeholders in the path', () => {
    const message = refusal('https://app.example/{{entity}}{{action}}');
    expect(message).toContain('@hookinbox/geins: the Url template cannot be read back');
    expect(message).toContain('{{entity}}{{action}} are adjacent');
    expect(message).toContain('at position 30');
  });

  it('refuses adjacent placeholders in a query value', () => {
    expect(refusal('/h?e={{entity}}{{action}}')).toContain('at position 15');
  });

  it('refuses a placeholder in a query parameter name', () => {
    const message = refusal('/h?{{entity}}=1');
    expect(message).toContain('{{entity}} is used in a query parameter name');
    expect(message).toContain('at position 3');
  });

  it('refuses a template that is neither a full URL nor a path', () => {
    expect(refusal('app.example/{{entity}}')).toContain(
      'expected a full URL (https://host/path) or a path starting with /',
    );
  });

  it('refuses malformed percent-encoding in literal text', () => {
    expect(refusal('/h%zz/{{entity}}')).toContain('malformed percent-encoding');
  });
});
