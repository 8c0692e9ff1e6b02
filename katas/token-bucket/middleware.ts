/**
 * Rate limiting for node:http (and Express/Connect, which share the `(req, res, next)` shape):
 * one bucket per client key, 429 with Retry-After when it is empty, and the RateLimit header fields
 * of draft-ietf-httpapi-ratelimit-headers-06 on every response. See README.md, stage 3.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { todo } from '../not-implemented.ts';

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
  readonly capacity!: number;
  readonly refillPerSecond!: number;

  // TODO: a Map<string, TokenBucket> (from ./bucket.ts), every bucket on the store's clock.

  /** Throws RangeError unless capacity is a positive integer and refillPerSecond > 0. */
  constructor(opts: MemoryStoreOptions) {
    return todo('token-bucket', 'MemoryStore constructor');
  }

  /** How many buckets are held right now. */
  get size(): number {
    return todo('token-bucket', 'MemoryStore.size');
  }

  /**
   * Takes from the bucket of `key`, creating it (full) if needed. Every `capacity / refillPerSecond`
   * seconds of the store's clock, call `sweep()` first: a bucket untouched since the previous sweep
   * is full by then, so at most two refill periods' worth of clients are ever held.
   */
  take(key: string, tokens: number): Decision {
    // TODO: remaining = bucket.available(); retryAfterMs = allowed ? 0 : bucket.msUntil(tokens);
    // resetMs = bucket.msUntil(capacity).
    return todo('token-bucket', 'MemoryStore.take');
  }

  /**
   * Drops every bucket that is full again and returns how many it dropped. Dropping a full bucket
   * changes nothing a client can see; dropping one that is still refilling would hand its owner a
   * fresh, full bucket.
   */
  sweep(): number {
    return todo('token-bucket', 'MemoryStore.sweep');
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
 * Returns `(req, res, next)`: takes one token from the bucket of `key(req)` (default
 * `req.socket.remoteAddress`). On every response it sets
 *   RateLimit-Limit: capacity
 *   RateLimit-Remaining: tokens left, rounded down
 *   RateLimit-Reset: seconds until the bucket is full, rounded up
 *   RateLimit-Policy: `${capacity};w=${seconds to refill from empty, rounded up}`
 * then calls next() if admitted, or answers 429 with Retry-After (seconds, rounded UP, >= 1) and
 * a short text body, without calling next. A store that throws or rejects goes to next(err).
 * Throws RangeError for invalid limits (see MemoryStore).
 */
export function rateLimit(opts: RateLimitOptions): Middleware {
  // TODO: build the store once (opts.store, or a MemoryStore from the limits), then return the
  // middleware. store.take may return a Decision or a Promise of one: handle both.
  return todo('token-bucket', 'rateLimit');
}
