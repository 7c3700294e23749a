import { Answerer } from './answer.js';
import { BackgroundRuns } from './background.js';
import { Claims } from './claims.js';
import { DeadLetterOffice } from './dead-letter-office.js';
import { createMemoryDeadLetters, type DeadLetterSink } from './dead-letters.js';
import { InFlight } from './in-flight.js';
import { createMemoryStore } from './memory-store.js';
import { consoleLogger, Monitor } from './monitor.js';
import type { ParsedReceiverOptions } from './options.js';
import { Pipeline } from './pipeline.js';
import type { Dispatcher, ReceiverHooks } from './receiver-types.js';
import { Routes } from './routes.js';
import { HandlerRunner } from './runner.js';
import type { Logger, Provider } from './types.js';

/** Every part of one receiver, built once from its parsed options and wired together. */
export interface ReceiverParts {
  provider: Provider;
  logger: Logger;
  monitor: Monitor;
  routes: Routes;
  inFlight: InFlight;
  claims: Claims;
  sink: DeadLetterSink;
  letters: DeadLetterOffice;
  runner: HandlerRunner;
  pipeline: Pipeline;
  /** `retry.attempts`: calls of a failing handler in all. */
  attempts: number;
}

export function assemble(opts: ParsedReceiverOptions): ReceiverParts {
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
  const background = new BackgroundRuns(runner, claims, inFlight, attempts);
  const dispatcher = opts.dispatcher as Dispatcher | undefined;
  const answerer = new Answerer({
    ack: opts.ack,
    ...{ attempts, routes, runner, background, claims, letters, inFlight, monitor, dispatcher },
  });
  const pipeline = new Pipeline({
    ...{ provider, routes, claims, inFlight, monitor, answerer },
    // With a dispatcher, the first copy's 200 waits for the queue, which may refuse it (or its process may die before
    // its claim is released): a copy acknowledged meanwhile would be lost. It is told to come back instead.
    inFlightCopiesRetry: opts.ack.mode === 'after-handlers' || dispatcher !== undefined,
  });
  return { provider, logger, monitor, routes, inFlight, claims, sink, letters, runner, pipeline, attempts };
}
