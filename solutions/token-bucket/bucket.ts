/**
 * The token bucket: `capacity` tokens, refilled continuously at `refillPerSecond`. A request takes
 * tokens or is refused; nothing is queued. The state is two numbers (tokens, time of the last
 * refill) brought up to date lazily on every call, so an idle bucket costs nothing.
 */
import { performance } from 'node:perf_hooks';
import { checkCapacity, checkRate, checkTokens } from './validate.ts';

export interface TokenBucketOptions {
  /** The most tokens the bucket holds: the largest burst. A positive integer. */
  capacity: number;
  /** Tokens added per second, continuously (0.5 = one token every 2 s). A finite number >= 0. */
  refillPerSecond: number;
  /** The clock in milliseconds. Defaults to `performance.now()` (monotonic). */
  now?: () => number;
}

/**
 * Token counts are sums of floats like 0.1 + 0.2, which miss whole numbers by an ulp or two. A count
 * this close to a whole number is that whole number, so a caller who waited exactly `msUntil(n)`
 * finds n tokens, not 0.9999999999999999 of the last one.
 */
const SNAP = 1e-9;

function snap(x: number): number {
  const whole = Math.round(x);
  return Math.abs(x - whole) < SNAP ? whole : x;
}

export class TokenBucket {
  readonly #capacity: number;
  readonly #rate: number;
  readonly #now: () => number;
  #tokens: number;
  /** The latest clock reading seen: tokens are credited only for time beyond it. */
  #last: number;

  constructor(opts: TokenBucketOptions) {
    checkCapacity('TokenBucket', opts.capacity);
    checkRate('TokenBucket', opts.refillPerSecond, true);
    this.#capacity = opts.capacity;
    this.#rate = opts.refillPerSecond;
    this.#now = opts.now ?? (() => performance.now());
    this.#tokens = opts.capacity; // a new bucket is full: the first burst is allowed
    this.#last = this.#now();
  }

  /** Takes `tokens` if they are all there; takes nothing and returns false otherwise. */
  tryTake(tokens = 1): boolean {
    checkTokens('TokenBucket.tryTake', tokens);
    this.#refill();
    if (this.#tokens < tokens) return false;
    this.#tokens = snap(this.#tokens - tokens);
    return true;
  }

  /** Tokens in the bucket now (possibly fractional), between 0 and capacity. */
  available(): number {
    this.#refill();
    return this.#tokens;
  }

  /**
   * Whole milliseconds until `tryTake(tokens)` would succeed, rounded up: 0 if it would now,
   * Infinity if it never can (more than capacity, or a bucket that does not refill).
   */
  msUntil(tokens = 1): number {
    checkTokens('TokenBucket.msUntil', tokens);
    if (tokens > this.#capacity) return Infinity;
    const t = this.#refill();
    const missing = tokens - this.#tokens;
    if (missing <= 0) return 0;
    if (this.#rate === 0) return Infinity;
    // After a step back the clock must first catch up with the latest reading before it earns.
    const behind = this.#last - t;
    // Round up, but not for float noise: 700.0000000000001 ms is 700 ms, the same tolerance
    // `snap` gives the refill, so waiting `wait` ms is enough and `wait - 1` is not.
    return Math.ceil(behind + (missing * 1000) / this.#rate - SNAP);
  }

  /** Brings the tokens up to date; returns the clock reading it used. */
  #refill(): number {
    const t = this.#now();
    // A clock that steps backwards (NTP, a VM resumed, a test) must not mint tokens: time before
    // the latest reading was already paid for, so only time beyond it counts.
    const elapsed = Math.max(0, t - this.#last);
    this.#last = Math.max(this.#last, t);
    this.#tokens = Math.min(this.#capacity, snap(this.#tokens + (elapsed * this.#rate) / 1000));
    return t;
  }
}
