import { createReceiver, silentLogger } from '@hookinbox/core';
import { describe, expect, it } from 'vitest';
import { findMissingComplianceHandlers } from './compliance-guard.js';
import { genstore } from './genstore.js';

describe('findMissingComplianceHandlers', () => {
  it('lists the compliance topics no pattern covers', () => {
    expect(findMissingComplianceHandlers([])).toEqual(['customers/data_request', 'customers/redact', 'shop/redact']);
    expect(findMissingComplianceHandlers(['orders/create', 'customers/redact'])).toEqual([
      'customers/data_request',
      'shop/redact',
    ]);
  });

  it('counts patterns: customers/* and shop/* together, or *', () => {
    expect(findMissingComplianceHandlers(['customers/*', 'shop/*'])).toEqual([]);
    expect(findMissingComplianceHandlers(['*'])).toEqual([]);
    expect(findMissingComplianceHandlers(['*/redact'])).toEqual(['customers/data_request']);
    expect(findMissingComplianceHandlers(['customers/data_*'])).toEqual(['customers/redact', 'shop/redact']);
  });
});

describe('option requireComplianceHandlers', () => {
  it('checkHandlers throws an Error listing the missing topics', () => {
    const provider = genstore({ secret: 's', requireComplianceHandlers: true });
    expect(() => provider.checkHandlers(['customers/redact'])).toThrow(
      /@hookinbox\/genstore: .*customers\/data_request, shop\/redact/,
    );
    expect(() => provider.checkHandlers(['customers/redact'])).not.toThrow(/customers\/redact,/);
    expect(() => provider.checkHandlers(['customers/*', 'shop/redact'])).not.toThrow();
  });

  it('is off by default', () => {
    expect(() => genstore({ secret: 's' }).checkHandlers([])).not.toThrow();
  });

  it('makes receiver.ready() throw until every compliance topic has a handler', () => {
    const receiver = createReceiver({
      provider: genstore({ secret: 's', requireComplianceHandlers: true }),
      logger: silentLogger,
    });
    receiver.on('orders/create', () => {});
    expect(() => receiver.ready()).toThrow(/customers\/data_request, customers\/redact, shop\/redact/);
    receiver.on('customers/*', () => {});
    expect(() => receiver.ready()).toThrow(/no handler is registered for shop\/redact\./);
    receiver.on('shop/redact', () => {});
    expect(() => receiver.ready()).not.toThrow();
  });
});
