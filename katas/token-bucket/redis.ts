/**
 * A token bucket shared by every app server through Redis: one Lua script reads the bucket,
 * refills it by the Redis server's clock, takes and writes back, atomically. See README.md, stage 4.
 */
import type { Redis } from 'ioredis';
import { todo } from '../not-implemented.ts';
import type { Decision, RateLimitStore } from './middleware.ts';

// TODO: one Lua script, run with EVALSHA and, on a NOSCRIPT error, EVAL (`redis.evalsha(sha, 1,
// key, ...args)` / `redis.eval(script, 1, key, ...args)`; the sha is the SHA-1 hex of the script
// text, `createHash('sha1')` from node:crypto). The script, on KEYS[1] (a hash { tokens, ts }):
//   1. now = redis.call('TIME') in milliseconds: { seconds, microseconds }, never the app's clock;
//   2. HMGET tokens and ts; a missing key is a full bucket;
//   3. refill exactly like TokenBucket (capped at capacity; a clock behind ts adds nothing);
//   4. take if there are enough tokens;
//   5. HSET the new state and PEXPIRE the key after the time it takes to be full again;
//   6. return { allowed, tostring(tokens), retryAfterMs, resetMs }: Lua numbers come back to the
//      client truncated to integers, so send the fractional token count as a string.

export interface RedisTokenBucketOptions {
  /** An ioredis connection; the bucket never closes it. */
  redis: Redis;
  /** The Redis key that holds this bucket (one key; nothing else). */
  key: string;
  capacity: number;
  /** Must be > 0: the key's TTL is the time the bucket takes to fill again. */
  refillPerSecond: number;
}

/** One bucket, kept in Redis under `key`, shared by every process that names the same key. */
export class RedisTokenBucket {
  /** Throws RangeError unless capacity is a positive integer and refillPerSecond > 0. */
  constructor(opts: RedisTokenBucketOptions) {
    return todo('token-bucket', 'RedisTokenBucket constructor');
  }

  /** Takes `tokens` atomically; resolves false (taking nothing) if they are not all there. */
  async tryTake(tokens = 1): Promise<boolean> {
    return todo('token-bucket', 'RedisTokenBucket.tryTake');
  }

  /** Like tryTake, with the details a response header needs. Rejects with RangeError for bad `tokens`. */
  async take(tokens = 1): Promise<Decision> {
    return todo('token-bucket', 'RedisTokenBucket.take');
  }
}

export interface RedisStoreOptions {
  redis: Redis;
  /** Prepended to each client key: bucket `k` lives in Redis key `prefix + k`. */
  prefix: string;
  capacity: number;
  refillPerSecond: number;
}

/** A `RateLimitStore` for `rateLimit({ store })`: one Redis bucket per client key. */
export class RedisStore implements RateLimitStore {
  readonly capacity!: number;
  readonly refillPerSecond!: number;

  /** Throws RangeError unless capacity is a positive integer and refillPerSecond > 0. */
  constructor(opts: RedisStoreOptions) {
    return todo('token-bucket', 'RedisStore constructor');
  }

  async take(key: string, tokens: number): Promise<Decision> {
    return todo('token-bucket', 'RedisStore.take');
  }
}
