import { randomBytes } from 'node:crypto';
import { type ClaimResult, type DedupeStore, HookinboxError } from '@hookinbox/core';
import { type Cluster, Redis } from 'ioredis';
import { CommandDeadlines } from './command-deadlines.js';
import { createLayout, type Location } from './layout.js';
import { parseRedisStoreOptions, type RedisStoreOptions } from './options.js';
import { DONE, defineScripts } from './scripts.js';

/** A {@link DedupeStore} on Redis. `close()` closes only a client the store created from `url`. */
export interface RedisStore extends DedupeStore {
  /** The client in use: the injected one, or the one created from `url`. */
  readonly client: Redis | Cluster;
  close(): Promise<void>;
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
  // An injected client's errors are its owner's to handle.
  const connection = owned ? watchConnection(client) : { error: undefined };
  const commands = defineScripts(client);
  // Claim tokens: unique to this store (96 random bits), then a counter; cheaper than a UUID per claim.
  const tokenPrefix = `c:${randomBytes(12).toString('base64url')}:`;
  let nextToken = 1;

  const deadlines = storeDeadlines(commandTimeoutMs, connection);

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
      const current = await deadlines.run('claim', claimCommand(claimKey, shard, token, leaseMs, digest), (late) => {
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
      return (await deadlines.run('commit', command)) === 1;
    },
    async release(key, token) {
      return (await deadlines.run('release', commands.hookinboxReleaseV1(layout.claimKeyOf(key), token))) === 1;
    },
    async close() {
      if (owned) await quit(client);
    },
  };
}

/** Redis's answer to a command form it does not know, e.g. SET with both NX and GET before Redis 7. */
function isSyntaxError(error: unknown): boolean {
  return error instanceof Error && /\bsyntax error\b/i.test(error.message);
}

/**
 * The last connection error of a client the store owns, until it is ready again. ioredis prints every failed
 * reconnection of a client nobody listens to; the store listens, and names the error in the store_unavailable of the
 * operations it holds up instead.
 */
function watchConnection(client: Redis | Cluster): { readonly error: Error | undefined } {
  const state: { error: Error | undefined } = { error: undefined };
  client.on('error', (error: Error) => {
    state.error = error;
  });
  client.on('ready', () => {
    state.error = undefined;
  });
  return state;
}

/** Each operation's timeout, and the store_unavailable errors it answers with (naming a connection error if any). */
function storeDeadlines(timeoutMs: number, connection: { readonly error: Error | undefined }): CommandDeadlines {
  return new CommandDeadlines(
    timeoutMs,
    (operation) => {
      const { error } = connection;
      const detail = error ? ` (connection: ${error.message})` : '';
      return unavailable(`Redis did not answer ${operation} within ${timeoutMs} ms${detail}`, error);
    },
    (operation, error) => {
      const reason = error instanceof Error ? error.message : String(error);
      return unavailable(`${operation} failed: ${reason}`, error);
    },
  );
}

/** Close a client the store created, and wait until its socket is gone. */
async function quit(client: Redis | Cluster): Promise<void> {
  if (client.status === 'end') return;
  // quit() resolves on Redis's OK, before the socket is gone; wait for 'end' so nothing outlives close().
  const ended = new Promise<void>((resolve) => client.once('end', () => resolve()));
  try {
    await client.quit();
  } catch {
    // Never connected or already closing: nothing is left to flush.
    client.disconnect();
  }
  await ended;
}
