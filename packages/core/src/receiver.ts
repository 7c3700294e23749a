import { assemble, type ReceiverParts } from './assemble.js';
import type { Answer } from './delivery-context.js';
import { receiverOptionsSchema } from './options.js';
import { parseOptions } from './parse-options.js';
import type {
  HandleOptions,
  ProviderEvents,
  ProviderFallback,
  ProviderMeta,
  Receiver,
  ReceiverOptions,
} from './receiver-types.js';
import { replay } from './replay.js';
import { toHookinboxError } from './response.js';
import type { AnyEvent } from './routes.js';
import type { DeliveryInput, Provider, WebhookResponse } from './types.js';

/**
 * Build a receiver for one provider.
 *
 * @example
 * const receiver = createReceiver({ provider: genstore({ secret: process.env.GENSTORE_CLIENT_SECRET! }) });
 * receiver.on('orders/create', async (event) => saveOrder(event.payload));
 */
export function createReceiver<P extends Provider<any, any, any>>(
  options: ReceiverOptions<P>,
): Receiver<ProviderEvents<P>, ProviderMeta<P>, ProviderFallback<P>> {
  const opts = parseOptions(receiverOptionsSchema, options, '@hookinbox/core: createReceiver');
  const parts = assemble(opts);
  const { provider, logger, monitor, routes, inFlight, runner, pipeline, attempts } = parts;
  const receive = receiveWith(parts);
  const receiver: Receiver = {
    provider: provider.name,
    options: opts,
    on(pattern: string, handler: any, registerOptions?: { where?: (event: any) => boolean }) {
      routes.add(pattern, handler, registerOptions?.where);
      pipeline.recheck();
      return this;
    },
    receive,
    handle(delivery, handleOptions) {
      const answer = receive(delivery, handleOptions);
      return answer instanceof Promise ? answer : Promise.resolve(answer);
    },
    refuse(error, request, handleOptions) {
      const log = handleOptions?.logger ?? logger;
      const started = performance.now();
      monitor.received(request.method, request.url);
      const err = toHookinboxError(error);
      if (err !== error) log.error({ err: error }, '@hookinbox/core: a request failed before its delivery was read');
      const response = pipeline.refuse(err, { log });
      if (monitor.observers.active) {
        const { method, url } = request;
        const observed = monitor.observers.delivery({ provider: provider.name, method, url });
        const durationMs = performance.now() - started;
        observed?.end({ status: response.status, outcome: 'refused', event: undefined, durationMs });
      }
      return response;
    },
    process(event, processOptions = {}) {
      const { attempt = 1, retries = 'in-process', trace } = processOptions;
      const plan =
        retries === 'once'
          ? { attempts: attempt, from: attempt, remember: 'always' as const, deadLetter: false, trace }
          : { attempts, remember: true, trace };
      const run = runner
        .run(event as AnyEvent, logger, plan)
        .then((failures) => ({ ok: failures.length === 0, failures }));
      inFlight.track(run, event as AnyEvent);
      return run;
    },
    replay: (letter) => replay(parts, letter),
    deadLetters: parts.sink,
    ready() {
      pipeline.recheck();
      pipeline.ensureChecked();
    },
    patterns: () => routes.patterns(),
    observe: (observer) => monitor.observers.add(observer),
    stats: () => monitor.stats(),
    close: (closeOptions = {}) => inFlight.close(closeOptions.timeoutMs ?? 10_000),
  };
  return receiver as unknown as Receiver<ProviderEvents<P>, ProviderMeta<P>, ProviderFallback<P>>;
}

/** `receive()`: the pipeline never throws by design; this keeps an unexpected exception from reaching an adapter. */
function receiveWith({ pipeline, logger }: ReceiverParts) {
  const unexpected = (error: unknown, handleOptions?: HandleOptions): WebhookResponse => {
    const log = handleOptions?.logger ?? logger;
    log.error({ err: error }, '@hookinbox/core: a delivery failed unexpectedly');
    return pipeline.refuse(toHookinboxError(error), { log });
  };
  return (delivery: DeliveryInput, handleOptions?: HandleOptions): Answer => {
    let answer: Answer;
    try {
      answer = pipeline.receive(delivery, handleOptions, logger);
    } catch (error) {
      return unexpected(error, handleOptions);
    }
    return answer instanceof Promise ? answer.catch((error: unknown) => unexpected(error, handleOptions)) : answer;
  };
}
