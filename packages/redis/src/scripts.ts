import type { Cluster, Redis } from 'ioredis';

/** The value of a key whose delivery was processed. Claim tokens start with `c:`, so the two never collide. */
export const DONE = '1';

// Every script touches exactly one key (KEYS[1]), so it runs unchanged on standalone, Sentinel and Cluster: the
// key's slot picks the node, and there is no cross-slot access to need hash tags for.

// One round trip: SET NX alone cannot tell a done key from one in flight, so the script returns the current value
// instead when the key is taken. On Redis 7 and later `SET key token PX leaseMs NX GET` answers the same in one plain
// command (about a third of the script's CPU time in Redis); the store uses it, and this script where Redis refuses
// NX with GET (Redis 6).
const CLAIM = `local current = redis.call('GET', KEYS[1])
if current then return current end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return false`;

// Token-checked: a claimant whose lease expired must not mark a newer claim done.
const COMMIT = `if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  return 1
end
return 0`;

// Token-checked: a claimant whose lease expired must not delete a newer claim, nor a done marker.
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`;

// The version suffix keeps two hookinbox versions sharing one client from redefining each other's scripts.
const COMMANDS = {
  hookinboxClaimV1: CLAIM,
  hookinboxCommitV1: COMMIT,
  hookinboxReleaseV1: RELEASE,
} as const;

/** The custom commands {@link defineScripts} adds to a client. */
export interface ScriptCommands {
  /** Resolves to null when the key was claimed, else to its current value. */
  hookinboxClaimV1(key: string, token: string, leaseMs: number): Promise<string | null>;
  hookinboxCommitV1(key: string, token: string, done: string, ttlMs: number): Promise<number>;
  hookinboxReleaseV1(key: string, token: string): Promise<number>;
}

/**
 * Register the scripts on a client once. Several stores may share a client, so a command that already exists is
 * kept. ioredis sends EVAL the first time on each connection and EVALSHA afterwards: one round trip either way.
 */
export function defineScripts(client: Redis | Cluster): ScriptCommands {
  const target = client as unknown as Record<string, unknown>;
  for (const [name, lua] of Object.entries(COMMANDS)) {
    if (typeof target[name] !== 'function') client.defineCommand(name, { numberOfKeys: 1, lua });
  }
  return client as unknown as ScriptCommands;
}
