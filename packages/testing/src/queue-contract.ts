import {
  createMemoryStore,
  createReceiver,
  type DeadLetter,
  type DeadLetterSink,
  type DedupeStore,
  type Dispatcher,
  type PayloadSchema,
  type Receiver,
  silentLogger,
  type WebhookEvent,
} from '@hookinbox/core';
import { genstore } from '@hookinbox/genstore';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { genstoreDelivery } from './genstore.js';

/** A durable queue as the receiver sees it: where events go before the 200, and where dead letters are kept. */
export type QueueUnderTest = Dispatcher & DeadLetterSink;

/** What a contract run needs from a queue. Every call of the factory gives a queue no other test sees. */
export interface QueueHarness {
  queue: QueueUnderTest;
  /** Start a worker that runs `receiver`'s handlers; resolves once it takes jobs. */
  startWorker(receiver: Receiver<any, any, any>): Promise<{ close(): Promise<void> }>;
  /** Jobs waiting, delayed or running now. */
  pending(): Promise<number>;
  /** What the queue keeps of failed jobs and parked deliveries, as dead letters. */
  deadLetters(): Promise<DeadLetter[]>;
  /** Run a dead letter again as the queue's dashboard or redrive would (a worker takes it). */
  retry(letter: DeadLetter): Promise<void>;
  /** A queue on the same backend that cannot take jobs (its server is gone), for the 503 test. */
  unavailable(): Promise<QueueUnderTest>;
  cleanup?(): Promise<void>;
}

const SECRET = 'queue-contract-secret';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`queue contract: timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** Rejects an `id` that is not a string: numeric ids park the delivery until the schema is relaxed. */
const stringIds: PayloadSchema = {
  safeParse: (value) =>
    typeof (value as { id?: unknown } | null)?.id === 'string'
      ? { success: true, data: value }
      : { success: false, error: new Error('id must be a string') },
};

/**
 * The contract every durable queue of hookinbox keeps (the BullMQ and pg-boss packages run it), as a vitest suite:
 * the 200 waits for the job, a worker runs each event once, one job per dedupe key, the queue retries failing handlers
 * with the receiver's policy and the attempt in their context, only failing handlers run again, what still fails and
 * what was parked is kept as a dead letter, a retried letter is handled once and stays done, and a queue that cannot
 * take a job makes the receiver answer 503.
 */
// A test suite: one `it` per promise of the contract, sharing the harness, in one describe block.
export function describeQueue(name: string, makeHarness: () => Promise<QueueHarness>): void {
  describe(`queue contract: ${name}`, () => {
    let harness: QueueHarness;
    const closers: (() => Promise<void>)[] = [];

    beforeEach(async () => {
      harness = await makeHarness();
    });

    afterEach(async () => {
      for (const close of closers.splice(0).reverse()) await close();
      await harness.cleanup?.();
    });

    const receiverOn = (
      queue: QueueUnderTest,
      extra: { strict?: boolean; attempts?: number; store?: DedupeStore } = {},
    ) => {
      const receiver = createReceiver({
        provider: genstore({ secret: SECRET, ...(extra.strict ? { schemas: { 'orders/create': stringIds } } : {}) }),
        store: extra.store ?? createMemoryStore(),
        dispatcher: queue,
        deadLetters: queue,
        logger: silentLogger,
        retry: { attempts: extra.attempts ?? 3, minDelayMs: 50, maxDelayMs: 200, factor: 2 },
      });
      closers.push(() => receiver.close({ timeoutMs: 1_000 }).then(() => {}));
      return receiver;
    };

    const work = async (receiver: Receiver<any, any, any>) => {
      const worker = await harness.startWorker(receiver);
      closers.push(() => worker.close());
      return worker;
    };

    const order = (id: string | number, webhookId = `wh-${id}`) =>
      genstoreDelivery({ topic: 'orders/create', payload: { id, note: 'ünïcode' }, secret: SECRET, webhookId });

    it('answers 200 only once the job is in the queue', async () => {
      const receiver = receiverOn(harness.queue);
      receiver.on('orders/create', () => {});
      const res = await receiver.handle(order('a-1'));
      expect(res.status).toBe(200);
      expect(await harness.pending()).toBe(1);
    });

    it('a worker runs the handler once, with the event as it was received', async () => {
      const receiver = receiverOn(harness.queue);
      const seen: WebhookEvent<string, any, any>[] = [];
      receiver.on('orders/create', (event) => {
        seen.push(event);
      });
      await receiver.handle(order('a-2'));
      await work(receiver);
      await until(() => seen.length === 1, 'the handler');
      await sleep(200);
      expect(seen).toHaveLength(1);
      const [event] = seen;
      expect(event?.payload).toEqual({ id: 'a-2', note: 'ünïcode' });
      expect(event?.name).toBe('orders/create');
      expect(event?.receivedAt).toBeInstanceOf(Date);
      expect(event?.meta).toMatchObject({ webhookId: 'wh-a-2' });
    });

    it('one job per dedupe key: a copy that slips past the dedupe store makes no second job', async () => {
      // Two receivers with stores of their own: the second one cannot know the first took the delivery.
      const first = receiverOn(harness.queue);
      const second = receiverOn(harness.queue);
      let calls = 0;
      for (const r of [first, second]) r.on('orders/create', () => void calls++);
      expect((await first.handle(order('a-3'))).status).toBe(200);
      expect((await second.handle(order('a-3'))).status).toBe(200);
      expect(await harness.pending()).toBe(1);
      await work(first);
      await until(() => calls === 1, 'the handler');
      await sleep(300);
      expect(calls).toBe(1);
    });

    it('retries a failing handler with the receiver policy and the attempt in its context, then keeps it', async () => {
      const receiver = receiverOn(harness.queue, { attempts: 3 });
      const attempts: number[] = [];
      receiver.on('orders/create', (_event, context) => {
        attempts.push(context.attempt);
        throw new Error(`downstream is down (${context.attempt})`);
      });
      await receiver.handle(order('a-4'));
      await work(receiver);
      await until(async () => (await harness.deadLetters()).length === 1, 'the dead letter');
      expect(attempts).toEqual([1, 2, 3]);
      const [letter] = await harness.deadLetters();
      expect(letter).toMatchObject({ kind: 'failed', name: 'orders/create' });
      expect(letter?.reason).toContain('downstream is down (3)');
      expect(letter?.event).toMatchObject({ name: 'orders/create', payload: { id: 'a-4' } });
    });

    it('only the handler that failed runs again; retried after the fix, the letter is handled and stays done', async () => {
      const receiver = receiverOn(harness.queue, { attempts: 2 });
      let down = true;
      let flaky = 0;
      let fine = 0;
      receiver
        .on('orders/create', () => {
          flaky++;
          if (down) throw new Error('down');
        })
        .on('orders/*', () => void fine++);
      await receiver.handle(order('a-5'));
      await work(receiver);
      await until(async () => (await harness.deadLetters()).length === 1, 'the dead letter');
      expect([flaky, fine]).toEqual([2, 1]);
      down = false;
      const [letter] = await harness.deadLetters();
      await harness.retry(letter as DeadLetter);
      await until(() => flaky === 3, 'the retried handler');
      await until(async () => (await harness.deadLetters()).length === 0, 'the letter to go');
      await sleep(300);
      expect([flaky, fine]).toEqual([3, 1]);
    });

    it('a parked delivery is kept with its raw delivery; retried after the schema is fixed, it is handled once', async () => {
      const strict = receiverOn(harness.queue, { strict: true });
      strict.on('orders/create', () => {
        throw new Error('never called: the payload is parked');
      });
      const res = await strict.handle(order(820982911946154));
      expect(JSON.parse(res.body)).toEqual({ ok: true, parked: true });
      await until(async () => (await harness.deadLetters()).length === 1, 'the parked letter');
      const [letter] = await harness.deadLetters();
      expect(letter).toMatchObject({ kind: 'parked', name: 'orders/create' });
      expect(letter?.reason).toContain('id must be a string');
      expect(letter?.delivery?.headers['x-genstore-webhook-id']).toBe('wh-820982911946154');
      // The fix: a receiver without the strict schema runs the worker.
      const fixed = receiverOn(harness.queue);
      const seen: unknown[] = [];
      fixed.on('orders/create', (event) => {
        seen.push(event.payload);
      });
      await work(fixed);
      await harness.retry(letter as DeadLetter);
      await until(() => seen.length === 1, 'the replayed handler');
      await until(async () => (await harness.deadLetters()).length === 0, 'the letter to go');
      expect(seen).toEqual([{ id: 820982911946154, note: 'ünïcode' }]);
    });

    it('a queue that cannot take the job: 503 queue_unavailable with Retry-After, and the resend goes through', async () => {
      const store = createMemoryStore();
      const down = receiverOn(await harness.unavailable(), { store });
      down.on('orders/create', () => {});
      const refused = await down.handle(order('a-7'));
      expect(refused.status).toBe(503);
      expect(refused.headers['retry-after']).toBeDefined();
      expect(JSON.parse(refused.body).error.code).toBe('queue_unavailable');
      // The claim was released: with the same dedupe store, the resend goes through to a working queue.
      const up = receiverOn(harness.queue, { store });
      up.on('orders/create', () => {});
      expect((await up.handle(order('a-7'))).status).toBe(200);
      expect(await harness.pending()).toBe(1);
    });

    it("a worker's close() waits for the job it is running", async () => {
      const receiver = receiverOn(harness.queue);
      let finished = false;
      let started = false;
      receiver.on('orders/create', async () => {
        started = true;
        await sleep(500);
        finished = true;
      });
      await receiver.handle(order('a-8'));
      const worker = await harness.startWorker(receiver);
      await until(() => started, 'the handler to start');
      await worker.close();
      expect(finished).toBe(true);
    });
  });
}
