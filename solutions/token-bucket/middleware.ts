/**
 * Rate limiting for node:http (and Express/Connect, which share the `(req, res, next)` shape):
 * one bucket per client key, 429 with Retry-After when it is empty, and the RateLimit header fields
 * of draft-ietf-httpapi-ratelimit-headers-06 on every response.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { TokenBucket } from './bucket.ts';
import { checkCapacity, checkRate } from './validate.ts';

/** What a store answers for one request. */
export interface Decision {
  /** True if the tokens were taken. */
  allowed: boolean;
  /** Tokens left in the bucket after this call (possibly fractional). */
  remaining: number;
  /** When refused: ms until the same request would be admitted. 0 when allowed. */
  retryAfterMs: number;
  /** ms until the bucket is full again (0 if it is full). */
  resetMs: number;
}

/** Where the buckets live: in this process (`MemoryStore`) or shared (`RedisStore`). */
export interface RateLimitStore {
  readonly capacity: number;
  readonly refillPerSecond: number;
  /** Takes `tokens` from the bucket named `key` (a new key starts with a full bucket). */
  take(key: string, tokens: number): Decision | Promise<Decision>;
}

export interface MemoryStoreOptions {
  capacity: number;
  /** Must be > 0: a bucket that never refills would never become idle and never be evicted. */
  refillPerSecond: number;
  /** The clock in milliseconds, shared by every bucket. Defaults to `performance.now()`. */
  now?: () => number;
}

/** Buckets in a Map, one per key. Full buckets are dropped: a missing bucket IS a full bucket. */
export class MemoryStore implements RateLimitStore {
  readonly capacity: number;
  readonly refillPerSecond: number;
  readonly #now: () => number;
  readonly #buckets = new Map<string, TokenBucket>();
  /** A bucket last touched before the previous sweep is full by now: sweep once per refill time. */
  readonly #sweepEveryMs: number;
  #lastSweep: number;

  constructor(opts: MemoryStoreOptions) {
    checkCapacity('MemoryStore', opts.capacity);
    checkRate('MemoryStore', opts.refillPerSecond, false);
    this.capacity = opts.capacity;
    this.refillPerSecond = opts.refillPerSecond;
    this.#now = opts.now ?? (() => performance.now());
    this.#sweepEveryMs = (opts.capacity * 1000) / opts.refillPerSecond;
    this.#lastSweep = this.#now();
  }

  /** How many buckets are held right now. */
  get size(): number {
    return this.#buckets.size;
  }

  take(key: string, tokens: number): Decision {
    const now = this.#now();
    if (now - this.#lastSweep >= this.#sweepEveryMs) {
      this.sweep();
      this.#lastSweep = now;
    }
    let bucket = this.#buckets.get(key);
    if (!bucket) {
      bucket = new TokenBucket({ capacity: this.capacity, refillPerSecond: this.refillPerSecond, now: this.#now });
      this.#buckets.set(key, bucket);
    }
    const allowed = bucket.tryTake(tokens);
    return {
      allowed,
      remaining: bucket.available(),
      retryAfterMs: allowed ? 0 : bucket.msUntil(tokens),
      resetMs: bucket.msUntil(this.capacity),
    };
  }

  /**
   * Drops every bucket that is full again and returns how many it dropped. Dropping a full bucket
   * changes nothing a client can see; dropping one that is still refilling would hand its owner
   * a fresh, full bucket.
   */
  sweep(): number {
    let dropped = 0;
    for (const [key, bucket] of this.#buckets) {
      if (bucket.msUntil(this.capacity) === 0) {
        this.#buckets.delete(key); // deleting the current entry while iterating a Map is safe
        dropped++;
      }
    }
    return dropped;
  }
}

export type KeyFn = (req: IncomingMessage) => string;
export type NextFn = (err?: unknown) => void;
export type Middleware = (req: IncomingMessage, res: ServerResponse, next: NextFn) => void;

export type RateLimitOptions =
  | {
      capacity: number;
      refillPerSecond: number;
      now?: () => number;
      /** Which bucket a request draws from. Default: the client's IP address. */
      key?: KeyFn;
    }
  | { store: RateLimitStore; key?: KeyFn };

/**
 * The client's address as the socket sees it. Behind a proxy or load balancer that is the proxy:
 * read X-Forwarded-For in your own `key` only if you trust the proxy that sets it.
 */
function remoteAddress(req: IncomingMessage): string {
  return req.socket.remoteAddress ?? 'unknown';
}

function isPromise<T>(x: T | Promise<T>): x is Promise<T> {
  return typeof (x as Promise<T> | undefined)?.then === 'function';
}

export function rateLimit(opts: RateLimitOptions): Middleware {
  const store = 'store' in opts ? opts.store : new MemoryStore(opts);
  const keyOf = opts.key ?? remoteAddress;
  // Draft-06 policy: `quota;w=window`. A bucket sustains `capacity` tokens per the time it takes
  // to refill from empty, and allows that much at once.
  const policy = `${store.capacity};w=${Math.ceil(store.capacity / store.refillPerSecond)}`;

  return (req, res, next) => {
    const respond = (d: Decision): void => {
      res.setHeader('RateLimit-Policy', policy);
      res.setHeader('RateLimit-Limit', String(store.capacity));
      res.setHeader('RateLimit-Remaining', String(Math.max(0, Math.floor(d.remaining))));
      res.setHeader('RateLimit-Reset', String(Math.ceil(d.resetMs / 1000)));
      if (d.allowed) {
        next();
        return;
      }
      // Whole seconds, rounded UP: a client that waits exactly this long must get in.
      res.statusCode = 429;
      res.setHeader('Retry-After', String(Math.max(1, Math.ceil(d.retryAfterMs / 1000))));
      res.setHeader('Content-Type', 'text/plain; charset=utf-8');
      res.end('Too Many Requests\n');
    };

    let decision: Decision | Promise<Decision>;
    try {
      decision = store.take(keyOf(req), 1);
    } catch (err) {
      next(err);
      return;
    }
    // A synchronous store answers synchronously, so errors thrown by `next` reach the caller.
    if (isPromise(decision)) decision.then(respond, next);
    else respond(decision);
  };
}
