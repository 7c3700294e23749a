export type { RedisStoreOptions } from './options.js';
export { createRedisStore, type RedisStore, redisStore } from './redis-store.js';
