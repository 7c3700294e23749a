import {
  backoffDelay,
  type DeadLetter,
  eventJob,
  letterJob,
  type QueueJob,
  QueueJobFailed,
  queueJobId,
  type Receiver,
  runQueueJob,
} from '@hookinbox/core';
import { describeQueue, type QueueHarness, type QueueUnderTest } from '@hookinbox/testing/queue-contract';

/**
 * The smallest queue that keeps the contract, in memory: the reference the suite is checked against, and a reading
 * aid for the BullMQ and pg-boss packages (which keep the same promises durably).
 */
class ReferenceQueue implements QueueUnderTest {
  readonly jobs = new Map<string, { job: QueueJob; attempt: number; dueAt: number }>();
  readonly failed = new Map<string, { job: QueueJob; error: string }>();

  dispatch(event: Parameters<QueueUnderTest['dispatch']>[0]): void {
    const id = queueJobId(event.id);
    if (!this.jobs.has(id)) this.jobs.set(id, { job: eventJob(event), attempt: 1, dueAt: 0 });
  }

  put(letter: DeadLetter): void {
    this.failed.set(queueJobId(letter.id, letter.kind), { job: letterJob(letter), error: letter.reason });
  }

  letters(): DeadLetter[] {
    return [...this.failed.values()].map(({ job, error }) =>
      job.kind === 'letter'
        ? job.letter
        : {
            kind: 'failed',
            id: job.event.id,
            provider: job.event.provider,
            name: job.event.name,
            reason: error,
            receivedAt: job.event.receivedAt,
            event: job.event,
          },
    );
  }

  /** A dead letter back as a waiting job: an event job runs its handlers again; a letter goes through replay. */
  retry(letter: DeadLetter): void {
    for (const [id, { job }] of this.failed) {
      const matches = job.kind === 'letter' ? job.letter.id === letter.id : job.event.id === letter.id;
      if (!matches) continue;
      this.failed.delete(id);
      this.jobs.set(id, { job, attempt: 1, dueAt: 0 });
    }
  }

  /** One pass over due jobs, each retried with the receiver's policy and kept once its attempts are spent. */
  async work(receiver: Receiver<any, any, any>): Promise<void> {
    const { attempts } = receiver.options.retry;
    for (const [id, entry] of [...this.jobs]) {
      if (entry.dueAt > Date.now()) continue;
      this.jobs.delete(id);
      try {
        await runQueueJob(receiver, entry.job, { attempt: entry.attempt });
      } catch (error) {
        if (!(error instanceof QueueJobFailed)) throw error;
        const next = entry.attempt + 1;
        if (entry.job.kind === 'event' && next <= attempts) {
          this.jobs.set(id, {
            ...entry,
            attempt: next,
            dueAt: Date.now() + backoffDelay(receiver.options.retry, entry.attempt),
          });
        } else this.failed.set(id, { job: entry.job, error: error.message });
      }
    }
  }
}

describeQueue('in-memory reference', async () => {
  const queue = new ReferenceQueue();
  const harness: QueueHarness = {
    queue,
    async startWorker(receiver) {
      let stopped = false;
      let running = Promise.resolve();
      const loop = async () => {
        while (!stopped) {
          running = queue.work(receiver);
          await running;
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      };
      void loop();
      return {
        async close() {
          stopped = true;
          await running;
        },
      };
    },
    pending: async () => queue.jobs.size,
    deadLetters: async () => queue.letters(),
    retry: async (letter) => queue.retry(letter),
    unavailable: async () => ({
      dispatch: () => Promise.reject(new Error('the queue server is gone')),
      put: () => Promise.reject(new Error('the queue server is gone')),
    }),
  };
  return harness;
});
