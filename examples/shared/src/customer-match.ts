import { sha256Hex } from '@hookinbox/core';
import type { GenstoreCustomerRef } from '@hookinbox/genstore';
import type { SqlQueryable } from './database.js';

/**
 * Who a compliance request is about, as rows of this database: the customer ids stored under the shop's keys, and,
 * for a customer the platform knows only by email (`"id": null`, no account), the email their guest orders carry.
 */
export interface CustomerMatch {
  /** Stored customer ids: the request's id, else every row with its email (else its phone). */
  ids: string[];
  /** The email to find orders placed without an account by; null when the request names a customer id. */
  guestEmail: string | null;
  /** Recorded with a new data request about this customer. */
  requestKey: string;
  /** Every key a data request about this customer may have been recorded under: a redaction deletes them all. */
  requestKeys: string[];
}

/**
 * Shopify, whose design Genstore mirrors, documents that a customers/redact may carry only an email, with a null id
 * (shopify.dev/docs/apps/build/compliance/privacy-law-compliance). Such a customer is found by that email (compared
 * without case) or, with no email either, by phone; the compliance schema guarantees one of the three.
 */
export async function matchCustomer(
  q: SqlQueryable,
  keys: string[],
  customer: GenstoreCustomerRef,
): Promise<CustomerMatch> {
  if (customer.id !== null) {
    return { ids: [customer.id], guestEmail: null, requestKey: customer.id, requestKeys: [customer.id] };
  }
  const email = customer.email?.toLowerCase() ?? null;
  const [column, value] = email !== null ? ['lower(email)', email] : ['phone', customer.phone ?? ''];
  const { rows } = await q.query<{ id: string }>(
    `SELECT DISTINCT id FROM customers WHERE shop_id = ANY($1) AND ${column} = $2 ORDER BY id`,
    [keys, value],
  );
  const ids = rows.map((r) => r.id);
  // A request about someone with no customer row still needs a key that a redaction of the same person finds: a
  // digest of the contact, so the key column holds no address of its own.
  const contactKey = `contact:${sha256Hex(value).slice(0, 32)}`;
  return { ids, guestEmail: email, requestKey: ids[0] ?? contactKey, requestKeys: [...ids, contactKey] };
}
