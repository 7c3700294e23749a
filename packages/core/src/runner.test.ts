import { describe, expect, it, vi } from 'vitest';
import { captureLogger, delivery, sleep, testProvider } from '../../../test/helpers/test-provider.js';
import { createReceiver } from './receiver.js';

// The handler runner (runner.ts), tried through a receiver by the handler set and filter that reach each path.

const settle = async (receiver: { stats(): { inFlight: number } }) => {
  for (let i = 0; i < 200 && receiver.stats().inFlight > 0; i++) await sleep(5);
};
const make = (hooks: Record<string, unknown>) =>
  createReceiver({
    provider: testProvider(),
    logger: captureLogger().logger,
    retry: { attempts: 3, minDelayMs: 1, maxDelayMs: 1 },
    hooks,
  });

describe('runner: a where filter that throws', () => {
  for (const handlers of [1, 2]) {
    it(`with ${handlers} handler(s): counts as that handler's failure at attempt 1, not retried, dead-lettered`, async () => {
      const onFailed = vi.fn();
      const onDeadLetter = vi.fn();
      const r = make({ onFailed, onDeadLetter });
      const handler = vi.fn();
      const boom = new Error('filter broke');
      r.on('thing/created', handler, {
        where: () => {
          throw boom;
        },
      });
      const other = vi.fn();
      if (handlers === 2) r.on('thing/*', other);
      expect((await r.handle(delivery({ id: `where-${handlers}` }))).status).toBe(200);
      await settle(r);
      expect(handler).not.toHaveBeenCalled();
      expect(other).toHaveBeenCalledTimes(handlers === 2 ? 1 : 0);
      expect(onFailed).toHaveBeenCalledTimes(1);
      expect(onFailed.mock.calls[0]?.[0]).toMatchObject({ pattern: 'thing/created', attempt: 1, error: boom });
      expect(onDeadLetter).toHaveBeenCalledTimes(1);
      expect(onDeadLetter.mock.calls[0]?.[0].failures).toMatchObject([{ attempt: 1, error: boom }]);
    });
  }
});
