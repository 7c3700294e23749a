import { randomBytes } from 'node:crypto';
import { type ClaimResult, type DedupeStore, HookinboxError } from '@hookinbox/core';
import { type Cluster, Redis } from 'ioredis';
import { createLayout, type Location } from './layout.js';
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
  /** Cleared once settled, so that a settled entry still in the queue holds nothing of its delivery. */
  reject: ((error: unknown) => void) | undefined;
}

/** Recent claims whose place the store remembers for their commit; an older claim's is computed again. */
const RECENT_CLAIMS = 4_096;

const unavailable = (message: string, cause?: unknown) =>
  new HookinboxError('store_unavailable', `@hookinbox/redis: ${message}`, cause === undefined ? {} : { cause });

/**
 * A dedupe store on Redis, for more than one instance receiving deliveries. Works over an ioredis client on a
 * standalone server, behind Sentinel, or on a Cluster.
 *
 * Each operation is one Lua script over the keys of one hash slot: one round trip, never KEYS or SCAN. A claim in
 * flight is a key with its lease; a processed delivery is a 14-byte digest in a hash shared with about 1/65,536 of
 * the others (`layout: 'compact'`, the default), or a key of its own (`layout: 'keys'`). A command that does not answer within `commandTimeoutMs` rejects with `store_unavailable`; the
 * receiver then answers 503 (fail-closed, the default) or processes without dedupe
 * (`dedupe: { onStoreError: 'fail-open' }`).
 *
 * @example
 * const redis = new Redis(process.env.REDIS_URL!);
 * const receiver = createReceiver({ provider, store: redisStore({ client: redis }) });
 */
export function redisStore(options: RedisStoreOptions): RedisStore {
  const { client: injected, url, keyPrefix, commandTimeoutMs, layout: layoutName } = parseRedisStoreOptions(options);
  // Before creating a client: a keyPrefix the layout refuses must not leave a connection behind.
  const layout = createLayout(keyPrefix, injected?.options?.keyPrefix);
  const client: Redis | Cluster = injected ?? new Redis(url as string, { enableAutoPipelining: true });
  const compact = layoutName === 'compact';
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
  //
  // Settled commands leave the queue as soon as they reach its head, not when the timer next fires (up to
  // commandTimeoutMs later), and a settled entry keeps no reject: nothing of an answered delivery waits on the timer.
  // On the Fastify Redis row this measured no clear change in what survives a scavenge (one run each).
  let waiting: (Waiting | undefined)[] = [];
  let head = 0;
  let timer: NodeJS.Timeout | undefined;

  /** Drops the settled commands at the head of the queue. */
  const advance = () => {
    while (head < waiting.length && (waiting[head] as Waiting).settled) waiting[head++] = undefined;
    if (head === waiting.length) {
      waiting = [];
      head = 0;
    } else if (head > 1_024 && head * 2 > waiting.length) {
      waiting = waiting.slice(head);
      head = 0;
    }
  };

  const arm = () => {
    advance();
    if (waiting.length === 0) return;
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
        const connection = connectionError ? ` (connection: ${connectionError.message})` : '';
        settle(next)?.(
          unavailable(
            `Redis did not answer ${next.operation} within ${commandTimeoutMs} ms${connection}`,
            connectionError,
          ),
        );
      }
      waiting[head++] = undefined;
    }
    arm();
  };

  /** Marks a command settled and hands back its reject, now cleared from the entry. */
  const settle = (entry: Waiting): ((error: unknown) => void) | undefined => {
    const { reject } = entry;
    entry.settled = true;
    entry.reject = undefined;
    return reject;
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
          settle(entry);
          if (waiting[head] === entry) advance();
          resolve(value);
        },
        (error: unknown) => {
          if (entry.settled) return;
          settle(entry);
          if (waiting[head] === entry) advance();
          const reason = error instanceof Error ? error.message : String(error);
          reject(unavailable(`${operation} failed: ${reason}`, error));
        },
      );
    });

  // Claims use SET … NX GET inside the script until Redis refuses that form (before 7.0), then the script without it
  // for good. The refused script stopped before writing anything, so the same claim goes again.
  let setNxGet = true;
  const claimCommand = (claimKey: string, shard: string, token: string, leaseMs: number, digest: string) => {
    if (!setNxGet) return commands.hookinboxClaimGetSetV2(claimKey, shard, token, leaseMs, digest);
    return commands.hookinboxClaimV2(claimKey, shard, token, leaseMs, digest).catch((error: unknown) => {
      if (!isSyntaxError(error)) throw error;
      setNxGet = false;
      return commands.hookinboxClaimGetSetV2(claimKey, shard, token, leaseMs, digest);
    });
  };

  // Where recent claims lie, for their commit: a SHA-256 and a CRC a delivery fewer. Found by the token's number, as
  // the memory store in @hookinbox/core finds its digests, and checked against the key, since a caller may hand in the
  // token of another delivery: a slot a newer claim took, or a token that is not ours, computes it again. A fixed
  // array rather than a table keyed by token: nothing to delete or bound, and no hash table churned by every claim
  // and commit (a churned Map keeps deliveries alive through young-generation collections: core's in-flight.ts).
  const recent = new Array<Location | undefined>(RECENT_CLAIMS);
  const locate = (key: string, token: string): Location => {
    const known = recent[Number(token.slice(tokenPrefix.length)) % RECENT_CLAIMS];
    return known !== undefined && known.claimKey === layout.claimKeyOf(key) ? known : layout.locate(key);
  };

  return {
    client,
    async claim(key, leaseMs): Promise<ClaimResult> {
      const location = layout.locate(key);
      const { claimKey, shard, digest } = location;
      const n = nextToken++;
      const token = tokenPrefix + n;
      const current = await run('claim', claimCommand(claimKey, shard, token, leaseMs, digest), (late) => {
        // The caller was told the store failed, so nobody holds this token: without the release, every retry of
        // the delivery would be answered "in flight" until the lease ends, and the provider would stop retrying.
        if (late === null) commands.hookinboxReleaseV1(claimKey, token).catch(() => {});
      });
      if (current !== null) return current === DONE ? { status: 'done' } : { status: 'in-flight' };
      recent[n % RECENT_CLAIMS] = location;
      return { status: 'claimed', token };
    },
    async commit(key, token, ttlMs) {
      const { claimKey, shard, digest } = locate(key, token);
      // The compact layout counts whole seconds: a shorter ttl would be kept up to twice as long or more, so such a
      // delivery keeps a key of its own, which expires to the millisecond.
      const command =
        compact && ttlMs >= 1_000
          ? commands.hookinboxCommitCompactV2(claimKey, shard, token, digest, ttlMs)
          : commands.hookinboxCommitV1(claimKey, token, DONE, ttlMs);
      return (await run('commit', command)) === 1;
    },
    async release(key, token) {
      return (await run('release', commands.hookinboxReleaseV1(layout.claimKeyOf(key), token))) === 1;
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

/** Redis's answer to a command form it does not know, e.g. SET with both NX and GET before Redis 7. */
function isSyntaxError(error: unknown): boolean {
  return error instanceof Error && /\bsyntax error\b/i.test(error.message);
}
