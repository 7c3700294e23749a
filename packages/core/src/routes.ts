import { compilePattern } from './match.js';
import type { Handler, WebhookEvent } from './types.js';

export type AnyEvent = WebhookEvent<string, unknown, any>;

/** One `receiver.on(pattern, handler, { where })`. */
export interface Registration {
  /**
   * Registration order and pattern (`"2:orders/*"`): unique even when patterns repeat, and the same in every
   * instance that registers the same handlers, so a success remembered by one instance is known to the others.
   */
  id: string;
  pattern: string;
  matches: (name: string) => boolean;
  handler: Handler<AnyEvent>;
  where: ((event: AnyEvent) => boolean) | undefined;
}

/** The handlers, and which of them an event name reaches. */
export class Routes {
  readonly all: Registration[] = [];
  /** name → handlers, so a pattern is matched once per name, not once per delivery. */
  private readonly cache = new Map<string, Registration[]>();

  add(pattern: string, handler: Handler<AnyEvent>, where?: (event: AnyEvent) => boolean): void {
    if (typeof pattern !== 'string' || pattern.length === 0) {
      throw new TypeError('@hookinbox/core: on() needs a name or pattern such as "orders/create" or "Order.*"');
    }
    if (typeof handler !== 'function') {
      throw new TypeError(`@hookinbox/core: the handler for ${pattern} is not a function`);
    }
    this.all.push({
      id: `${this.all.length}:${pattern}`,
      pattern,
      matches: compilePattern(pattern),
      handler,
      where,
    });
    this.cache.clear();
  }

  /** The handlers registered for a name, in registration order. */
  for(name: string): Registration[] {
    let found = this.cache.get(name);
    if (found === undefined) {
      found = this.all.filter((r) => r.matches(name));
      if (this.cache.size > 10_000) this.cache.clear(); // names are open-ended: keep the cache bounded
      this.cache.set(name, found);
    }
    return found;
  }

  patterns(): string[] {
    return this.all.map((r) => r.pattern);
  }
}
