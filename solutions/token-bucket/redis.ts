/**
 * A token bucket shared by every app server through Redis. One Lua script reads the bucket,
 * refills it by the Redis server's clock, takes and writes back: Redis runs a script atomically, so
 * two servers can never both spend the same token, and app servers' clocks never enter into it.
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Decision, RateLimitStore } from './middleware.ts';
import { checkCapacity, checkRate, checkTokens } from './validate.ts';

/**
 * KEYS[1]: the bucket, a hash { tokens, ts } (ts in ms of the Redis clock).
 * ARGV: capacity, refill per second, tokens wanted.
 * Returns { allowed (0/1), tokens left (a string: Lua numbers come back truncated to integers),
 *           ms until the request could be admitted, ms until the bucket is full }.
 */
const TAKE_SCRIPT = `
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local want = tonumber(ARGV[3])

-- Redis < 5 replicates scripts verbatim and refuses writes after TIME unless told to replicate
-- effects; Redis 5+ always does, and this is a no-op.
if redis.replicate_commands then redis.replicate_commands() end

-- The one clock every app server agrees on: { seconds, microseconds }.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000

local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
if tokens == nil or ts == nil then
  -- No key: never used, or expired because it was full again. Either way, a full bucket.
  tokens = capacity
  ts = now
end
if now > ts then
  tokens = math.min(capacity, tokens + (now - ts) * rate / 1000)
  ts = now
end

local allowed = 0
if tokens + 1e-9 >= want then
  tokens = math.max(0, tokens - want)
  allowed = 1
end

local retry = 0
if allowed == 0 then retry = math.ceil((want - tokens) * 1000 / rate) end
local reset = math.ceil((capacity - tokens) * 1000 / rate)

redis.call('HSET', KEYS[1], 'tokens', tokens, 'ts', ts)
-- Once full again the key says nothing a missing key would not: let it expire then.
redis.call('PEXPIRE', KEYS[1], math.max(reset, 1))
return { allowed, tostring(tokens), retry, reset }
`;

const TAKE_SHA = createHash('sha1').update(TAKE_SCRIPT).digest('hex');

/**
 * EVALSHA sends 40 bytes instead of the script; when the server does not know the script yet
 * (first call, a restart, SCRIPT FLUSH, a failover) it answers NOSCRIPT and we send it whole once.
 */
async function evalTake(redis: Redis, key: string, capacity: number, rate: number, want: number): Promise<unknown> {
  try {
    return await redis.evalsha(TAKE_SHA, 1, key, capacity, rate, want);
  } catch (err) {
    if (!(err instanceof Error && err.message.startsWith('NOSCRIPT'))) throw err;
    return await redis.eval(TAKE_SCRIPT, 1, key, capacity, rate, want);
  }
}

async function takeFromRedis(redis: Redis, key: string, capacity: number, rate: number, want: number): Promise<Decision> {
  const reply = (await evalTake(redis, key, capacity, rate, want)) as [number, string, number, number];
  const [allowed, remaining, retryAfterMs, resetMs] = reply;
  return { allowed: allowed === 1, remaining: Number(remaining), retryAfterMs, resetMs };
}

export interface RedisTokenBucketOptions {
  /** An ioredis connection; the bucket never closes it. */
  redis: Redis;
  /** The Redis key that holds this bucket. */
  key: string;
  capacity: number;
  /** Must be > 0: the key's TTL is the time the bucket takes to fill again. */
  refillPerSecond: number;
}

/** One bucket, kept in Redis under `key`, shared by every process that names the same key. */
export class RedisTokenBucket {
  readonly #redis: Redis;
  readonly #key: string;
  readonly #capacity: number;
  readonly #rate: number;

  constructor(opts: RedisTokenBucketOptions) {
    checkCapacity('RedisTokenBucket', opts.capacity);
    checkRate('RedisTokenBucket', opts.refillPerSecond, false);
    this.#redis = opts.redis;
    this.#key = opts.key;
    this.#capacity = opts.capacity;
    this.#rate = opts.refillPerSecond;
  }

  /** Takes `tokens` atomically; resolves false (taking nothing) if they are not all there. */
  async tryTake(tokens = 1): Promise<boolean> {
    return (await this.take(tokens)).allowed;
  }

  /** Like tryTake, with the details a response header needs. */
  async take(tokens = 1): Promise<Decision> {
    checkTokens('RedisTokenBucket.take', tokens);
    return takeFromRedis(this.#redis, this.#key, this.#capacity, this.#rate, tokens);
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
  readonly capacity: number;
  readonly refillPerSecond: number;
  readonly #redis: Redis;
  readonly #prefix: string;

  constructor(opts: RedisStoreOptions) {
    checkCapacity('RedisStore', opts.capacity);
    checkRate('RedisStore', opts.refillPerSecond, false);
    this.capacity = opts.capacity;
    this.refillPerSecond = opts.refillPerSecond;
    this.#redis = opts.redis;
    this.#prefix = opts.prefix;
  }

  async take(key: string, tokens: number): Promise<Decision> {
    checkTokens('RedisStore.take', tokens);
    return takeFromRedis(this.#redis, this.#prefix + key, this.capacity, this.refillPerSecond, tokens);
  }
}
