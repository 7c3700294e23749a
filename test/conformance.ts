import type { AddressInfo } from 'node:net';
import {
  createReceiver,
  type DedupeStore,
  type MemoryDeadLetters,
  type Receiver,
  type ReceiverOptions,
} from '@hookinbox/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { sendChunks, sendLarge } from './helpers/http.js';
import {
  captureLogger,
  delivery,
  sign,
  sleep,
  TEST_SECRET,
  type TestDelivery,
  type TestEvents,
  testProvider,
} from './helpers/test-provider.js';

export interface SentResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

export interface Mounted {
  /** Send through the framework's own test client (supertest or fastify.inject). */
  send(delivery: TestDelivery): Promise<SentResponse>;
  /** Base URL of a real listening server, for requests that must arrive over a socket. */
  url: string;
  close(): Promise<void>;
}

export interface AdapterHarness {
  name: string;
  /** Mount `receiver` at `/webhooks/test` and start listening on loopback. */
  mount(receiver: Receiver<any, any>): Promise<Mounted>;
}

type TestReceiver = Receiver<TestEvents, { signature: string }>;

/** The conformance suite every adapter must pass. */
export function describeConformance(harness: AdapterHarness): void {
  describe(`conformance: ${harness.name}`, () => {
    const open: Mounted[] = [];
    afterEach(async () => {
      await Promise.all(open.splice(0).map((m) => m.close()));
    });

    const setup = async (options: Partial<ReceiverOptions<ReturnType<typeof testProvider>>> = {}) => {
      const { logger, lines } = captureLogger();
      const receiver = createReceiver({
        provider: testProvider(),
        logger,
        retry: { attempts: 3, minDelayMs: 5, maxDelayMs: 20 },
        ...options,
      }) as TestReceiver;
      const mounted = await harness.mount(receiver);
      open.push(mounted);
      return { receiver, mounted, lines };
    };

    const waitFor = async (check: () => boolean, timeoutMs = 3_000) => {
      const until = Date.now() + timeoutMs;
      while (!check()) {
        if (Date.now() > until) throw new Error('condition not met in time');
        await sleep(5);
      }
    };

    it('acknowledges a valid delivery with 200 and runs the handler with the validated payload', async () => {
      const { receiver, mounted } = await setup();
      const handler = vi.fn();
      receiver.on('thing/created', handler);
      const res = await mounted.send(delivery({ payload: { id: 'a1', text: 'hi' } }));
      expect(res.status).toBe(200);
      expect(JSON.parse(res.text)).toEqual({ ok: true });
      await waitFor(() => handler.mock.calls.length === 1);
      expect(handler.mock.calls[0]?.[0]).toMatchObject({ name: 'thing/created', payload: { id: 'a1', text: 'hi' } });
    });

    it('wrong signature: 401 invalid_signature, no handler call, no secret in the body', async () => {
      const { receiver, mounted, lines } = await setup();
      const handler = vi.fn();
      receiver.on('*', handler);
      const d = delivery();
      d.headers['x-test-signature'] = sign(d.body, 'another-secret');
      const res = await mounted.send(d);
      expect(res.status).toBe(401);
      expect(JSON.parse(res.text).error.code).toBe('invalid_signature');
      expect(res.text).not.toContain(TEST_SECRET);
      expect(JSON.stringify(lines)).not.toContain(TEST_SECRET);
      await sleep(20);
      expect(handler).not.toHaveBeenCalled();
    });

    it('tampered body: 401 and no handler call', async () => {
      const { receiver, mounted } = await setup();
      const handler = vi.fn();
      receiver.on('*', handler);
      const d = delivery({ payload: { id: 'a1' } });
      d.body = Buffer.from(JSON.stringify({ id: 'a2' }));
      const res = await mounted.send(d);
      expect(res.status).toBe(401);
      await sleep(20);
      expect(handler).not.toHaveBeenCalled();
    });

    it('missing required header: 400 missing_header', async () => {
      const { mounted } = await setup();
      const d = delivery();
      delete d.headers['x-test-event'];
      const res = await mounted.send(d);
      expect(res.status).toBe(400);
      expect(JSON.parse(res.text).error.code).toBe('missing_header');
    });

    it('unparsable body: 400 invalid_body', async () => {
      const { mounted } = await setup();
      const res = await mounted.send(delivery({ body: '{"id": nope' }));
      expect(res.status).toBe(400);
      expect(JSON.parse(res.text).error.code).toBe('invalid_body');
    });

    it('oversized body: 413 body_too_large, declared by content-length; counted and hooked', async () => {
      const onRejected = vi.fn();
      const { receiver, mounted } = await setup({ limits: { bodyBytes: 1024 }, hooks: { onRejected } });
      const handler = vi.fn();
      receiver.on('*', handler);
      const res = await mounted.send(delivery({ body: JSON.stringify({ id: 'x', text: 'y'.repeat(5000) }) }));
      expect(res.status).toBe(413);
      expect(JSON.parse(res.text).error.code).toBe('body_too_large');
      expect(handler).not.toHaveBeenCalled();
      expect(receiver.stats()).toMatchObject({ received: 1, rejected: { body_too_large: 1 } });
      expect(onRejected).toHaveBeenCalledWith(expect.objectContaining({ code: 'body_too_large', status: 413 }));
    });

    it('a body slower than limits.bodyTimeoutMs: 408 body_timeout, counted', async () => {
      const { receiver, mounted } = await setup({ limits: { bodyTimeoutMs: 100 } });
      const res = await sendChunks(`${mounted.url}/webhooks/test`, {
        headers: { 'content-type': 'application/json', 'x-test-event': 'thing/created', 'x-test-signature': 'x' },
        chunks: [Buffer.from('{"id":'), Buffer.from('"late"}')],
        pauseMs: 400,
      });
      expect(res.status).toBe(408);
      expect(JSON.parse(res.text).error.code).toBe('body_timeout');
      expect(receiver.stats().rejected).toEqual({ body_timeout: 1 });
    });

    it('a method the provider does not deliver with: 405 method_not_allowed with Allow, counted', async () => {
      const { receiver, mounted } = await setup();
      const res = await fetch(`${mounted.url}/webhooks/test`);
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe('POST');
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('method_not_allowed');
      expect(receiver.stats().rejected).toEqual({ method_not_allowed: 1 });
    });

    it('oversized body of 5 MB sent in full without waiting: the sender sees the 413, three times out of three', async () => {
      const { receiver, mounted } = await setup({ limits: { bodyBytes: 1024 * 1024 } });
      for (let i = 0; i < 3; i++) {
        const res = await sendLarge(`${mounted.url}/webhooks/test`, 5 * 1024 * 1024, {
          'content-type': 'application/json',
          'x-test-event': 'thing/created',
          'x-test-signature': 'x',
        });
        expect(res.status).toBe(413);
        expect(JSON.parse(res.text).error.code).toBe('body_too_large');
      }
      expect(receiver.stats().rejected).toEqual({ body_too_large: 3 });
    });

    it('oversized body: 413 while streaming a chunked body with no content-length', async () => {
      const { mounted } = await setup({ limits: { bodyBytes: 1024 } });
      const chunk = Buffer.alloc(600, 'a');
      const res = await sendChunks(`${mounted.url}/webhooks/test`, {
        headers: { 'content-type': 'application/json', 'x-test-event': 'thing/created', 'x-test-signature': 'x' },
        chunks: [chunk, chunk, chunk],
        pauseMs: 5,
      });
      expect(res.status).toBe(413);
      expect(JSON.parse(res.text).error.code).toBe('body_too_large');
    });

    it('a duplicate delivery gets 200 and the handler runs once', async () => {
      const { receiver, mounted } = await setup();
      const handler = vi.fn();
      receiver.on('thing/created', handler);
      const d = delivery({ id: 'dup-1' });
      expect((await mounted.send(d)).status).toBe(200);
      await waitFor(() => handler.mock.calls.length === 1);
      const again = await mounted.send(d);
      expect(again.status).toBe(200);
      expect(JSON.parse(again.text)).toEqual({ ok: true, duplicate: true });
      await sleep(30);
      expect(handler).toHaveBeenCalledTimes(1);
    });

    it('100 concurrent copies of one delivery run the handler exactly once', async () => {
      const { receiver, mounted } = await setup();
      const handler = vi.fn(async () => sleep(20));
      receiver.on('thing/created', handler);
      const d = delivery({ id: 'storm-1' });
      const answers = await Promise.all(Array.from({ length: 100 }, () => mounted.send(d)));
      expect(answers.every((a) => a.status === 200)).toBe(true);
      await waitFor(() => receiver.stats().inFlight === 0 && handler.mock.calls.length >= 1);
      await sleep(30);
      expect(handler).toHaveBeenCalledTimes(1);
      expect(receiver.stats().duplicates).toBe(99);
    });

    it('a handler that takes 2 s does not delay the answer', async () => {
      const latency = new Map<string, number>();
      const { receiver, mounted } = await setup({
        hooks: { onAcknowledged: ({ id, latencyMs }) => latency.set(id, latencyMs) },
      });
      let finished = false;
      receiver.on('thing/created', async () => {
        await sleep(2_000);
        finished = true;
      });
      await mounted.send(delivery({ id: 'warm-up', event: 'thing/deleted' })); // warm the connection path
      const started = performance.now();
      const res = await mounted.send(delivery({ id: 'slow-1' }));
      const roundTrip = performance.now() - started;
      expect(res.status).toBe(200);
      expect(finished).toBe(false);
      // The receiver answered within 50 ms of taking the delivery; the whole round trip, on a loaded test machine,
      // still comes nowhere near the handler's 2 s.
      expect(latency.get('slow-1')).toBeLessThan(50);
      expect(roundTrip).toBeLessThan(500);
      await receiver.close({ timeoutMs: 5_000 });
      expect(finished).toBe(true);
    });

    it('a throwing handler is retried, then dead-lettered with every error; other handlers still run', async () => {
      const onDeadLetter = vi.fn();
      const { receiver, mounted } = await setup({ hooks: { onDeadLetter } });
      const failing = vi.fn(async () => {
        throw new Error('downstream is down');
      });
      const fine = vi.fn();
      receiver.on('thing/created', failing).on('thing/*', fine);
      expect((await mounted.send(delivery({ id: 'fail-1' }))).status).toBe(200);
      await waitFor(() => onDeadLetter.mock.calls.length === 1);
      expect(failing).toHaveBeenCalledTimes(3);
      expect(fine).toHaveBeenCalledTimes(1);
      const { event, failures } = onDeadLetter.mock.calls[0]![0];
      expect(event.id).toBe('fail-1');
      expect(failures.map((f: { attempt: number }) => f.attempt)).toEqual([1, 2, 3]);
      expect(failures[2]).toMatchObject({ pattern: 'thing/created', attempt: 3 });
      expect(failures[2].error.message).toBe('downstream is down');
      // Kept in the dead-letter sink with the delivery, so it can be replayed once downstream is back.
      const letters = (receiver.deadLetters as MemoryDeadLetters).list();
      expect(letters).toMatchObject([{ kind: 'failed', id: 'fail-1', name: 'thing/created' }]);
      expect(letters[0]?.failures?.map((f) => f.error)).toEqual(Array(3).fill('Error: downstream is down'));
      // Dead-lettered is not done: a resend runs the handler that failed, never the one that succeeded.
      await waitFor(() => receiver.stats().inFlight === 0);
      expect((await mounted.send(delivery({ id: 'fail-1' }))).status).toBe(200);
      await waitFor(() => onDeadLetter.mock.calls.length === 2);
      expect(failing).toHaveBeenCalledTimes(6);
      expect(fine).toHaveBeenCalledTimes(1);
    });

    it('close drains in-flight handlers, and answers 503 closing meanwhile', async () => {
      const { receiver, mounted } = await setup();
      let done = 0;
      receiver.on('thing/created', async () => {
        await sleep(300);
        done++;
      });
      await mounted.send(delivery({ id: 'drain-1' }));
      await mounted.send(delivery({ id: 'drain-2' }));
      const closing = receiver.close({ timeoutMs: 5_000 });
      const refused = await mounted.send(delivery({ id: 'drain-3' }));
      expect(refused.status).toBe(503);
      expect(JSON.parse(refused.text).error.code).toBe('closing');
      expect(refused.headers['retry-after']).toBeDefined();
      const result = await closing;
      expect(result).toEqual({ drained: true, pending: [] });
      expect(done).toBe(2);
    });

    it('close reports the deliveries that did not finish in time, by name', async () => {
      const { receiver, mounted } = await setup();
      receiver.on('thing/created', () => sleep(1_000));
      await mounted.send(delivery({ id: 'stuck-1' }));
      await sleep(10);
      const result = await receiver.close({ timeoutMs: 50 });
      expect(result.drained).toBe(false);
      expect(result.pending).toEqual([{ name: 'thing/created', id: 'stuck-1' }]);
    });

    it('multi-byte UTF-8 split across chunks verifies against the exact bytes', async () => {
      const { receiver, mounted } = await setup();
      const handler = vi.fn();
      receiver.on('thing/created', handler);
      const body = Buffer.from(JSON.stringify({ id: 'utf8-1', text: 'Grüße, 東京 🛒' }));
      const cut = body.indexOf(Buffer.from('🛒')) + 2; // inside the 4-byte emoji
      const res = await sendChunks(`${mounted.url}/webhooks/test`, {
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'x-test-event': 'thing/created',
          'x-test-signature': sign(body),
        },
        chunks: [body.subarray(0, cut), body.subarray(cut)],
      });
      expect(res.status).toBe(200);
      await waitFor(() => handler.mock.calls.length === 1);
      expect(handler.mock.calls[0]?.[0].payload.text).toBe('Grüße, 東京 🛒');
    });

    it('store unavailable: 503 store_unavailable with Retry-After, no handler call', async () => {
      const broken: DedupeStore = {
        claim: async () => {
          throw new Error('connection refused');
        },
        commit: async () => true,
        release: async () => true,
      };
      const { receiver, mounted } = await setup({ store: broken });
      const handler = vi.fn();
      receiver.on('*', handler);
      const res = await mounted.send(delivery());
      expect(res.status).toBe(503);
      expect(JSON.parse(res.text).error.code).toBe('store_unavailable');
      expect(res.headers['retry-after']).toBe('5');
      await sleep(20);
      expect(handler).not.toHaveBeenCalled();
    });

    it('an authentic payload that fails its schema is acknowledged and handed to onInvalid, not to handlers', async () => {
      const onInvalid = vi.fn();
      const { receiver, mounted } = await setup({ hooks: { onInvalid } });
      const handler = vi.fn();
      receiver.on('*', handler);
      const res = await mounted.send(delivery({ payload: { id: 42 } }));
      expect(res.status).toBe(200);
      expect(onInvalid).toHaveBeenCalledTimes(1);
      expect(onInvalid.mock.calls[0]?.[0].event.name).toBe('thing/created');
      await sleep(20);
      expect(handler).not.toHaveBeenCalled();
    });

    it('errors are JSON with a stable code, never an HTML page', async () => {
      const { mounted } = await setup();
      const d = delivery();
      delete d.headers['x-test-signature'];
      const res = await mounted.send(d);
      expect(res.status).toBe(401);
      expect(String(res.headers['content-type'])).toContain('application/json');
      expect(JSON.parse(res.text)).toEqual({
        error: { code: 'missing_signature', message: expect.any(String) },
      });
    });

    describe('ack after handlers', () => {
      it('answers 200 after the handlers succeed', async () => {
        const { receiver, mounted } = await setup({ ack: { mode: 'after-handlers', timeoutMs: 2_000 } });
        let ran = false;
        receiver.on('thing/created', async () => {
          await sleep(50);
          ran = true;
        });
        const res = await mounted.send(delivery({ id: 'sync-1' }));
        expect(res.status).toBe(200);
        expect(ran).toBe(true);
      });

      it('a failing handler answers 500 handler_failed and releases the claim, so the retry is processed', async () => {
        const { receiver, mounted } = await setup({ ack: { mode: 'after-handlers', timeoutMs: 2_000 } });
        let calls = 0;
        receiver.on('thing/created', () => {
          calls++;
          if (calls === 1) throw new Error('first try fails');
        });
        const first = await mounted.send(delivery({ id: 'sync-2' }));
        expect(first.status).toBe(500);
        expect(JSON.parse(first.text).error.code).toBe('handler_failed');
        const retry = await mounted.send(delivery({ id: 'sync-2' }));
        expect(retry.status).toBe(200);
        expect(calls).toBe(2);
        const third = await mounted.send(delivery({ id: 'sync-2' }));
        expect(JSON.parse(third.text).duplicate).toBe(true);
        expect(calls).toBe(2);
      });

      it("the provider's retry after a partial failure runs only the handler that failed", async () => {
        const { receiver, mounted } = await setup({ ack: { mode: 'after-handlers', timeoutMs: 2_000 } });
        let saves = 0;
        let mails = 0;
        receiver
          .on('thing/created', () => {
            saves++;
          })
          .on('thing/*', () => {
            mails++;
            if (mails === 1) throw new Error('mail server down');
          });
        expect((await mounted.send(delivery({ id: 'sync-4' }))).status).toBe(500);
        expect((await mounted.send(delivery({ id: 'sync-4' }))).status).toBe(200);
        expect({ saves, mails }).toEqual({ saves: 1, mails: 2 });
      });

      it('past the deadline it answers the configured status while the handler goes on', async () => {
        const { receiver, mounted } = await setup({
          ack: { mode: 'after-handlers', timeoutMs: 50, timeoutStatus: 202 },
        });
        let finished = false;
        receiver.on('thing/created', async () => {
          await sleep(400);
          finished = true;
        });
        const started = performance.now();
        const res = await mounted.send(delivery({ id: 'sync-3' }));
        expect(res.status).toBe(202);
        expect(performance.now() - started).toBeLessThan(350);
        expect(finished).toBe(false);
        // A copy arriving while it runs is told to come back later, not acknowledged.
        const copy = await mounted.send(delivery({ id: 'sync-3' }));
        expect(copy.status).toBe(409);
        expect(JSON.parse(copy.text).error.code).toBe('in_flight');
        await waitFor(() => finished);
      });
    });
  });
}

export function listeningUrl(address: AddressInfo | string | null): string {
  if (!address || typeof address === 'string') throw new Error('server is not listening on a TCP port');
  return `http://127.0.0.1:${address.port}`;
}
