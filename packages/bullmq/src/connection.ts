import { Redis } from 'ioredis';
import type { Connection } from './options.js';

/** A client for `connection`, and whether this package owns it (created it from a URL, so closes it). */
export function clientFor(connection: Connection, role: 'producer' | 'worker'): { client: Redis; owned: boolean } {
  if (typeof connection !== 'string') return { client: connection, owned: false };
  const client =
    role === 'producer'
      ? // Fail fast while Redis is away: the receiver answers 503 and the platform resends, rather than a request
        // waiting on a reconnect.
        new Redis(connection, { maxRetriesPerRequest: 1, enableOfflineQueue: false })
      : // BullMQ's blocking connections need null: a worker waits out an outage instead of failing its loop.
        new Redis(connection, { maxRetriesPerRequest: null });
  // Without a listener ioredis prints every reconnect error; the calls that fail report them.
  client.on('error', () => {});
  return { client, owned: true };
}
