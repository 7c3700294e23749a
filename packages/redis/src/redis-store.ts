import { randomBytes } from 'node:crypto';
import { type ClaimResult, type DedupeStore, HookinboxError } from '@hookinbox/core';
import { type Cluster, Redis } from 'ioredis';
import { parseRedisStoreOptions, type RedisStoreOptions } from './options.js';
import { DONE, defineScripts } from './scripts.js';

/** A {@link DedupeStore} on Redis. `close()` closes only a client the store created from `url`. */
export interface RedisStore extends DedupeStore {
  /** The client in use: the injected one, or the one created from `url`. */
  readonly client: Redis | Cluster;
  close(): Promise<void>;
}

/** A command waiting for its answer, in the order sent: with one timeout for all, also the order of the deadlines. */
interface Waiting {
  deadline: number;
  settled: boolean;
  operation: string;
  reject: (error: unknown) => void;
}

const unavailable = (message: string, cause?: unknown) =>
  new HookinboxError('store_unavailable', `@hookinbox/redis: ${message}`, cause === undefined ? {} : { cause });

/**
 * A dedupe store on Redis, for more than one instance receiving deliveries. Works over an ioredis client on a
 * standalone server, behind Sentinel, or on a Cluster.
 *
 * Each operation is one atomic command on one key (a claim is `SET … NX GET` on Redis 7 and later, a Lua script before;
 * commit and release are scripts): one round trip, never KEYS or SCAN. A command that does not
 * answer within `commandTimeoutMs` rejects with `store_unavailable`; the receiver then answers 503 (fail-closed,
 * the default) or processes without dedupe (`dedupe: { onStoreError: 'fail-open' }`).
 *
 * @example
 * const redis = new Redis(process.env.REDIS_URL!);
 * const receiver = createReceiver({ provider, store: redisStore({ client: redis }) });
 */
export function redisStore(options: RedisStoreOptions): RedisStore {
  const { client: injected, url, keyPrefix, commandTimeoutMs } = parseRedisStoreOptions(options);
  const client: Redis | Cluster = injected ?? new Redis(url as string, { enableAutoPipelining: true });
  const owned = injected === undefined;
  // The last connection error of a client the store owns, until it is ready again. ioredis prints every failed
  // reconnection of a client nobody listens to; the store listens, and names the error in the store_unavailable of
  // the operations it holds up instead. An injected client's errors are its owner's to handle.
  let connectionError: Error | undefined;
  if (owned) {
    client.on('error', (error: Error) => {
      connectionError = error;
    });
    client.on('ready', () => {
      connectionError = undefined;
    });
  }
  const commands = defineScripts(client);
  // Claim tokens: unique to this store (96 random bits), then a counter; cheaper than a UUID per claim.
  const tokenPrefix = `c:${randomBytes(12).toString('base64url')}:`;
  let nextToken = 1;

  // Every command gets the same timeout, so deadlines come in the order commands are sent: one timer, armed for the
  // oldest command still waiting, serves them all (a timer per command costs more than the command's bookkeeping).
  let waiting: Waiting[] = [];
  let head = 0;
  let timer: NodeJS.Timeout | undefined;

  const arm = () => {
    while (head < waiting.length && (waiting[head] as Waiting).settled) head++;
    if (head === waiting.length) {
      waiting = [];
      head = 0;
      return;
    }
    if (head > 1_024 && head * 2 > waiting.length) {
      waiting = waiting.slice(head);
      head = 0;
    }
    timer = setTimeout(expire, Math.max(0, (waiting[head] as Waiting).deadline - performance.now()));
    timer.unref();
  };

  const expire = () => {
    timer = undefined;
    const now = performance.now();
    while (head < waiting.length) {
      const next = waiting[head] as Waiting;
      if (!next.settled) {
        if (next.deadline > now) break;
        next.settled = true;
        const connection = connectionError ? ` (connection: ${connectionError.message})` : '';
        next.reject(
          unavailable(
            `Redis did not answer ${next.operation} within ${commandTimeoutMs} ms${connection}`,
            connectionError,
          ),
        );
      }
      head++;
    }
    arm();
  };

  /**
   * Race one command against the store's timeout. A command that times out may still run later (ioredis keeps it
   * in its offline queue or on the socket); `onLate` sees its result so a late claim can be undone.
   */
  const run = <T>(operation: string, command: Promise<T>, onLate?: (value: T) => void): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const entry: Waiting = { deadline: performance.now() + commandTimeoutMs, settled: false, operation, reject };
      waiting.push(entry);
      if (timer === undefined) arm();
      command.then(
        (value) => {
          if (entry.settled) {
            onLate?.(value);
            return;
          }
          entry.settled = true;
          resolve(value);
        },
        (error: unknown) => {
          if (entry.settled) return;
          entry.settled = true;
          const reason = error instanceof Error ? error.message : String(error);
          reject(unavailable(`${operation} failed: ${reason}`, error));
        },
      );
    });

  // Claims go as `SET … NX GET` until Redis refuses that form (before Redis 7), then as the script for good.
  let plainClaims = true;
  const claimCommand = (redisKey: string, token: string, leaseMs: number): Promise<string | null> => {
    if (!plainClaims) return commands.hookinboxClaimV1(redisKey, token, leaseMs);
    return (client.set(redisKey, token, 'PX', leaseMs, 'NX', 'GET') as Promise<string | null>).catch(
      (error: unknown) => {
        if (!isSyntaxError(error)) throw error;
        plainClaims = false;
        return commands.hookinboxClaimV1(redisKey, token, leaseMs);
      },
    );
  };

  return {
    client,
    async claim(key, leaseMs): Promise<ClaimResult> {
      const redisKey = keyPrefix + key;
      const token = tokenPrefix + nextToken++;
      const current = await run('claim', claimCommand(redisKey, token, leaseMs), (late) => {
        // The caller was told the store failed, so nobody holds this token: without the release, every retry of
        // the delivery would be answered "in flight" until the lease ends, and the provider would stop retrying.
        if (late === null) commands.hookinboxReleaseV1(redisKey, token).catch(() => {});
      });
      if (current === null) return { status: 'claimed', token };
      return current === DONE ? { status: 'done' } : { status: 'in-flight' };
    },
    async commit(key, token, ttlMs) {
      return (await run('commit', commands.hookinboxCommitV1(keyPrefix + key, token, DONE, ttlMs))) === 1;
    },
    async release(key, token) {
      return (await run('release', commands.hookinboxReleaseV1(keyPrefix + key, token))) === 1;
    },
    async close() {
      if (!owned || client.status === 'end') return;
      // quit() resolves on Redis's OK, before the socket is gone; wait for 'end' so nothing outlives close().
      const ended = new Promise<void>((resolve) => client.once('end', () => resolve()));
      try {
        await client.quit();
      } catch {
        // Never connected or already closing: nothing is left to flush.
        client.disconnect();
      }
      await ended;
    },
  };
}

/** Same as {@link redisStore}, under the `createX` name the other factories use. */
export const createRedisStore = redisStore;

/** Redis's answer to a command form it does not know, e.g. SET with both NX and GET before Redis 7. */
function isSyntaxError(error: unknown): boolean {
  return error instanceof Error && /\bsyntax error\b/i.test(error.message);
}
