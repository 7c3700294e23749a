import type { PayloadSchema } from '@hookinbox/core';
import { z } from 'zod';
import { type AppUninstalledPayload, appUninstalledSchema } from './app-uninstalled.js';
import {
  type CustomersDataRequestPayload,
  type CustomersRedactPayload,
  customersDataRequestSchema,
  customersRedactSchema,
  type ShopRedactPayload,
  shopRedactSchema,
} from './compliance.js';

/**
 * A payload whose fields the docs do not fix: any JSON object, every field kept. Narrow it with your own schema
 * (option `schemas`) when you rely on fields.
 */
export type GenstoreObjectPayload = { [key: string]: unknown };

const looseObject = z.looseObject({});

/**
 * Any JSON object, every field kept. A plain-object test on the way in, so the common case costs no copy of the
 * payload; zod only describes what is wrong when it is not an object.
 */
const OBJECT: PayloadSchema<GenstoreObjectPayload> = {
  safeParse(value) {
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      return { success: true, data: value as GenstoreObjectPayload };
    }
    return looseObject.safeParse(value) as { success: false; error: unknown };
  },
};
const object = () => OBJECT;

/**
 * The topic catalogue: every topic the Genstore docs mention, with the schema its payload is checked against.
 * Topics not listed here are still routed, with the payload unvalidated.
 */
export const genstoreSchemas = {
  'orders/create': object(),
  'orders/update': object(),
  'orders/paid': object(),
  'orders/fulfilled': object(),
  'orders/cancelled': object(),
  'customers/create': object(),
  'customers/update': object(),
  'customers/delete': object(),
  'customers/merge': object(),
  'customers/data_request': customersDataRequestSchema,
  'customers/redact': customersRedactSchema,
  'shop/update': object(),
  'shop/redact': shopRedactSchema,
  'app/uninstalled': appUninstalledSchema,
  'app/scopesUpdate': object(),
} satisfies Record<string, PayloadSchema>;

/** A topic of the catalogue. */
export type GenstoreTopic = keyof typeof genstoreSchemas;

/** Every catalogued topic, in the order of the catalogue. */
export const GENSTORE_TOPICS = Object.keys(genstoreSchemas) as GenstoreTopic[];

/** Topic → payload type for the catalogue: what `receiver.on(topic, …)` handlers receive. */
export type GenstoreEvents = {
  'orders/create': GenstoreObjectPayload;
  'orders/update': GenstoreObjectPayload;
  'orders/paid': GenstoreObjectPayload;
  'orders/fulfilled': GenstoreObjectPayload;
  'orders/cancelled': GenstoreObjectPayload;
  'customers/create': GenstoreObjectPayload;
  'customers/update': GenstoreObjectPayload;
  'customers/delete': GenstoreObjectPayload;
  'customers/merge': GenstoreObjectPayload;
  'customers/data_request': CustomersDataRequestPayload;
  'customers/redact': CustomersRedactPayload;
  'shop/update': GenstoreObjectPayload;
  'shop/redact': ShopRedactPayload;
  'app/uninstalled': AppUninstalledPayload;
  'app/scopesUpdate': GenstoreObjectPayload;
};

/** Schemas an app passes in option `schemas`: topic → any schema with `safeParse` (zod, or your own). */
export type GenstoreSchemas = { [topic: string]: PayloadSchema<any> };

/** The payload type a schema produces: zod's output type, or the `T` of a {@link PayloadSchema}. */
export type SchemaOutput<S> = S extends { _zod: { output: infer O } }
  ? O
  : S extends PayloadSchema<infer T>
    ? T
    : unknown;

/** The catalogue with the app's schemas laid over it: replaced topics take the new type, added topics join. */
export type GenstoreEventsWith<S extends GenstoreSchemas> = {
  [K in keyof GenstoreEvents | (keyof S & string)]: K extends keyof S
    ? SchemaOutput<S[K]>
    : K extends keyof GenstoreEvents
      ? GenstoreEvents[K]
      : never;
};
