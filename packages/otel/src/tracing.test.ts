import { createReceiver, eventJob, type QueueJob } from '@hookinbox/core';
import { describe, expect, it } from 'vitest';
import { captureLogger, delivery, testProvider } from '../../../test/helpers/test-provider.js';
import { createTracing } from './tracing.js';

// No SDK is registered in this file: the API's tracer is the no-op one, as in an app that does not trace.
describe('createTracing without an SDK', () => {
  it('observes nothing: no delivery or run observation, no trace context in a queued job', async () => {
    const tracing = createTracing();
    const start = { provider: 'test', method: 'POST', url: '/webhooks/test', headers: {} };
    expect(tracing.delivery?.(start)).toBeUndefined();
    const event = { provider: 'test', name: 'thing/created', id: 'd-1' };
    expect(tracing.run?.({ event, attempt: 1, delivery: undefined, trace: undefined })).toBeUndefined();

    const jobs: QueueJob[] = [];
    const receiver = createReceiver({
      provider: testProvider(),
      logger: captureLogger().logger,
      dispatcher: { dispatch: (e) => void jobs.push(eventJob(e)) },
    });
    receiver.observe(tracing);
    receiver.on('thing/created', () => {});
    expect((await receiver.handle(delivery({ id: 'd-2' }))).status).toBe(200);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).not.toHaveProperty('trace');
  });
});
