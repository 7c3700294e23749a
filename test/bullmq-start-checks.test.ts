import { bullmqQueue, createWorker } from '@hookinbox/bullmq';
import { createReceiver, type Logger } from '@hookinbox/core';
import { genstore } from '@hookinbox/genstore';
import { afterEach, describe, expect, it } from 'vitest';
import { type RedisServer, startRedisServer } from './setup/redis-server.js';

const servers: RedisServer[] = [];
const closers: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const close of closers.splice(0)) await close();
  for (const server of servers.splice(0)) await server.stop();
});

function recordingLogger() {
  const warnings: string[] = [];
  const logger: Logger = { debug() {}, info() {}, warn: (_obj, msg) => void warnings.push(msg ?? ''), error() {} };
  return { logger, warnings };
}

async function server(args: string[]) {
  const s = await startRedisServer(args);
  servers.push(s);
  return s;
}

const receiver = () => createReceiver({ provider: genstore({ secret: 's' }) });

describe('@hookinbox/bullmq start-up checks', () => {
  it('refuses a Redis that may evict keys, in the queue and in the worker', async () => {
    const { url } = await server(['--maxmemory-policy', 'allkeys-lru']);
    const { logger } = recordingLogger();
    const queue = bullmqQueue({ connection: url, logger });
    closers.push(() => queue.close());
    await expect(queue.ready()).rejects.toMatchObject({ code: 'redis_eviction_policy' });
    await expect(queue.ready()).rejects.toThrow(/maxmemory-policy is allkeys-lru; it must be noeviction/);
    await expect(createWorker(receiver(), { connection: url, logger })).rejects.toMatchObject({
      code: 'redis_eviction_policy',
    });
  });

  it('warns when AOF is off, and says so when CONFIG GET is refused', async () => {
    const noAof = await server([]);
    const off = recordingLogger();
    const queue = bullmqQueue({ connection: noAof.url, logger: off.logger });
    closers.push(() => queue.close());
    await queue.ready();
    expect(off.warnings).toEqual([expect.stringMatching(/AOF is off/)]);

    const locked = await server(['--appendonly', 'yes', '--rename-command', 'CONFIG', '""']);
    const refused = recordingLogger();
    const worker = await createWorker(receiver(), { connection: locked.url, logger: refused.logger });
    closers.push(() => worker.close());
    expect(refused.warnings).toEqual([expect.stringMatching(/could not read the Redis settings/)]);
  });

  it('is quiet with noeviction and AOF on', async () => {
    const { url } = await server(['--appendonly', 'yes', '--appendfsync', 'always']);
    const { logger, warnings } = recordingLogger();
    const queue = bullmqQueue({ connection: url, logger });
    closers.push(() => queue.close());
    await queue.ready();
    expect(warnings).toEqual([]);
  });

  it('names every bad option at once', () => {
    expect(() => bullmqQueue({ connection: 'http://x', queueName: 'a:b', enqueueTimeoutMs: -1 })).toThrow(
      /connection: a URL must start with redis:\/\/.*queueName: .*no colon/,
    );
  });
});
