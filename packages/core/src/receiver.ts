import { Answerer } from './answer.js';
import { BackgroundRuns } from './background.js';
import { Claims } from './claims.js';
import { DeadLetterOffice } from './dead-letter-office.js';
import { createMemoryDeadLetters, type DeadLetterSink } from './dead-letters.js';
import type { Answer } from './delivery-context.js';
import { InFlight } from './in-flight.js';
import { createMemoryStore } from './memory-store.js';
import { consoleLogger, Monitor } from './monitor.js';
import { receiverOptionsSchema } from './options.js';
import { parseOptions } from './parse-options.js';
import { Pipeline } from './pipeline.js';
import type {
  Dispatcher,
  HandleOptions,
  ProviderEvents,
  ProviderFallback,
  ProviderMeta,
  Receiver,
  ReceiverHooks,
  ReceiverOptions,
} from './receiver-types.js';
import { replay } from './replay.js';
import { toHookinboxError } from './response.js';
import { type AnyEvent, Routes } from './routes.js';
import { HandlerRunner } from './runner.js';
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
  const provider = opts.provider as Provider;
  const logger = opts.logger ?? consoleLogger;
  const monitor = new Monitor((opts.hooks ?? {}) as ReceiverHooks, logger);
  const routes = new Routes();
  const inFlight = new InFlight(monitor);
  const claims = new Claims(opts.store ?? createMemoryStore(), opts.dedupe, monitor);
  const sink = (opts.deadLetters as DeadLetterSink | undefined) ?? createMemoryDeadLetters();
  const letters = new DeadLetterOffice(sink, monitor, provider);
  const runner = new HandlerRunner(routes, opts.retry, claims, monitor, letters, inFlight.signal);
  const attempts = opts.retry.attempts;
  const answerer = new Answerer({
    ack: opts.ack,
    attempts,
    routes,
    runner,
    background: new BackgroundRuns(runner, claims, inFlight, attempts),
    claims,
    letters,
    inFlight,
    monitor,
    dispatcher: opts.dispatcher as Dispatcher | undefined,
  });
  const pipeline = new Pipeline({
    provider,
    routes,
    claims,
    inFlight,
    monitor,
    answerer,
    inFlightCopiesRetry: opts.ack.mode === 'after-handlers',
  });

  /** The pipeline never throws by design; this keeps an unexpected exception from reaching the adapter as one. */
  const receive = (delivery: DeliveryInput, handleOptions?: HandleOptions): Answer => {
    let answer: Answer;
    try {
      answer = pipeline.receive(delivery, handleOptions, logger);
    } catch (error) {
      return unexpected(error, handleOptions);
    }
    return answer instanceof Promise ? answer.catch((error: unknown) => unexpected(error, handleOptions)) : answer;
  };

  const unexpected = (error: unknown, handleOptions?: HandleOptions): WebhookResponse => {
    const log = handleOptions?.logger ?? logger;
    log.error({ err: error }, '@hookinbox/core: a delivery failed unexpectedly');
    return pipeline.refuse(toHookinboxError(error), { log });
  };

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
      monitor.received(request.method, request.url);
      const err = toHookinboxError(error);
      if (err !== error) log.error({ err: error }, '@hookinbox/core: a request failed before its delivery was read');
      return pipeline.refuse(err, { log });
    },
    process(event, processOptions = {}) {
      const { attempt = 1, retries = 'in-process' } = processOptions;
      const plan =
        retries === 'once'
          ? { attempts: attempt, from: attempt, remember: 'always' as const, deadLetter: false }
          : { attempts, remember: true };
      const run = runner
        .run(event as AnyEvent, logger, plan)
        .then((failures) => ({ ok: failures.length === 0, failures }));
      inFlight.track(run, event as AnyEvent);
      return run;
    },
    replay: (letter) => replay({ pipeline, runner, claims, letters, inFlight, attempts, logger }, letter),
    deadLetters: sink,
    ready() {
      pipeline.recheck();
      pipeline.ensureChecked();
    },
    patterns: () => routes.patterns(),
    stats: () => monitor.stats(),
    close: (closeOptions = {}) => inFlight.close(closeOptions.timeoutMs ?? 10_000),
  };
  return receiver as unknown as Receiver<ProviderEvents<P>, ProviderMeta<P>, ProviderFallback<P>>;
}
