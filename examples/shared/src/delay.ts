import type { HandlerContext } from '@hookinbox/core';

/**
 * Wrap a handler so it first waits `ms` (`DEMO_HANDLER_DELAY_MS`): it makes a delivery slow enough to watch a
 * shutdown drain it. The wait ends early, with an error, when the receiver's close timeout aborts the handler.
 */
export function withDelay<E extends { name: string }>(
  ms: number,
  handler: (event: E, context: HandlerContext) => Promise<void>,
): (event: E, context: HandlerContext) => Promise<void> {
  if (ms <= 0) return handler;
  return async (event, context) => {
    context.logger.info({ ms }, `${event.name}: handler started; waiting DEMO_HANDLER_DELAY_MS first`);
    await sleep(ms, context.signal);
    await handler(event, context);
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
