import { describe, expectTypeOf, it } from 'vitest';
import type { EventFor, MatchingNames } from './match.js';
import type { WebhookEvent } from './types.js';

type Events = { 'orders/create': { id: number }; 'orders/paid': { paid: true }; 'shop/redact': { shop: string } };
type Names = keyof Events;

describe('pattern types', () => {
  it('matches names the way the router does', () => {
    expectTypeOf<MatchingNames<Names, 'orders/*'>>().toEqualTypeOf<'orders/create' | 'orders/paid'>();
    expectTypeOf<MatchingNames<Names, '*/redact'>>().toEqualTypeOf<'shop/redact'>();
    expectTypeOf<MatchingNames<Names, 'shop/redact'>>().toEqualTypeOf<'shop/redact'>();
    expectTypeOf<MatchingNames<Names, '*'>>().toEqualTypeOf<Names>();
  });
  it('gives exact names their payload and wildcards the union', () => {
    expectTypeOf<EventFor<Events, {}, 'orders/create'>['payload']>().toEqualTypeOf<{ id: number }>();
    expectTypeOf<EventFor<Events, {}, 'orders/*'>>().toEqualTypeOf<
      WebhookEvent<'orders/create', { id: number }, {}> | WebhookEvent<'orders/paid', { paid: true }, {}>
    >();
  });
  it('types unknown names and the catch-all loosely', () => {
    expectTypeOf<EventFor<Events, {}, 'refunds/create'>['payload']>().toEqualTypeOf<unknown>();
    expectTypeOf<EventFor<Events, {}, 'refunds/create'>['name']>().toEqualTypeOf<'refunds/create'>();
    expectTypeOf<EventFor<Events, {}, '*'>['name']>().toEqualTypeOf<string>();
  });
});

describe('fallback payload', () => {
  it('types unknown names and the catch-all with the provider fallback', () => {
    type Fallback = { raw: unknown };
    expectTypeOf<EventFor<Events, {}, 'refunds/create', Fallback>['payload']>().toEqualTypeOf<Fallback>();
    expectTypeOf<EventFor<Events, {}, '*', Fallback>['payload']>().toEqualTypeOf<Fallback>();
    expectTypeOf<EventFor<Events, {}, 'orders/create', Fallback>['payload']>().toEqualTypeOf<{ id: number }>();
  });
});
