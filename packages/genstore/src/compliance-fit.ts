import type { GenstoreComplianceTopic } from './compliance.js';

// The signature covers the body and not the `x-genstore-topic` header, so whoever holds one signed body can send it
// under another topic. The compliance schemas are lenient on purpose (Genstore has not published these payloads), and
// a customers/redact body is a shop/redact body plus a customer: without this check a captured data request could be
// relabelled into an erasure, and a customer's erasure into the whole shop's. Each topic therefore refuses the fields
// and wrapper names that only another topic (or an order) carries. A real payload never holds them, so nothing real is
// refused; what is not caught is a body with none of them (see SECURITY.md).

interface Foreign {
  /** Fields that only other topics carry. */
  fields: readonly string[];
  /** A wrapper (single top-level key) whose name names another topic or an order. */
  wrapper: RegExp;
}

const REQUEST_FIELDS = ['orders_requested', 'ordersRequested', 'data_request', 'dataRequest', 'dataRequestId'];
const REDACT_FIELDS = ['orders_to_redact', 'ordersToRedact'];
const CUSTOMER_FIELDS = ['customer', 'customerId', 'customerEmail', 'customerPhone'];

const FOREIGN: Record<GenstoreComplianceTopic, Foreign> = {
  'customers/data_request': { fields: REDACT_FIELDS, wrapper: /redact|order/i },
  'customers/redact': { fields: REQUEST_FIELDS, wrapper: /request|shop_?redact|order/i },
  'shop/redact': {
    fields: [...CUSTOMER_FIELDS, ...REQUEST_FIELDS, ...REDACT_FIELDS],
    wrapper: /customer|request|order/i,
  },
};

/**
 * Why a (possibly unwrapped) payload cannot be one of `topic`, or `null` when nothing in it belongs elsewhere.
 *
 * @param wrapper - the name of the single top-level key the fields were found under, or `null` for a flat payload
 */
export function foreignTo(
  topic: GenstoreComplianceTopic,
  wrapper: string | null,
  fields: Record<string, unknown>,
): string | null {
  const rule = FOREIGN[topic];
  if (wrapper !== null && rule.wrapper.test(wrapper)) return `its wrapper is named ${wrapper}`;
  const field = rule.fields.find((name) => fields[name] !== undefined && fields[name] !== null);
  return field === undefined ? null : `it has ${field}, which another topic carries`;
}
