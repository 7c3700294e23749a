import type { TestProject } from 'vitest/node';
import { hasRedisServer, pingRedis, type RedisServer, startRedisServer } from './redis-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The Redis the tests use; empty when none could be found or started. */
    redisUrl: string;
  }
}

let started: RedisServer | undefined;

/**
 * Make sure a Redis answers for the tests: `REDIS_URL` when set, else 127.0.0.1:6379 when it answers PING, else a
 * redis-server started here on a free loopback port (and stopped in teardown). Runs once, in the main process.
 *
 * It never fails the run: without any Redis, only the tests that need one fail, with a clear message from
 * `redisUrl()`.
 */
export async function setup(project: TestProject): Promise<void> {
  let url = process.env.REDIS_URL ?? '';
  if (!url && (await pingRedis(6379))) url = 'redis://127.0.0.1:6379';
  if (!url && (await hasRedisServer())) {
    started = await startRedisServer();
    url = started.url;
  }
  // Workers read it through inject('redisUrl'); the env copy is for code that reads REDIS_URL itself.
  project.provide('redisUrl', url);
  if (url) process.env.REDIS_URL = url;
}

export async function teardown(): Promise<void> {
  await started?.stop();
  started = undefined;
}
