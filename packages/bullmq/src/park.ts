import type { Redis } from 'ioredis';

/**
 * Writes a job straight into a BullMQ queue's failed set, in the layout BullMQ itself writes (a job hash with name,
 * data, opts, timestamps, attempts and failedReason; the id in the `failed` sorted set by finish time; a `failed`
 * event). BullMQ has no API to add a job as failed, and a parked delivery must be kept before the 200, with no worker
 * running: written this way, `Queue.getFailed`, `job.retry()`, dashboards and `obliterate` treat it as any failed job.
 *
 * A job already under the id in another state (waiting, or active: a worker replaying that very letter) is left
 * alone: the worker's outcome decides where it goes. One in the failed set gets the newer letter.
 *
 * KEYS: job hash, failed set, events stream. ARGV: id, name, data, opts, timestamp, failedReason.
 */
const PARK_SCRIPT = `
local exists = redis.call('EXISTS', KEYS[1]) == 1
if exists and not redis.call('ZSCORE', KEYS[2], ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'name', ARGV[2], 'data', ARGV[3], 'opts', ARGV[4], 'timestamp', ARGV[5],
  'delay', 0, 'priority', 0, 'atm', 1, 'ats', 1, 'processedOn', ARGV[5], 'finishedOn', ARGV[5],
  'failedReason', ARGV[6], 'stacktrace', '[]')
redis.call('ZADD', KEYS[2], ARGV[5], ARGV[1])
redis.call('XADD', KEYS[3], 'MAXLEN', '~', 10000, '*', 'event', 'failed', 'jobId', ARGV[1],
  'failedReason', ARGV[6], 'prev', 'waiting')
return 1
`;

// A versioned name, so a client that defined an older script under the same name cannot run it by mistake.
const COMMAND = 'hookinboxBullmqPark1';

type ParkClient = Redis & {
  [COMMAND](jobKey: string, failedKey: string, eventsKey: string, ...args: string[]): Promise<number>;
};

export interface ParkedJob {
  id: string;
  name: string;
  data: unknown;
  reason: string;
}

/** Put `job` in the failed set under `keys`; resolves true when written, false when the id is busy in another state. */
export async function parkJob(
  client: Redis,
  keys: { job: string; failed: string; events: string },
  job: ParkedJob,
): Promise<boolean> {
  const c = client as ParkClient;
  if (typeof c[COMMAND] !== 'function') client.defineCommand(COMMAND, { numberOfKeys: 3, lua: PARK_SCRIPT });
  const now = String(Date.now());
  // attempts 1: a retried letter is one replay; if it fails it comes back here.
  const opts = JSON.stringify({ attempts: 1 });
  const written = await c[COMMAND](
    keys.job,
    keys.failed,
    keys.events,
    job.id,
    job.name,
    JSON.stringify(job.data),
    opts,
    now,
    job.reason,
  );
  return written === 1;
}
