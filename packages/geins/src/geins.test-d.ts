import { createReceiver, type WebhookEvent } from '@hookinbox/core';
import { describe, expectTypeOf, it } from 'vitest';
import type { GeinsEventName } from './entities.js';
import { geins } from './geins.js';
import type { GeinsEvent, GeinsEvents, GeinsMeta, GeinsPayload } from './payload.js';
import { subEntity } from './sub-entity.js';

const receiver = createReceiver({ provider: geins({ secret: 's' }) });

describe('geins handler types', () => {
  it('types an exact Entity.action', () => {
    receiver.on('Order.create', (event) => {
      expectTypeOf(event.name).toEqualTypeOf<'Order.create'>();
      expectTypeOf(event.payload.ids).toEqualTypeOf<string[]>();
      expectTypeOf(event.payload.id).toEqualTypeOf<string>();
      expectTypeOf(event.payload.entity).toEqualTypeOf<'Order'>();
      expectTypeOf(event.payload.action).toEqualTypeOf<'create'>();
      expectTypeOf(event.payload.raw).toEqualTypeOf<unknown>();
      expectTypeOf(event.payload.values).toEqualTypeOf<Readonly<Record<string, string>>>();
      expectTypeOf(event.meta).toEqualTypeOf<GeinsMeta>();
    });
  });

  it('offers every documented name', () => {
    type Names = Parameters<typeof receiver.on>[0];
    expectTypeOf<GeinsEventName>().toExtend<Names>();
    expectTypeOf<'Customer.passwordreset'>().toExtend<keyof GeinsEvents>();
    expectTypeOf<'ProductMonitor.notify'>().toExtend<keyof GeinsEvents>();
    expectTypeOf<'Order.cancelrow'>().toExtend<keyof GeinsEvents>();
    expectTypeOf<'Order.notify'>().not.toExtend<keyof GeinsEvents>();
  });

  it('types the placeholders of each event', () => {
    receiver.on('Capture.create', (event) => {
      expectTypeOf(event.payload.paymentName).toEqualTypeOf<string | undefined>();
    });
    receiver.on('Customer.passwordreset', (event) => {
      expectTypeOf(event.payload.resetKey).toEqualTypeOf<string | undefined>();
      expectTypeOf(event.payload.channelUrl).toEqualTypeOf<string | undefined>();
    });
    receiver.on('Order.cancelrow', (event) => {
      expectTypeOf(event.payload.orderRowId).toEqualTypeOf<string | undefined>();
    });
    receiver.on('ProductMonitor.notify', (event) => {
      expectTypeOf(event.payload.email).toEqualTypeOf<string | undefined>();
      expectTypeOf(event.payload.productName).toEqualTypeOf<string | undefined>();
    });
    receiver.on('Order.create', (event) => {
      // @ts-expect-error a paymentName belongs to Capture and Refund
      void event.payload.paymentName;
    });
  });

  it('types sub-entities: documented ones autocomplete, others are accepted', () => {
    receiver.on('Product.update', (event) => {
      expectTypeOf<'price'>().toExtend<NonNullable<typeof event.payload.subEntity>>();
      expectTypeOf<'somethingNew'>().toExtend<NonNullable<typeof event.payload.subEntity>>();
    });
    receiver.on('Order.update', (event) => {
      expectTypeOf<'row'>().toExtend<NonNullable<typeof event.payload.subEntity>>();
    });
    receiver.on('Product.update', () => {}, { where: subEntity('price', 'stockBalance') });
    receiver.on('Order.*', () => {}, { where: subEntity('status') });
    // @ts-expect-error at least one name
    subEntity();
  });

  it('types patterns as the union of the events they match', () => {
    receiver.on('Order.*', (event) => {
      expectTypeOf(event.payload.entity).toEqualTypeOf<'Order'>();
      expectTypeOf(event.payload.action).toEqualTypeOf<
        'create' | 'update' | 'cancel' | 'activate' | 'complete' | 'lock' | 'cancelrow' | 'return'
      >();
      expectTypeOf(event.payload.ids).toEqualTypeOf<string[]>();
    });
    receiver.on('*.delete', (event) => {
      expectTypeOf(event.name).toEqualTypeOf<
        | 'Product.delete'
        | 'Brand.delete'
        | 'Category.delete'
        | 'Supplier.delete'
        | 'PageWidget.delete'
        | 'Customer.delete'
      >();
      expectTypeOf(event.payload.action).toEqualTypeOf<'delete'>();
    });
  });

  it('types unknown names and the catch-all with the loose Geins payload', () => {
    receiver.on('GiftCard.redeem', (event) => {
      expectTypeOf(event.name).toEqualTypeOf<'GiftCard.redeem'>();
      expectTypeOf(event.payload).toEqualTypeOf<GeinsPayload>();
      expectTypeOf(event.payload.ids).toEqualTypeOf<string[]>();
    });
    receiver.on('*', (event) => {
      expectTypeOf(event).toEqualTypeOf<WebhookEvent<string, GeinsPayload, GeinsMeta>>();
    });
  });

  it('GeinsEvent and GeinsPayload type handlers written apart', () => {
    expectTypeOf<GeinsEvent<'Refund.create'>['payload']['paymentName']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<GeinsEvent['payload']>().toEqualTypeOf<GeinsPayload>();
    expectTypeOf<GeinsPayload['ids']>().toEqualTypeOf<string[]>();
    expectTypeOf<GeinsPayload['resetKey']>().toEqualTypeOf<string | undefined>();
    const handler = (event: GeinsEvent<'Order.create'>) => event.payload.ids;
    receiver.on('Order.create', handler);
  });
});
