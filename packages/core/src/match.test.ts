import { describe, expect, it } from 'vitest';
import { compilePattern } from './match.js';

describe('compilePattern', () => {
  const cases: [string, string, boolean][] = [
    ['orders/create', 'orders/create', true],
    ['orders/create', 'orders/created', false],
    ['orders/*', 'orders/create', true],
    ['orders/*', 'customers/create', false],
    ['Order.*', 'Order.cancelrow', true],
    ['Order.*', 'OrderX.create', false],
    ['*.delete', 'Customer.delete', true],
    ['*.delete', 'Customer.deleted', false],
    ['*', 'anything/at.all', true],
    ['a.b', 'aXb', false], // dots are literal, not regex wildcards
    ['customers/*_request', 'customers/data_request', true],
  ];
  it.each(cases)('%s matches %s: %s', (pattern, name, expected) => {
    expect(compilePattern(pattern)(name)).toBe(expected);
  });
});
