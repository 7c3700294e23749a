import type { DeadLetter } from './dead-letters.js';
import type { HookinboxError } from './errors.js';
import { Observers } from './observe.js';
import type { HandlerFailure, ReceiverHooks, ReceiverStats } from './receiver-types.js';
import type { AnyEvent } from './routes.js';
import type { Logger } from './types.js';

const noop = () => {};

/** Warnings and errors to the console, nothing else: the default logger. */
export const consoleLogger: Logger = {
  debug: noop,
  info: noop,
  warn: (obj, msg) => console.warn(msg ?? '', obj),
  error: (obj, msg) => console.error(msg ?? '', obj),
};

/** A logger that drops everything. */
export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop };

/**
 * What happens to deliveries, told once: each method counts it in {@link ReceiverStats}, calls the app's hook and
 * writes the log line, so that every stage (and both adapters) report the same thing the same way. Its observers
 * (tracing, metrics) are told where a delivery and a run of handlers start and end.
 */
export class Monitor {
  readonly observers = new Observers();

  readonly counts: ReceiverStats = {
    received: 0,
    rejected: {},
    duplicates: 0,
    invalid: 0,
    acknowledged: 0,
    handled: 0,
    failed: 0,
    deadLettered: 0,
    parked: 0,
    inFlight: 0,
    ackLatencyMs: { count: 0, total: 0, max: 0 },
  };

  constructor(
    private readonly hooks: ReceiverHooks,
    readonly logger: Logger,
  ) {}

  /** A copy of the counters. */
  stats(): ReceiverStats {
    const c = this.counts;
    return { ...c, rejected: { ...c.rejected }, ackLatencyMs: { ...c.ackLatencyMs } };
  }

  received(method: string, url: string): void {
    this.counts.received++;
    if (this.hooks.onReceived) this.call('onReceived', { method, url });
  }

  rejected(error: HookinboxError, log: Logger): void {
    const { rejected } = this.counts;
    rejected[error.code] = (rejected[error.code] ?? 0) + 1;
    this.call('onRejected', { code: error.code, status: error.status, message: error.message });
    log[error.status >= 500 ? 'error' : 'warn']({ code: error.code, status: error.status }, error.message);
  }

  duplicate(name: string, id: string, state: 'done' | 'in-flight', log: Logger): void {
    this.counts.duplicates++;
    this.call('onDuplicate', { name, id, state });
    log.debug({ event: name, id, state }, '@hookinbox/core: duplicate delivery');
  }

  invalid(event: AnyEvent, error: unknown, log: Logger): void {
    this.counts.invalid++;
    log.warn({ event: event.name, id: event.id }, `@hookinbox/core: ${event.name} payload failed its schema`);
    this.call('onInvalid', { event, error });
  }

  acknowledged(name: string, id: string, status: number, started: number): void {
    const latencyMs = performance.now() - started;
    const { counts } = this;
    counts.acknowledged++;
    const l = counts.ackLatencyMs;
    l.count++;
    l.total += latencyMs;
    if (latencyMs > l.max) l.max = latencyMs;
    if (this.hooks.onAcknowledged) this.call('onAcknowledged', { name, id, status, latencyMs });
  }

  handled(event: AnyEvent, started: number): void {
    this.counts.handled++;
    if (this.hooks.onHandled) this.call('onHandled', { event, durationMs: performance.now() - started });
  }

  failed(event: AnyEvent, failure: HandlerFailure, willRetry: boolean, log: Logger): void {
    this.counts.failed++;
    const { pattern, attempt, error } = failure;
    this.call('onFailed', { event, pattern, attempt, error, willRetry });
    log.warn(
      { err: error, event: event.name, id: event.id, pattern, attempt, willRetry },
      `@hookinbox/core: handler for ${event.name} failed`,
    );
  }

  deadLettered(event: AnyEvent, failures: HandlerFailure[], log: Logger): void {
    this.counts.deadLettered++;
    log.error(
      { event: event.name, id: event.id, failures: failures.map((f) => ({ pattern: f.pattern, attempt: f.attempt })) },
      `@hookinbox/core: ${event.name} ${event.id} dead-lettered after its handlers kept failing`,
    );
    this.call('onDeadLetter', { event, failures });
  }

  parked(letter: DeadLetter, log: Logger): void {
    this.counts.parked++;
    log.warn(
      { event: letter.name, id: letter.id, reason: letter.reason },
      `@hookinbox/core: ${letter.name || 'a delivery'} ${letter.id} parked: ${letter.reason}`,
    );
  }

  storeError(error: unknown, policy: 'fail-closed' | 'fail-open', operation: string): void {
    this.call('onStoreError', { error, policy, operation });
  }

  inFlight(size: number): void {
    this.counts.inFlight = size;
  }

  /** Call an app's hook; an exception it throws is logged, never passed on. */
  private call<K extends keyof ReceiverHooks>(name: K, info: Parameters<NonNullable<ReceiverHooks[K]>>[0]): void {
    const hook = this.hooks[name] as ((arg: unknown) => void) | undefined;
    if (!hook) return;
    try {
      hook(info);
    } catch (error) {
      this.logger.error({ err: error, hook: name }, `@hookinbox/core: the ${name} hook threw`);
    }
  }
}
