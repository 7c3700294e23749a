/**
 * The Redis store as it was before the compact layout (commit 6efd6c1's parent), for the bench alone: a processed
 * delivery is a key of its own, a claim one plain `SET … PX … NX GET`, a commit a script of two commands. The
 * `fastify-redis-keys` row and `bench:redis-cpu` run it beside today's store, so that one run compares the two
 * layouts' cost. Not exported by any package; trimmed of what the bench never reaches (option checks, Redis 6).
 */
import { randomBytes } from 'node:crypto';
import { type ClaimResult, type DedupeStore, HookinboxError } from '@hookinbox/core';
import { Redis } from 'ioredis';

const DONE = '1';

const COMMIT = `if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  return 1
end
return 0`;

const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`;

interface Commands {
  hookinboxBeforeCommit(key: string, token: string, done: string, ttlMs: number): Promise<number>;
  hookinboxBeforeRelease(key: string, token: string): Promise<number>;
}

interface Waiting {
  deadline: number;
  settled: boolean;
  operation: string;
  reject: (error: unknown) => void;
}

const unavailable = (message: string, cause?: unknown) =>
  new HookinboxError('store_unavailable', `@hookinbox/redis: ${message}`, cause === undefined ? {} : { cause });

// A frozen copy of the store as it was before the compact layout, for the bench to compare against: kept as it was,
// length included.
export function redisStoreBefore(options: { url: string; keyPrefix: string; commandTimeoutMs?: number }) {
  const { url, keyPrefix } = options;
  const commandTimeoutMs = options.commandTimeoutMs ?? 500;
  const client = new Redis(url, { enableAutoPipelining: true });
  client.defineCommand('hookinboxBeforeCommit', { numberOfKeys: 1, lua: COMMIT });
  client.defineCommand('hookinboxBeforeRelease', { numberOfKeys: 1, lua: RELEASE });
  const commands = client as unknown as Commands;
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
        next.reject(unavailable(`Redis did not answer ${next.operation} within ${commandTimeoutMs} ms`));
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

  const store: DedupeStore & { close(): Promise<void> } = {
    async claim(key, leaseMs): Promise<ClaimResult> {
      const redisKey = keyPrefix + key;
      const token = tokenPrefix + nextToken++;
      const current = await run(
        'claim',
        client.set(redisKey, token, 'PX', leaseMs, 'NX', 'GET') as Promise<string | null>,
        (late) => {
          if (late === null) commands.hookinboxBeforeRelease(redisKey, token).catch(() => {});
        },
      );
      if (current === null) return { status: 'claimed', token };
      return current === DONE ? { status: 'done' } : { status: 'in-flight' };
    },
    async commit(key, token, ttlMs) {
      return (await run('commit', commands.hookinboxBeforeCommit(keyPrefix + key, token, DONE, ttlMs))) === 1;
    },
    async release(key, token) {
      return (await run('release', commands.hookinboxBeforeRelease(keyPrefix + key, token))) === 1;
    },
    async close() {
      const ended = new Promise<void>((resolve) => client.once('end', () => resolve()));
      await client.quit();
      await ended;
    },
  };
  return store;
}
