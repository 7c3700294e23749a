import type { EventMap, WebhookEvent } from './types.js';

/**
 * Names of `K` that the pattern `P` matches, at the type level. `*` stands for any run of characters:
 * `orders/*`, `Order.*`, `*.delete` and `*` all work.
 */
export type MatchingNames<K extends string, P extends string> = P extends '*'
  ? K
  : P extends `*${infer Suffix}`
    ? Extract<K, `${string}${Suffix}`>
    : P extends `${infer Prefix}*${infer Suffix}`
      ? Extract<K, `${Prefix}${string}${Suffix}`>
      : Extract<K, P>;

/**
 * The event a handler registered for `P` receives. Exact names and partial wildcards give the union of the matching
 * known events; a name no schema knows, and the catch-all `*`, give an event whose payload is the provider's
 * fallback type `TFallback` (`unknown` unless the provider declares one).
 */
export type EventFor<E extends EventMap, TMeta, P extends string, TFallback = unknown> = P extends '*'
  ? WebhookEvent<string, TFallback, TMeta>
  : [MatchingNames<keyof E & string, P>] extends [never]
    ? WebhookEvent<P extends `${string}*${string}` ? string : P, TFallback, TMeta>
    : { [K in MatchingNames<keyof E & string, P>]: WebhookEvent<K, E[K], TMeta> }[MatchingNames<keyof E & string, P>];

/** Compiles a routing pattern into a predicate over names. */
export function compilePattern(pattern: string): (name: string) => boolean {
  if (pattern === '*') return () => true;
  if (!pattern.includes('*')) return (name) => name === pattern;
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\/]/g, '\\$&'))
    .join('.*');
  const re = new RegExp(`^${source}$`);
  return (name) => re.test(name);
}
