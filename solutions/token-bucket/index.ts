/** Token bucket rate limiter: the bucket, HTTP middleware, and a Redis-backed distributed limiter. */
export { TokenBucket, type TokenBucketOptions } from './bucket.ts';
export {
  MemoryStore,
  rateLimit,
  type Decision,
  type KeyFn,
  type MemoryStoreOptions,
  type Middleware,
  type NextFn,
  type RateLimitOptions,
  type RateLimitStore,
} from './middleware.ts';
export { RedisStore, RedisTokenBucket, type RedisStoreOptions, type RedisTokenBucketOptions } from './redis.ts';
