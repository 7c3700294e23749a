import type { Cluster, Redis } from 'ioredis';
import { DIGEST_CHARS } from './layout.js';

/** The value of a key whose delivery was processed. Claim tokens start with `c:`, so the two never collide. */
export const DONE = '1';

/** Seconds are counted from 2025-01-01: for seventy years the count fits the 32-bit integers of a compact hash. */
export const EPOCH_SECONDS = 1_735_689_600;

/** How often, at most, a shard is swept of the digests whose ttl ended (seconds). */
export const SWEEP_SECONDS = 3_600;

// KEYS[1] is the claim key. KEYS[2], where given, is the delivery's shard: a hash of 14-byte digests, each mapped to
// the second (from EPOCH_SECONDS) at which its delivery is forgotten, plus two fields no digest can take, 'm' (the
// latest of those seconds, when the hash as a whole expires) and 's' (when the shard is next swept). Both keys are
// in one hash slot, so every operation runs on one node of a Cluster.

// One round trip: SET NX alone cannot tell a done key from one in flight, nor see the shard. A digest the shard
// holds for a second not yet reached answers done (the clock is read only then); otherwise `SET … NX GET` takes the
// claim key and answers its value when it is taken: a token, or the `keys` layout's done marker. A claim key never
// outlives the commit of its delivery, so the shard is read first: a new delivery costs two commands.
const DONE_IN_SHARD = `local ends = redis.call('HGET', KEYS[2], ARGV[3])
if ends and tonumber(redis.call('TIME')[1]) - ${EPOCH_SECONDS} < tonumber(ends) then return '${DONE}' end`;
const CLAIM = `${DONE_IN_SHARD}
return redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2], 'NX', 'GET')`;

// The same where Redis refuses NX together with GET (before 7.0): the claim key is read, then set.
const CLAIM_GET_SET = `${DONE_IN_SHARD}
local current = redis.call('GET', KEYS[1])
if current then return current end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return false`;

// Token-checked: a claimant whose lease expired must not mark a newer claim done. The digest is kept until the first
// whole second at or after now + ttl, by the server's clock (one clock for every writer): forgotten no earlier than
// its ttl and less than a second later. The shard expires as a whole at its latest such second; its remaining time
// (PTTL, read before the write: -2 for a new shard) tells whether this digest moves that second, so the shard keeps
// no field of its own and a commit that does not move it costs five commands. When the move crosses a boundary of
// SWEEP_SECONDS (at most once a period for a shard in steady use), the shard is first swept of the digests past
// their second, so that a shard that never goes idle does not grow with the dead; an idle one expires as a whole.
// Fields of another length (the 'm' and 's' of the first compact commit) are never swept, nor read. Numbers go to
// redis.call as strings made with '%d': Redis 7.0 formats a Lua number argument with "%.17g", about 3,000
// instructions each under callgrind.
const COMMIT_COMPACT = `if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
local time = redis.call('TIME')
local nowMs = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local ends = math.ceil((nowMs + tonumber(ARGV[3])) / 1000)
local left = redis.call('PTTL', KEYS[2])
redis.call('HSET', KEYS[2], ARGV[2], string.format('%d', ends - ${EPOCH_SECONDS}))
if left >= 0 and (nowMs + left) >= ends * 1000 then return 1 end
if left >= 0 and math.floor((nowMs + left) / ${SWEEP_SECONDS * 1000}) < math.floor(ends / ${SWEEP_SECONDS}) then
  local now = math.floor(nowMs / 1000) - ${EPOCH_SECONDS}
  local fields = redis.call('HGETALL', KEYS[2])
  local stale = {}
  for i = 1, #fields, 2 do
    if #fields[i] == ${DIGEST_CHARS} and tonumber(fields[i + 1]) <= now then stale[#stale + 1] = fields[i] end
    if #stale == 1000 then redis.call('HDEL', KEYS[2], unpack(stale)) stale = {} end
  end
  if #stale > 0 then redis.call('HDEL', KEYS[2], unpack(stale)) end
end
redis.call('PEXPIREAT', KEYS[2], string.format('%d', ends * 1000))
return 1`;

// Token-checked, as above; the plain layout: the claim key becomes the done marker, expiring exactly with the ttl.
const COMMIT_PLAIN = `if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  return 1
end
return 0`;

// Token-checked: a claimant whose lease expired must not delete a newer claim, nor a done marker.
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`;

// The version suffix keeps two hookinbox versions sharing one client from redefining each other's scripts: claim V1
// did not read the shard; compact commit V1 kept the shard's latest second and next sweep in fields 'm' and 's'.
const COMMANDS = {
  hookinboxClaimV2: { numberOfKeys: 2, lua: CLAIM },
  hookinboxClaimGetSetV2: { numberOfKeys: 2, lua: CLAIM_GET_SET },
  hookinboxCommitCompactV2: { numberOfKeys: 2, lua: COMMIT_COMPACT },
  hookinboxCommitV1: { numberOfKeys: 1, lua: COMMIT_PLAIN },
  hookinboxReleaseV1: { numberOfKeys: 1, lua: RELEASE },
} as const;

/** The custom commands {@link defineScripts} adds to a client. */
export interface ScriptCommands {
  /** Resolves to null when the key was claimed, else to the claim key's value or the done marker. */
  hookinboxClaimV2(
    claimKey: string,
    shard: string,
    token: string,
    leaseMs: number,
    digest: string,
  ): Promise<string | null>;
  /** {@link ScriptCommands.hookinboxClaimV2} for Redis before 7.0. */
  hookinboxClaimGetSetV2(
    claimKey: string,
    shard: string,
    token: string,
    leaseMs: number,
    digest: string,
  ): Promise<string | null>;
  hookinboxCommitCompactV2(
    claimKey: string,
    shard: string,
    token: string,
    digest: string,
    ttlMs: number,
  ): Promise<number>;
  hookinboxCommitV1(claimKey: string, token: string, done: string, ttlMs: number): Promise<number>;
  hookinboxReleaseV1(claimKey: string, token: string): Promise<number>;
}

/**
 * Register the scripts on a client once. Several stores may share a client, so a command that already exists is
 * kept. ioredis sends EVAL the first time on each connection and EVALSHA afterwards: one round trip either way.
 */
export function defineScripts(client: Redis | Cluster): ScriptCommands {
  const target = client as unknown as Record<string, unknown>;
  for (const [name, definition] of Object.entries(COMMANDS)) {
    if (typeof target[name] !== 'function') client.defineCommand(name, definition);
  }
  return client as unknown as ScriptCommands;
}
