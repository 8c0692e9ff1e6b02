/**
 * The token bucket: `capacity` tokens, refilled continuously at `refillPerSecond`. A request takes
 * tokens or is refused; nothing is queued. See README.md, stages 1 and 2.
 */
import { todo } from '../not-implemented.ts';

export interface TokenBucketOptions {
  /** The most tokens the bucket holds: the largest burst. A positive integer. */
  capacity: number;
  /** Tokens added per second, continuously (0.5 = one token every 2 s). A finite number >= 0. */
  refillPerSecond: number;
  /** The clock in milliseconds. Defaults to `performance.now()` (monotonic). */
  now?: () => number;
}

export class TokenBucket {
  // TODO: the whole state is two numbers, plus the options:
  //   - tokens: how many are in the bucket (a float: refill is continuous);
  //   - last:   the latest clock reading seen.
  // Do not run a timer. Bring the state up to date lazily ("refill") at the start of every call:
  //   elapsed = max(0, now - last); last = max(last, now);
  //   tokens  = min(capacity, tokens + elapsed * refillPerSecond / 1000)
  // The clock is in milliseconds and the rate is per second. A clock reading earlier than `last`
  // (the clock stepped back) is no time at all, and must not move `last` back either.

  /**
   * A new bucket is full. Throws RangeError unless capacity is a positive integer and
   * refillPerSecond a finite number >= 0.
   */
  constructor(opts: TokenBucketOptions) {
    // TODO: validate, keep the options, start full, read the clock once.
    return todo('token-bucket', 'TokenBucket constructor');
  }

  /**
   * Takes `tokens` if they are all there and returns true; otherwise takes NOTHING and returns
   * false. More than capacity is always refused; 0 always succeeds. Throws RangeError unless
   * `tokens` is an integer >= 0.
   */
  tryTake(tokens = 1): boolean {
    // TODO: validate, refill, compare, subtract.
    return todo('token-bucket', 'TokenBucket.tryTake');
  }

  /** Tokens in the bucket now (after refilling): between 0 and capacity, possibly fractional. */
  available(): number {
    return todo('token-bucket', 'TokenBucket.available');
  }

  /**
   * Whole milliseconds until `tryTake(tokens)` would succeed, rounded up: 0 if it would now,
   * Infinity if it never can (more than capacity, or refillPerSecond 0 and not enough). Waiting
   * exactly that long must be enough, and one millisecond less must not. Takes nothing.
   * Throws RangeError unless `tokens` is an integer >= 0.
   */
  msUntil(tokens = 1): number {
    // TODO: missing = tokens - available; ms = missing * 1000 / refillPerSecond, rounded up.
    // If the clock is behind `last` (it stepped back), it must first catch up: add last - now.
    // Floating point: 0.1 + 0.2 !== 0.3. See README "Floating point" for the tolerance to use.
    return todo('token-bucket', 'TokenBucket.msUntil');
  }
}
