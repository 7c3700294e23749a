import { createHmac } from 'node:crypto';
import {
  decodeUtf8,
  getHeader,
  HookinboxError,
  type PayloadSchema,
  type Provider,
  parseJsonSafe,
  type RawDelivery,
  safeEqual,
  sha256Hex,
} from '@hookinbox/core';
import { z } from 'zod';

/**
 * A minimal HMAC-signed provider for the core and adapter conformance tests, so they exercise the core without
 * depending on a real platform's rules.
 */
export const TEST_SECRET = 'test-secret-do-not-leak';

export const testSchemas = {
  'thing/created': z.object({ id: z.string(), text: z.string().optional() }),
} satisfies Record<string, PayloadSchema>;

export type TestEvents = { 'thing/created': z.output<(typeof testSchemas)['thing/created']>; 'thing/deleted': unknown };

export function sign(body: Uint8Array | string, secret = TEST_SECRET): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

export function testProvider(secret = TEST_SECRET): Provider<TestEvents, { signature: string }> {
  return {
    name: 'test',
    verify(delivery: RawDelivery) {
      if (delivery.method !== 'POST') {
        throw new HookinboxError('method_not_allowed', 'test: deliveries come with POST', {
          headers: { allow: 'POST' },
        });
      }
      const signature = getHeader(delivery.headers, 'x-test-signature');
      if (!signature) throw new HookinboxError('missing_signature', 'test: missing x-test-signature');
      if (!safeEqual(signature, sign(delivery.body, secret))) {
        throw new HookinboxError('invalid_signature', 'test: signature does not match');
      }
      const name = getHeader(delivery.headers, 'x-test-event');
      if (!name) throw new HookinboxError('missing_header', 'test: missing x-test-event');
      const parsed = parseJsonSafe(decodeUtf8(delivery.body));
      if (!parsed.ok) throw new HookinboxError('invalid_body', `test: body is ${parsed.reason}`);
      return {
        name,
        dedupeKey: getHeader(delivery.headers, 'x-test-id') ?? sha256Hex(name, delivery.body),
        payload: parsed.value,
        meta: { signature: 'redacted' },
      };
    },
    schemaFor: (name) => (testSchemas as Record<string, PayloadSchema>)[name],
  };
}

export interface TestDelivery {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: Buffer;
}

/** A signed test delivery. */
export function delivery(
  options: {
    event?: string;
    payload?: unknown;
    body?: string | Buffer;
    id?: string;
    secret?: string;
    url?: string;
  } = {},
): TestDelivery {
  const body = Buffer.from(
    options.body ?? JSON.stringify(options.payload ?? { id: options.id ?? 'thing-1', text: 'hello' }),
  );
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-test-event': options.event ?? 'thing/created',
    'x-test-signature': sign(body, options.secret),
  };
  if (options.id) headers['x-test-id'] = options.id;
  return { method: 'POST', url: options.url ?? '/webhooks/test', headers, body };
}

/** A logger that keeps every line, to search for leaked secrets. */
export function captureLogger() {
  const lines: { level: string; obj: object; msg?: string | undefined }[] = [];
  const at = (level: string) => (obj: object, msg?: string) => {
    lines.push({ level, obj, msg });
  };
  return { lines, logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } };
}

export function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
