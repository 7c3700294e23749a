import { HookinboxError } from './errors.js';
import { compilePattern, type EventFor } from './match.js';
import { type ParsedReceiverOptions, receiverOptionsSchema } from './options.js';
import { type ClaimResult, createMemoryStore, type DedupeStore, syncOpsOf } from './store.js';
import type {
  EventMap,
  Handler,
  HandlerContext,
  Logger,
  Provider,
  RawDelivery,
  WebhookEvent,
  WebhookResponse,
} from './types.js';

type AnyEvent = WebhookEvent<string, unknown, any>;
type Verified = Awaited<ReturnType<Provider['verify']>>;

/** One failed call of one handler. */
export interface HandlerFailure {
  /** The pattern the handler was registered for. */
  pattern: string;
  /** Which handler: its registration order and pattern (`"2:orders/*"`), unique even when patterns repeat. */
  handlerId: string;
  attempt: number;
  error: unknown;
}

/** Lifecycle hooks. Each is called synchronously; an exception thrown by a hook is logged and ignored. */
export interface ReceiverHooks<TEvent extends AnyEvent = AnyEvent> {
  onReceived?(info: { method: string; url: string }): void;
  onRejected?(info: { code: string; status: number; message: string }): void;
  onDuplicate?(info: { name: string; id: string; state: 'done' | 'in-flight' }): void;
  /**
   * An authentic delivery whose payload failed its schema. It is acknowledged with 200 (a 4xx would make the provider
   * resend the same bytes until it gives up) and handed here instead of to the handlers.
   */
  onInvalid?(info: { event: WebhookEvent<string, unknown, TEvent['meta']>; error: unknown }): void;
  onAcknowledged?(info: { name: string; id: string; status: number; latencyMs: number }): void;
  onHandled?(info: { event: TEvent; durationMs: number }): void;
  onFailed?(info: { event: TEvent; pattern: string; attempt: number; error: unknown; willRetry: boolean }): void;
  /** Every handler that still failed after its last attempt, with every error. Nothing is dropped silently. */
  onDeadLetter?(info: { event: TEvent; failures: HandlerFailure[] }): void;
  /** The dedupe store failed; `policy` says what the receiver did about it. */
  onStoreError?(info: { error: unknown; policy: 'fail-closed' | 'fail-open'; operation: string }): void;
}

/**
 * Replaces in-process dispatch, e.g. with a durable queue. The receiver awaits `dispatch(event)`, marks the delivery
 * done and answers 200; the app's worker later calls `receiver.process(event)` to run the handlers.
 */
export interface Dispatcher<TEvent extends AnyEvent = AnyEvent> {
  dispatch(event: TEvent): void | Promise<void>;
}

export interface ReceiverOptions<P extends Provider<any, any, any> = Provider> {
  /** The platform: `genstore({ secret })`, `geins({ ... })`, or your own {@link Provider}. */
  provider: P;
  /** Dedupe store. Default: {@link createMemoryStore} (one instance only). */
  store?: DedupeStore;
  /**
   * When to answer. `immediate` (default): 200 once the delivery is authenticated, parsed and claimed, before any
   * handler runs. `after-handlers`: wait for the handlers up to `timeoutMs`.
   */
  ack?: { mode: 'immediate' } | { mode: 'after-handlers'; timeoutMs?: number; timeoutStatus?: 200 | 202 };
  limits?: { bodyBytes?: number; bodyTimeoutMs?: number };
  dedupe?: {
    leaseMs?: number;
    ttlMs?: number;
    onStoreError?: 'fail-closed' | 'fail-open';
    retryAfterSeconds?: number;
  };
  /** In-process retries of a failing handler after the acknowledgement. */
  retry?: { attempts?: number; minDelayMs?: number; maxDelayMs?: number; factor?: number };
  logger?: Logger;
  hooks?: ReceiverHooks<ProviderEvent<P>>;
  dispatcher?: Dispatcher<ProviderEvent<P>>;
}

export type ProviderEvents<P> = P extends Provider<infer E, any> ? E : EventMap;
export type ProviderMeta<P> = P extends Provider<any, infer M> ? M : Record<string, unknown>;
export type ProviderFallback<P> = P extends Provider<any, any, infer F> ? F : unknown;
export type ProviderEvent<P> = WebhookEvent<string, unknown, ProviderMeta<P>>;

export interface HandleOptions {
  /** Logger for this delivery (the Fastify adapter passes `request.log`). */
  logger?: Logger;
  /**
   * The header names are lower-case already, as in Node's `req.headers`: the receiver skips lower-casing them. Leave
   * it unset for headers built by hand or taken from another runtime.
   */
  lowerCaseHeaders?: boolean;
}

export interface RegisterOptions<E> {
  /** Only events for which this returns true reach the handler (e.g. a Geins sub-entity). */
  where?: (event: E) => boolean;
}

export interface ReceiverStats {
  received: number;
  rejected: Record<string, number>;
  duplicates: number;
  invalid: number;
  acknowledged: number;
  handled: number;
  failed: number;
  deadLettered: number;
  /** Deliveries whose handlers are running or waiting for a retry. */
  inFlight: number;
  ackLatencyMs: { count: number; total: number; max: number };
}

export interface CloseResult {
  /** True when every in-flight delivery finished within the timeout. */
  drained: boolean;
  /** Deliveries still running when the timeout passed. */
  pending: { name: string; id: string }[];
}

export interface Receiver<E extends EventMap = EventMap, TMeta = Record<string, unknown>, TFallback = unknown> {
  /** The provider's name. */
  readonly provider: string;
  /**
   * Register a handler for a routing name or a pattern (`orders/*`, `Order.*`, `*.delete`, `*`). Every matching
   * handler runs; one failing does not stop the others.
   */
  on<P extends (keyof E & string) | (string & {})>(
    pattern: P,
    handler: Handler<EventFor<E, TMeta, P, TFallback>>,
    options?: RegisterOptions<EventFor<E, TMeta, P, TFallback>>,
  ): this;
  /** Handle one delivery; resolves to the response to send. Handlers are scheduled, not awaited (by default). */
  handle(delivery: RawDelivery, options?: HandleOptions): Promise<WebhookResponse>;
  /** Run the handlers for an event with retries and dead-lettering (what a custom {@link Dispatcher}'s worker calls). */
  process(event: WebhookEvent<string, unknown, TMeta>): Promise<{ ok: boolean; failures: HandlerFailure[] }>;
  /** Check the handler set against the provider's requirements now; throws with what is missing. */
  ready(): void;
  /** Every pattern that has a handler, in registration order. */
  patterns(): string[];
  /** Counters since the receiver was built. */
  stats(): ReceiverStats;
  /** Stop taking deliveries (503 `closing`), wait up to `timeoutMs` for in-flight handlers, report the rest. */
  close(options?: { timeoutMs?: number }): Promise<CloseResult>;
  /** Resolved options, e.g. `limits.bodyBytes` for adapters. */
  readonly options: Readonly<ParsedReceiverOptions>;
}

interface Registration {
  /** Registration order and pattern: the same in every instance that registers the same handlers. */
  id: string;
  pattern: string;
  matches: (name: string) => boolean;
  handler: Handler<AnyEvent>;
  where: ((event: AnyEvent) => boolean) | undefined;
}

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8' } as const;
const OK_BODY = '{"ok":true}';
const DUPLICATE_BODY = '{"ok":true,"duplicate":true}';
const ACCEPTED_BODY = '{"ok":true,"pending":true}';

const noop = () => {};
const NONE: HandlerFailure[] = [];
const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop };
/** Default logger: warnings and errors to the console, nothing else. */
const consoleLogger: Logger = {
  debug: noop,
  info: noop,
  warn: (obj, msg) => console.warn(msg ?? '', obj),
  error: (obj, msg) => console.error(msg ?? '', obj),
};

export { silentLogger };

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
  const parsed = receiverOptionsSchema.safeParse(options);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join('.') || 'options'}: ${i.message}`).join('; ');
    throw new TypeError(`@hookinbox/core: invalid receiver options: ${detail}`);
  }
  const opts = parsed.data;
  const provider = opts.provider as Provider;
  const store: DedupeStore = opts.store ?? createMemoryStore();
  // A store that answers synchronously (the memory store) spares each delivery its promises.
  const syncStore = syncOpsOf(store);
  const logger: Logger = opts.logger ?? consoleLogger;
  const hooks = (opts.hooks ?? {}) as ReceiverHooks;
  const dispatcher = opts.dispatcher as Dispatcher | undefined;
  const { leaseMs, ttlMs, onStoreError, retryAfterSeconds } = opts.dedupe;
  const ack = opts.ack;

  const registrations: Registration[] = [];
  // name → handlers, so a pattern is matched once per name, not once per request.
  const routeCache = new Map<string, Registration[]>();
  /** Background work close() waits for: a task's promise, or the event of a delivery whose handlers run. */
  const inFlight = new Map<object, AnyEvent>();
  let idle: { promise: Promise<void>; resolve: () => void } | undefined;
  /** Deliveries acknowledged but not started yet: [event, token, logger, …], started together on the next turn. */
  let queue: unknown[] = [];
  const closeController = new AbortController();
  let closing = false;
  let checked = false;

  const stats: ReceiverStats = {
    received: 0,
    rejected: {},
    duplicates: 0,
    invalid: 0,
    acknowledged: 0,
    handled: 0,
    failed: 0,
    deadLettered: 0,
    inFlight: 0,
    ackLatencyMs: { count: 0, total: 0, max: 0 },
  };

  const callHook = <K extends keyof ReceiverHooks>(name: K, info: Parameters<NonNullable<ReceiverHooks[K]>>[0]) => {
    const hook = hooks[name] as ((arg: unknown) => void) | undefined;
    if (!hook) return;
    try {
      hook(info);
    } catch (error) {
      logger.error({ err: error, hook: name }, `@hookinbox/core: the ${name} hook threw`);
    }
  };

  const routes = (name: string): Registration[] => {
    let found = routeCache.get(name);
    if (!found) {
      found = registrations.filter((r) => r.matches(name));
      if (routeCache.size > 10_000) routeCache.clear(); // names are open-ended: keep the cache bounded
      routeCache.set(name, found);
    }
    return found;
  };

  const ensureChecked = () => {
    if (checked) return;
    provider.checkHandlers?.(registrations.map((r) => r.pattern));
    checked = true;
  };

  const respond = (status: number, body: string, headers?: Record<string, string>): WebhookResponse => ({
    status,
    // A literal, not a spread, on the path every acknowledgement takes; each response still gets its own object.
    headers: headers ? { ...JSON_HEADERS, ...headers } : { 'content-type': JSON_HEADERS['content-type'] },
    body,
  });

  const reject = (error: HookinboxError, log: Logger): WebhookResponse => {
    stats.rejected[error.code] = (stats.rejected[error.code] ?? 0) + 1;
    callHook('onRejected', { code: error.code, status: error.status, message: error.message });
    const level = error.status >= 500 ? 'error' : 'warn';
    log[level]({ code: error.code, status: error.status }, error.message);
    return respond(error.status, JSON.stringify(error.toJSON()), error.headers);
  };

  const storeUnavailable = (cause: unknown) =>
    new HookinboxError('store_unavailable', '@hookinbox/core: the dedupe store is unavailable; retry later', {
      headers: { 'retry-after': String(retryAfterSeconds) },
      cause,
    });

  const acknowledged = (name: string, id: string, status: number, started: number) => {
    const latencyMs = performance.now() - started;
    stats.acknowledged++;
    const l = stats.ackLatencyMs;
    l.count++;
    l.total += latencyMs;
    if (latencyMs > l.max) l.max = latencyMs;
    if (hooks.onAcknowledged) callHook('onAcknowledged', { name, id, status, latencyMs });
  };

  /** Count, report and log a failed call; the delay before the next attempt, or -1 when it was the last. */
  const failed = (
    reg: Registration,
    event: AnyEvent,
    log: Logger,
    attempt: number,
    attempts: number,
    error: unknown,
    failures: HandlerFailure[],
  ): number => {
    stats.failed++;
    const willRetry = attempt < attempts;
    failures.push({ pattern: reg.pattern, handlerId: reg.id, attempt, error });
    callHook('onFailed', { event, pattern: reg.pattern, attempt, error, willRetry });
    log.warn(
      { err: error, event: event.name, id: event.id, pattern: reg.pattern, attempt, willRetry },
      `@hookinbox/core: handler for ${event.name} failed`,
    );
    if (!willRetry) return -1;
    const { minDelayMs, maxDelayMs, factor } = opts.retry;
    return Math.min(maxDelayMs, minDelayMs * factor ** (attempt - 1));
  };

  /**
   * Run one handler up to `attempts` times, from attempt `from` (a caller that already made the first call passes
   * its failures); resolve with every failure (empty once a call succeeds).
   */
  const runHandler = async (
    reg: Registration,
    event: AnyEvent,
    log: Logger,
    attempts: number,
    from = 1,
    failures: HandlerFailure[] = [],
  ): Promise<HandlerFailure[]> => {
    for (let attempt = from; attempt <= attempts; attempt++) {
      const context: HandlerContext = { attempt, signal: closeController.signal, logger: log };
      try {
        if (reg.where && !reg.where(event)) return NONE;
        await reg.handler(event, context);
        return NONE;
      } catch (error) {
        const delay = failed(reg, event, log, attempt, attempts, error, failures);
        if (delay >= 0) await sleep(delay, closeController.signal);
      }
    }
    return failures;
  };

  /** Run every matching handler once or with retries; resolve with the handlers that still failed. */
  const runAll = async (
    event: AnyEvent,
    log: Logger,
    attempts: number,
    remember = false,
  ): Promise<HandlerFailure[]> => {
    const regs = routes(event.name);
    const started = performance.now();
    let failures: HandlerFailure[];
    if (regs.length === 1) {
      failures = await runHandler(regs[0] as Registration, event, log, attempts);
    } else if (remember) {
      failures = (await Promise.all(regs.map((r) => runRemembered(r, event, log)))).flat();
    } else {
      failures = (await Promise.all(regs.map((r) => runHandler(r, event, log, attempts)))).flat();
    }
    if (failures.length === 0) handled(event, started);
    return failures;
  };

  const handled = (event: AnyEvent, started: number) => {
    stats.handled++;
    if (hooks.onHandled) callHook('onHandled', { event, durationMs: performance.now() - started });
  };

  /**
   * One call of one of several handlers, remembered under a key of its own (after-handlers mode). When another
   * handler fails, the claim is released and the provider retries: the handlers that already succeeded are then
   * skipped, so a retry never runs a handler twice. If the store fails here the handler runs anyway, as before.
   */
  const runRemembered = async (reg: Registration, event: AnyEvent, log: Logger): Promise<HandlerFailure[]> => {
    const key = `${event.id}\u0000${reg.id}`;
    let subToken: string | undefined;
    try {
      const claim = await store.claim(key, leaseMs);
      if (claim.status === 'done') return NONE;
      if (claim.status === 'claimed') subToken = claim.token;
    } catch (error) {
      callHook('onStoreError', { error, policy: onStoreError, operation: 'claim' });
    }
    const failures = await runHandler(reg, event, log, 1);
    if (failures.length === 0) await commit(key, subToken, log);
    else await release(key, subToken, log);
    return failures;
  };

  const deadLetter = (event: AnyEvent, failures: HandlerFailure[], log: Logger) => {
    stats.deadLettered++;
    log.error(
      { event: event.name, id: event.id, failures: failures.map((f) => ({ pattern: f.pattern, attempt: f.attempt })) },
      `@hookinbox/core: ${event.name} ${event.id} dead-lettered after its handlers kept failing`,
    );
    callHook('onDeadLetter', { event, failures });
  };

  /** Mark a delivery done; a synchronous store finishes before this returns (and returns nothing to wait for). */
  const commit = (key: string, token: string | undefined, log: Logger): void | Promise<void> => {
    if (token === undefined) return;
    try {
      if (syncStore) {
        committed(syncStore.commit(key, token, ttlMs), key, log);
        return;
      }
      return store.commit(key, token, ttlMs).then(
        (ok) => committed(ok, key, log),
        (error: unknown) => commitFailed(error, key, log),
      );
    } catch (error) {
      commitFailed(error, key, log);
    }
  };

  const committed = (ok: boolean, key: string, log: Logger) => {
    if (!ok) log.warn({ id: key }, '@hookinbox/core: the claim had expired before commit; raise dedupe.leaseMs');
  };

  const commitFailed = (error: unknown, key: string, log: Logger) => {
    callHook('onStoreError', { error, policy: onStoreError, operation: 'commit' });
    log.error({ err: error, id: key }, '@hookinbox/core: could not mark the delivery done in the store');
  };

  const release = async (key: string, token: string | undefined, log: Logger) => {
    if (token === undefined) return;
    try {
      await store.release(key, token);
    } catch (error) {
      callHook('onStoreError', { error, policy: onStoreError, operation: 'release' });
      log.error({ err: error, id: key }, '@hookinbox/core: could not release the claim; it ends with its lease');
    }
  };

  /** Track background work so close() can wait for it. */
  const begin = (work: object, event: AnyEvent) => {
    inFlight.set(work, event);
    stats.inFlight = inFlight.size;
  };

  const end = (work: object) => {
    inFlight.delete(work);
    stats.inFlight = inFlight.size;
    if (inFlight.size === 0 && idle) {
      idle.resolve();
      idle = undefined;
    }
  };

  /** Track a background task until it settles. */
  const track = (task: Promise<unknown>, event: AnyEvent) => {
    begin(task, event);
    // then(), not finally(): finally() builds a second promise chain to pass the outcome through.
    task.then(
      () => end(task),
      () => end(task),
    );
  };

  const whenIdle = (): Promise<void> => {
    if (inFlight.size === 0) return Promise.resolve();
    if (!idle) {
      let resolve = noop;
      const promise = new Promise<void>((r) => {
        resolve = r;
      });
      idle = { promise, resolve };
    }
    return idle.promise;
  };

  /** Schedule an acknowledged delivery's handlers: every delivery of a turn starts together on the next one. */
  const enqueue = (event: AnyEvent, token: string | undefined, log: Logger) => {
    begin(event, event);
    if (queue.length === 0) setImmediate(startQueued);
    queue.push(event, token, log);
  };

  const startQueued = () => {
    const jobs = queue;
    queue = [];
    for (let i = 0; i < jobs.length; i += 3) {
      startInBackground(jobs[i] as AnyEvent, jobs[i + 1] as string | undefined, jobs[i + 2] as Logger);
    }
  };

  /**
   * The background path: handlers with retries, dead letter, then mark done. The common case, one handler, calls it
   * directly and settles on its outcome; anything else takes the general path.
   */
  const startInBackground = (event: AnyEvent, token: string | undefined, log: Logger) => {
    const regs = routes(event.name);
    const reg = regs[0];
    if (regs.length !== 1 || reg === undefined) {
      processInBackground(event, token, log).then(
        () => end(event),
        () => end(event),
      );
      return;
    }
    const started = hooks.onHandled ? performance.now() : 0;
    let result: unknown;
    try {
      if (reg.where && !reg.where(event)) {
        finish(event, token, log, NONE, started);
        return;
      }
      result = reg.handler(event, { attempt: 1, signal: closeController.signal, logger: log });
    } catch (error) {
      retryInBackground(reg, event, token, log, error, started);
      return;
    }
    if (isThenable(result)) {
      result.then(
        () => finish(event, token, log, NONE, started),
        (error: unknown) => retryInBackground(reg, event, token, log, error, started),
      );
    } else {
      finish(event, token, log, NONE, started);
    }
  };

  /** The first call of the only handler failed: the remaining attempts, then the usual ending. */
  const retryInBackground = (
    reg: Registration,
    event: AnyEvent,
    token: string | undefined,
    log: Logger,
    error: unknown,
    started: number,
  ) => {
    const attempts = opts.retry.attempts;
    const failures: HandlerFailure[] = [];
    const delay = failed(reg, event, log, 1, attempts, error, failures);
    const rest =
      delay < 0
        ? Promise.resolve(failures)
        : sleep(delay, closeController.signal).then(() => runHandler(reg, event, log, attempts, 2, failures));
    rest.then(
      (all) => finish(event, token, log, all, started),
      () => finish(event, token, log, failures, started),
    );
  };

  const finish = (
    event: AnyEvent,
    token: string | undefined,
    log: Logger,
    failures: HandlerFailure[],
    started: number,
  ) => {
    if (failures.length === 0) handled(event, started);
    else deadLetter(event, failures, log);
    const committing = commit(event.id, token, log);
    if (committing === undefined) end(event);
    else
      committing.then(
        () => end(event),
        () => end(event),
      );
  };

  const processInBackground = async (event: AnyEvent, token: string | undefined, log: Logger) => {
    const failures = await runAll(event, log, opts.retry.attempts);
    if (failures.length > 0) deadLetter(event, failures, log);
    await commit(event.id, token, log);
  };

  /**
   * Handle one delivery. Every step that can answer at once does, so that with a synchronous store an acknowledged
   * delivery costs no promise before the one handed back; a step that has to wait continues in a `then`.
   */
  const handle = (delivery: RawDelivery, handleOptions?: HandleOptions): Promise<WebhookResponse> => {
    try {
      const response = answer(delivery, handleOptions);
      return response instanceof Promise ? response : Promise.resolve(response);
    } catch (error) {
      return Promise.reject(error);
    }
  };

  type Answer = WebhookResponse | Promise<WebhookResponse>;

  /** {@link handle} without the promise when none is needed: what {@link handleDelivery} calls. */
  const answer: Receive = (delivery, handleOptions) =>
    receive(delivery, handleOptions?.logger ?? logger, handleOptions?.lowerCaseHeaders === true);

  const receive = (delivery: RawDelivery, log: Logger, lowerCased: boolean): Answer => {
    const started = performance.now();
    stats.received++;
    if (hooks.onReceived) callHook('onReceived', { method: delivery.method, url: delivery.url });
    if (closing) {
      return reject(
        new HookinboxError('closing', '@hookinbox/core: the receiver is shutting down; retry later', {
          headers: { 'retry-after': String(retryAfterSeconds) },
        }),
        log,
      );
    }
    try {
      ensureChecked();
    } catch (error) {
      log.error({ err: error }, '@hookinbox/core: the handler set does not satisfy the provider');
      return reject(new HookinboxError('internal_error', '@hookinbox/core: the receiver is misconfigured'), log);
    }

    let result: ReturnType<Provider['verify']>;
    try {
      const headers = lowerCased ? delivery.headers : lowerCaseHeaders(delivery.headers);
      result = provider.verify(headers === delivery.headers ? delivery : { ...delivery, headers });
    } catch (error) {
      return verifyFailed(error, log);
    }
    // Most providers verify synchronously: only a promise is waited for.
    if (result instanceof Promise) {
      return result.then(
        (verified: Verified) => verifiedThen(verified, started, log),
        (error: unknown) => verifyFailed(error, log),
      );
    }
    return verifiedThen(result, started, log);
  };

  const verifyFailed = (error: unknown, log: Logger): WebhookResponse => {
    if (error instanceof HookinboxError) return reject(error, log);
    log.error({ err: error }, `@hookinbox/core: the ${provider.name} provider threw`);
    return reject(new HookinboxError('internal_error', '@hookinbox/core: the delivery could not be verified'), log);
  };

  const verifiedThen = (verified: Verified, started: number, log: Logger): Answer => {
    const { name, dedupeKey } = verified;
    let payload = verified.payload;
    let invalidError: unknown;
    const schema = provider.schemaFor?.(name);
    if (schema) {
      const result = schema.safeParse(payload);
      if (result.success) payload = result.data;
      else invalidError = result.error;
    }
    const event: AnyEvent = {
      provider: provider.name,
      name,
      id: dedupeKey,
      payload,
      meta: verified.meta,
      receivedAt: new Date(),
    };
    if (syncStore) {
      let claim: ClaimResult;
      try {
        claim = syncStore.claim(dedupeKey, leaseMs);
      } catch (error) {
        return claimFailed(error, event, invalidError, started, log);
      }
      return claimedThen(event, claim, invalidError, started, log);
    }
    try {
      return store.claim(dedupeKey, leaseMs).then(
        (claim) => claimedThen(event, claim, invalidError, started, log),
        (error: unknown) => claimFailed(error, event, invalidError, started, log),
      );
    } catch (error) {
      return claimFailed(error, event, invalidError, started, log);
    }
  };

  const claimFailed = (error: unknown, event: AnyEvent, invalidError: unknown, started: number, log: Logger) => {
    callHook('onStoreError', { error, policy: onStoreError, operation: 'claim' });
    if (onStoreError === 'fail-closed') {
      log.error({ err: error, id: event.id }, '@hookinbox/core: dedupe store failed; answering 503');
      return reject(storeUnavailable(error), log);
    }
    log.warn({ err: error, id: event.id }, '@hookinbox/core: dedupe store failed; processing without dedupe');
    return claimedThen(event, undefined, invalidError, started, log);
  };

  /** After the claim; `claim` is undefined when the store failed and the policy is fail-open. */
  const claimedThen = (
    event: AnyEvent,
    claim: ClaimResult | undefined,
    invalidError: unknown,
    started: number,
    log: Logger,
  ): Answer => {
    const { name, id } = event;
    let token: string | undefined;
    if (claim !== undefined) {
      if (claim.status !== 'claimed') {
        stats.duplicates++;
        callHook('onDuplicate', { name, id, state: claim.status });
        if (claim.status === 'in-flight' && ack.mode === 'after-handlers') {
          return reject(
            new HookinboxError('in_flight', '@hookinbox/core: a copy of this delivery is being handled; retry later', {
              headers: { 'retry-after': String(retryAfterSeconds) },
            }),
            log,
          );
        }
        log.debug({ event: name, id, state: claim.status }, '@hookinbox/core: duplicate delivery');
        acknowledged(name, id, 200, started);
        return respond(200, DUPLICATE_BODY);
      }
      token = claim.token;
    }

    if (invalidError !== undefined) {
      stats.invalid++;
      log.warn({ event: name, id }, `@hookinbox/core: ${name} payload failed its schema`);
      callHook('onInvalid', { event, error: invalidError });
      return commitThenOk(event, token, started, log);
    }
    if (dispatcher) return dispatch(dispatcher, event, token, started, log);
    if (routes(name).length === 0) {
      log.debug({ event: name, id }, `@hookinbox/core: no handler for ${name}`);
      return commitThenOk(event, token, started, log);
    }
    if (ack.mode === 'immediate') {
      enqueue(event, token, log);
      acknowledged(name, id, 200, started);
      return respond(200, OK_BODY);
    }
    return runBeforeAnswer(event, token, started, log, ack);
  };

  /** Mark the delivery done, then acknowledge it. */
  const commitThenOk = (event: AnyEvent, token: string | undefined, started: number, log: Logger): Answer => {
    const ok = () => {
      acknowledged(event.name, event.id, 200, started);
      return respond(200, OK_BODY);
    };
    const committing = commit(event.id, token, log);
    return committing === undefined ? ok() : committing.then(ok);
  };

  const dispatch = async (
    to: Dispatcher,
    event: AnyEvent,
    token: string | undefined,
    started: number,
    log: Logger,
  ): Promise<WebhookResponse> => {
    try {
      await to.dispatch(event);
    } catch (error) {
      await release(event.id, token, log);
      log.error({ err: error, id: event.id }, '@hookinbox/core: the dispatcher refused the event');
      return reject(new HookinboxError('internal_error', '@hookinbox/core: the event could not be queued'), log);
    }
    return commitThenOk(event, token, started, log);
  };

  /** after-handlers: one attempt of each handler within the deadline. */
  const runBeforeAnswer = async (
    event: AnyEvent,
    token: string | undefined,
    started: number,
    log: Logger,
    after: Extract<typeof ack, { mode: 'after-handlers' }>,
  ): Promise<WebhookResponse> => {
    const { name, id: dedupeKey } = event;
    let timedOut = false;
    const attempt = runAll(event, log, 1, true);
    const task = attempt.then(async (failures) => {
      if (!timedOut) {
        if (failures.length === 0) await commit(dedupeKey, token, log);
        else await release(dedupeKey, token, log);
        return;
      }
      // We already answered: the provider will not retry, so retry here and dead-letter what still fails.
      if (failures.length > 0) {
        const again = await Promise.all(
          routes(name)
            .filter((r) => failures.some((f) => f.handlerId === r.id))
            .map((r) => runHandler(r, event, log, Math.max(1, opts.retry.attempts - 1))),
        );
        const still = again.flat();
        // A handler that succeeded on a retry is not dead-lettered.
        const dead = new Set(still.map((f) => f.handlerId));
        if (dead.size > 0) {
          const all = [...failures, ...still].filter((f) => dead.has(f.handlerId));
          deadLetter(event, all, log);
        }
      }
      await commit(dedupeKey, token, log);
    });
    track(task, event);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), after.timeoutMs);
    });
    const outcome = await Promise.race([attempt, deadline]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      timedOut = true;
      acknowledged(name, dedupeKey, after.timeoutStatus, started);
      return respond(after.timeoutStatus, after.timeoutStatus === 202 ? ACCEPTED_BODY : OK_BODY);
    }
    await task;
    if (outcome.length > 0) {
      return reject(
        new HookinboxError(
          'handler_failed',
          `@hookinbox/core: a handler for ${name} failed; retry to process it again`,
        ),
        log,
      );
    }
    acknowledged(name, dedupeKey, 200, started);
    return respond(200, OK_BODY);
  };

  const receiver: Receiver<EventMap, unknown> = {
    provider: provider.name,
    options: opts,
    on(pattern: string, handler: Handler<any>, registerOptions?: RegisterOptions<any>) {
      if (typeof pattern !== 'string' || pattern.length === 0) {
        throw new TypeError('@hookinbox/core: on() needs a name or pattern such as "orders/create" or "Order.*"');
      }
      if (typeof handler !== 'function')
        throw new TypeError(`@hookinbox/core: the handler for ${pattern} is not a function`);
      registrations.push({
        id: `${registrations.length}:${pattern}`,
        pattern,
        matches: compilePattern(pattern),
        handler,
        where: registerOptions?.where,
      });
      routeCache.clear();
      checked = false;
      return this;
    },
    handle,
    async process(event) {
      const log = logger;
      const run = runAll(event as AnyEvent, log, opts.retry.attempts).then((failures) => {
        if (failures.length > 0) deadLetter(event as AnyEvent, failures, log);
        return { ok: failures.length === 0, failures };
      });
      track(run, event as AnyEvent);
      return run;
    },
    ready() {
      checked = false;
      ensureChecked();
    },
    patterns: () => registrations.map((r) => r.pattern),
    stats: () => ({ ...stats, rejected: { ...stats.rejected }, ackLatencyMs: { ...stats.ackLatencyMs } }),
    async close(closeOptions = {}) {
      closing = true;
      const timeoutMs = closeOptions.timeoutMs ?? 10_000;
      let timer: NodeJS.Timeout | undefined;
      const all = whenIdle().then(() => 'drained' as const);
      const timeout = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), timeoutMs);
      });
      const outcome = await Promise.race([all, timeout]);
      clearTimeout(timer);
      if (outcome === 'drained') return { drained: true, pending: [] };
      const pending = [...inFlight.values()].map((event) => ({ name: event.name, id: event.id }));
      closeController.abort(new HookinboxError('closing', '@hookinbox/core: the receiver closed'));
      logger.error(
        { pending },
        `@hookinbox/core: ${pending.length} deliveries still running at close: ${pending.map((p) => `${p.name} ${p.id}`).join(', ')}`,
      );
      return { drained: false, pending };
    },
  };
  // Not enumerable: a copy that replaces handle() (`{ ...receiver, handle }`) must not answer through the original.
  Object.defineProperty(receiver, RECEIVE, { value: answer });
  return receiver as unknown as Receiver<ProviderEvents<P>, ProviderMeta<P>, ProviderFallback<P>>;
}

const RECEIVE = Symbol('hookinbox.receive');

type Receive = (delivery: RawDelivery, options?: HandleOptions) => WebhookResponse | Promise<WebhookResponse>;

/**
 * For framework adapters: what {@link Receiver.handle} resolves to, answered synchronously when no step has to wait
 * (with the memory store and a synchronous provider, every acknowledgement), so the adapter can send it in the same
 * turn without a promise. Otherwise a promise. Works with any object that has `handle()`.
 *
 * @example
 * const response = handleDelivery(receiver, { method, url, headers, body });
 * if (response instanceof Promise) response.then(send, fail);
 * else send(response);
 */
export function handleDelivery(
  receiver: Pick<Receiver<any, any, any>, 'handle'>,
  delivery: RawDelivery,
  options?: HandleOptions,
): WebhookResponse | Promise<WebhookResponse> {
  const receive = (receiver as { [RECEIVE]?: Receive })[RECEIVE];
  return receive ? receive(delivery, options) : receiver.handle(delivery, options);
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Node already lower-cases header names; deliveries built by hand may not. */
function lowerCaseHeaders(headers: RawDelivery['headers']): RawDelivery['headers'] {
  for (const key in headers) {
    if (hasUpperCase(key)) {
      const out: RawDelivery['headers'] = {};
      for (const k in headers) out[k.toLowerCase()] = headers[k];
      return out;
    }
  }
  return headers;
}

/** A character loop rather than a regular expression: this runs for every header of every delivery. */
function hasUpperCase(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c >= 65 && c <= 90) return true;
  }
  return false;
}
