import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { captureLogger, deferred, delivery, sleep, testProvider } from '../../../test/helpers/test-provider.js';
import { HookinboxError } from './errors.js';
import { createReceiver } from './receiver.js';
import type { DedupeStore } from './store.js';
import type { Provider, RawDelivery } from './types.js';

// The stages of a delivery (pipeline.ts), each tried by the input that reaches it.

const quiet = () => captureLogger().logger;
const settle = async (receiver: { stats(): { inFlight: number } }) => {
  for (let i = 0; i < 200 && receiver.stats().inFlight > 0; i++) await sleep(5);
};
const spyOnVerify = (seen: RawDelivery[], base: Provider = testProvider()): Provider => ({
  ...base,
  verify: (d: RawDelivery) => {
    seen.push(d);
    return base.verify(d);
  },
});

describe('pipeline: the provider check', () => {
  it('runs before the first delivery, once per handler set, and again after on() changes the set', async () => {
    const checkHandlers = vi.fn();
    const r = createReceiver({ provider: { ...testProvider(), checkHandlers }, logger: quiet() });
    expect((await r.handle(delivery({ id: 'c1' }))).status).toBe(200);
    expect((await r.handle(delivery({ id: 'c2' }))).status).toBe(200);
    expect(checkHandlers).toHaveBeenCalledTimes(1);
    r.on('thing/created', () => {});
    expect((await r.handle(delivery({ id: 'c3' }))).status).toBe(200);
    expect(checkHandlers).toHaveBeenCalledTimes(2);
    expect(checkHandlers).toHaveBeenLastCalledWith(['thing/created']);
  });

  it('a check that throws: 500 internal_error "the receiver is misconfigured", and the reason logged', async () => {
    const { logger, lines } = captureLogger();
    const provider: Provider = {
      ...testProvider(),
      checkHandlers: () => {
        throw new Error('no handler for must/have');
      },
    };
    const res = await createReceiver({ provider, logger }).handle(delivery());
    expect(res.status).toBe(500);
    expect(JSON.parse(res.body).error).toMatchObject({
      code: 'internal_error',
      message: '@hookinbox/core: the receiver is misconfigured',
    });
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 'error',
        msg: '@hookinbox/core: the handler set does not satisfy the provider',
        obj: { err: expect.objectContaining({ message: 'no handler for must/have' }) },
      }),
    );
  });
});

describe('pipeline: what the provider is handed', () => {
  it('a string body: the provider gets a Buffer of its UTF-8 bytes (on Node)', async () => {
    const seen: RawDelivery[] = [];
    const r = createReceiver({ provider: spyOnVerify(seen), logger: quiet() });
    const d = delivery({ payload: { id: 'Åsa ✓' } });
    expect((await r.handle({ ...d, body: d.body.toString('utf8') })).status).toBe(200);
    expect(Buffer.isBuffer(seen[0]?.body)).toBe(true);
    expect(Buffer.from(seen[0]?.body as Uint8Array).equals(d.body)).toBe(true);
  });

  it('header names with A or Z as their only capital ("x-test-signAture", "x-test-Zone"): lower-cased', async () => {
    const seen: RawDelivery[] = [];
    const r = createReceiver({ provider: spyOnVerify(seen), logger: quiet() });
    const d = delivery({ id: 'az' });
    const { 'x-test-signature': signature, ...rest } = d.headers;
    expect((await r.handle({ ...d, headers: { ...rest, 'x-test-signAture': signature as string } })).status).toBe(200);
    expect(seen[0]?.headers).toMatchObject({ 'x-test-signature': signature });
    expect(
      (await r.handle({ ...delivery({ id: 'z' }), headers: { ...delivery({ id: 'z' }).headers, 'x-test-Zone': 'z' } }))
        .status,
    ).toBe(200);
    expect(seen[1]?.headers).toMatchObject({ 'x-test-zone': 'z' });
  });

  it('lowerCaseHeaders: true trusts the names: "X-Test-Zone" reaches the provider as it is', async () => {
    const seen: RawDelivery[] = [];
    const r = createReceiver({ provider: spyOnVerify(seen), logger: quiet() });
    const d = delivery({ id: 'trusted' });
    expect(
      (await r.handle({ ...d, headers: { ...d.headers, 'X-Test-Zone': 'z' } }, { lowerCaseHeaders: true })).status,
    ).toBe(200);
    expect(Object.keys(seen[0]?.headers ?? {})).toContain('X-Test-Zone');
  });
});

describe('pipeline: a provider that answers with a promise', () => {
  const later = (verify: Provider['verify']): Provider => ({
    ...testProvider(),
    verify: (d: RawDelivery) => sleep(1).then(() => verify(d)),
  });

  it('resolves: the delivery is acknowledged and handled', async () => {
    const r = createReceiver({ provider: later(testProvider().verify), logger: quiet() });
    const handler = vi.fn();
    r.on('thing/created', handler);
    expect((await r.handle(delivery({ id: 'p1' }))).status).toBe(200);
    await settle(r);
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it('rejects with a HookinboxError: its status and code', async () => {
    const provider = later(() => {
      throw new HookinboxError('invalid_signature', 'test: signature does not match');
    });
    const res = await createReceiver({ provider, logger: quiet() }).handle(delivery());
    expect(res.status).toBe(401);
    expect(JSON.parse(res.body).error.code).toBe('invalid_signature');
  });

  it('rejects with anything else: 500 "the delivery could not be verified", logged with the provider name', async () => {
    const { logger, lines } = captureLogger();
    const provider = { ...later(() => Promise.reject(new RangeError('oops'))), name: 'flaky' };
    const res = await createReceiver({ provider, logger }).handle(delivery());
    expect(res.status).toBe(500);
    expect(JSON.parse(res.body).error.message).toBe('@hookinbox/core: the delivery could not be verified');
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 'error',
        msg: '@hookinbox/core: the flaky provider threw',
        obj: { err: expect.any(RangeError) },
      }),
    );
  });
});

describe('pipeline: the payload schema', () => {
  it("the schema's output, not the parsed body, is the payload the handler gets", async () => {
    const provider: Provider = {
      ...testProvider(),
      schemaFor: () => z.object({ id: z.string().transform((id) => `#${id}`) }),
    };
    const r = createReceiver({ provider, logger: quiet() });
    const payloads: unknown[] = [];
    r.on('thing/created', (event) => {
      payloads.push(event.payload);
    });
    expect((await r.handle(delivery({ id: 's1', payload: { id: '7' } }))).status).toBe(200);
    await settle(r);
    expect(payloads).toEqual([{ id: '#7' }]);
  });
});

describe('pipeline: the store', () => {
  const broken: DedupeStore = {
    claim: () => Promise.reject(new Error('down')),
    commit: () => Promise.reject(new Error('down')),
    release: () => Promise.reject(new Error('down')),
  };

  it('fail-closed: 503 and "dedupe store failed; answering 503" logged with the id', async () => {
    const { logger, lines } = captureLogger();
    const r = createReceiver({ provider: testProvider(), logger, store: broken });
    expect((await r.handle(delivery({ id: 'fc' }))).status).toBe(503);
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 'error',
        msg: '@hookinbox/core: dedupe store failed; answering 503',
        obj: expect.objectContaining({ id: 'fc' }),
      }),
    );
  });

  it('fail-open: 200 and "processing without dedupe" logged as a warning with the id', async () => {
    const { logger, lines } = captureLogger();
    const r = createReceiver({
      provider: testProvider(),
      logger,
      store: broken,
      dedupe: { onStoreError: 'fail-open' },
    });
    expect((await r.handle(delivery({ id: 'fo' }))).status).toBe(200);
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        msg: '@hookinbox/core: dedupe store failed; processing without dedupe',
        obj: expect.objectContaining({ id: 'fo' }),
      }),
    );
  });
});

describe('pipeline: copies of a delivery', () => {
  it('after-handlers: a copy while the first runs gets 409 in_flight with Retry-After; one after it, 200 duplicate', async () => {
    const r = createReceiver({
      provider: testProvider(),
      logger: quiet(),
      ack: { mode: 'after-handlers', timeoutMs: 5_000 },
    });
    const gate = deferred();
    r.on('thing/created', () => gate.promise);
    const first = r.handle(delivery({ id: 'copy' }));
    await sleep(5);
    const copy = await r.handle(delivery({ id: 'copy' }));
    expect(copy.status).toBe(409);
    expect(copy.headers).toMatchObject({ 'retry-after': expect.any(String) });
    expect(JSON.parse(copy.body).error).toMatchObject({
      code: 'in_flight',
      message: '@hookinbox/core: a copy of this delivery is being handled; retry later',
    });
    gate.resolve();
    expect((await first).status).toBe(200);
    const late = await r.handle(delivery({ id: 'copy' }));
    expect(late.status).toBe(200);
    expect(JSON.parse(late.body)).toEqual({ ok: true, duplicate: true });
  });
});

describe('pipeline: closing', () => {
  it('a delivery after close() began: 503 closing "shutting down; retry later" with Retry-After', async () => {
    const r = createReceiver({ provider: testProvider(), logger: quiet() });
    await r.close({ timeoutMs: 10 });
    const res = await r.handle(delivery());
    expect(res.status).toBe(503);
    expect(res.headers).toMatchObject({ 'retry-after': expect.any(String) });
    expect(JSON.parse(res.body).error).toMatchObject({
      code: 'closing',
      message: '@hookinbox/core: the receiver is shutting down; retry later',
    });
  });
});
