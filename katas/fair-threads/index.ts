/**
 * Counting primes up to N on worker threads, two ways, and measuring how fairly the work is shared.
 *
 * - Static: [2, N] is cut up front into one contiguous range per thread (`splitRange`).
 * - Dynamic: [2, N] is cut into small batches; each thread takes the next batch number from one
 *   shared counter (`Atomics.add` on a `SharedArrayBuffer`) until none are left.
 *
 * Stage 1 is plain single-threaded code (`isPrime`, `countPrimesInRange`); stage 2 the static
 * schedule on threads; stage 3 the dynamic one; stage 4 fairness. See README.md.
 */
import { todo } from '../not-implemented.ts';

/** The largest N the counters accept: batch numbers live in a 32-bit shared counter. */
export const MAX_N = 2 ** 31 - 1;
/** The most threads a PrimeCounter accepts. */
export const MAX_THREADS = 256;
/** The batch size `countDynamic` uses when none is given. */
export const DEFAULT_BATCH_SIZE = 1000;

/** What one thread did in one run. */
export interface ThreadReport {
  /** Primes this thread found. */
  primes: number;
  /** Wall-clock milliseconds from the start of its share until it ran out of work. */
  busyMs: number;
  /** Ranges it counted: 1 for a static share (0 if its share is empty), one per batch taken for dynamic. */
  batches: number;
  /** The half-open ranges [lo, hi) it counted, in the order it counted them (`batches` of them). */
  ranges: Array<[number, number]>;
}

export interface Result {
  /** π(n): how many primes lie in [2, n]. */
  count: number;
  /** One report per thread, in thread order. */
  perThread: ThreadReport[];
}

export interface PrimeCounterOptions {
  /** Worker threads, an integer in [1, MAX_THREADS]. */
  threads: number;
  /** Node flags for the threads (a TypeScript loader, say). Default: this process's own execArgv. */
  execArgv?: string[];
}

export interface CountOptions {
  /** Node flags for the threads, as in PrimeCounterOptions. */
  execArgv?: string[];
}

/** `countStatic` / `countDynamic` after `close()`, or a run cut off by `close()`. */
export class CounterClosedError extends Error {
  readonly code = 'COUNTER_CLOSED';
  constructor() {
    super('the PrimeCounter is closed: its threads are gone. Create a new PrimeCounter, or count before calling close()');
    this.name = 'CounterClosedError';
  }
}

// ---- stage 1: primality, single-threaded ---------------------------------------------------------

/**
 * Whether `n` is prime, by trial division (up to √n). Any safe integer: 0, 1 and negatives are
 * not prime. Not a number: TypeError. NaN, ±Infinity, fractions, unsafe integers: RangeError.
 */
export function isPrime(n: number): boolean {
  return todo('fair-threads', 'isPrime');
}

/**
 * How many primes lie in the half-open range [lo, hi) (so `countPrimesInRange(0, 11)` is 4: 11 is
 * not in it). `lo === hi` is empty (0). Safe integers only, with the errors of isPrime; lo > hi is
 * a RangeError.
 */
export function countPrimesInRange(lo: number, hi: number): number {
  return todo('fair-threads', 'countPrimesInRange');
}

// ---- stage 2: static ranges ------------------------------------------------------------------------

/**
 * Splits [lo, hi) into `parts` contiguous half-open ranges, in order, whose lengths differ by at
 * most one: the first (hi - lo) % parts ranges get one number more. Ranges are empty ([x, x]) when
 * there are fewer numbers than parts. `splitRange(2, 12, 3)` is [[2, 6], [6, 9], [9, 12]].
 * Errors: parts not an integer >= 1, lo > hi, or non-integers: RangeError (TypeError for non-numbers).
 */
export function splitRange(lo: number, hi: number, parts: number): Array<[number, number]> {
  return todo('fair-threads', 'splitRange');
}

/**
 * A fixed set of worker threads that count primes, kept between runs (starting a thread costs far
 * more than a small count). Runs on one counter happen one after another; no run starts counting
 * before every thread is up and listening (the start gate), so thread start-up never passes for
 * unfairness.
 */
export class PrimeCounter {
  /**
   * Starts `threads` worker threads. Throws RangeError unless `threads` is an integer in
   * [1, MAX_THREADS] (TypeError if it is not a number).
   */
  constructor(opts: PrimeCounterOptions) {
    todo('fair-threads', 'new PrimeCounter');
  }

  /** The number of threads. */
  get threads(): number {
    return todo('fair-threads', 'PrimeCounter.threads');
  }

  /**
   * π(n) with [2, n] split by `splitRange(2, n + 1, threads)`: thread i counts share i. For n < 2
   * every share is empty. Rejects (never throws) with RangeError unless n is an integer in
   * [0, MAX_N] (TypeError if not a number), and with CounterClosedError after close().
   */
  countStatic(n: number): Promise<Result> {
    return todo('fair-threads', 'PrimeCounter.countStatic');
  }

  /**
   * π(n) with threads taking batches from a shared atomic counter. Batch k is
   * [2 + k·batchSize, min(2 + (k+1)·batchSize, n + 1)); a thread claims the next k with
   * `Atomics.add` until the batch would start past n. Rejects like countStatic, and with RangeError
   * unless batchSize is an integer in [1, MAX_N].
   */
  countDynamic(n: number, batchSize: number = DEFAULT_BATCH_SIZE): Promise<Result> {
    return todo('fair-threads', 'PrimeCounter.countDynamic');
  }

  /**
   * Stops every thread and resolves once they have all exited. A run in progress rejects with
   * CounterClosedError. Calling it again returns the same promise.
   */
  close(): Promise<void> {
    return todo('fair-threads', 'PrimeCounter.close');
  }
}

/** One static run on fresh threads: a PrimeCounter of `threads` threads, countStatic(n), close. */
export async function countPrimesStatic(n: number, threads: number, opts: CountOptions = {}): Promise<Result> {
  return todo('fair-threads', 'countPrimesStatic');
}

// ---- stage 3: dynamic batches ----------------------------------------------------------------------

/** One dynamic run on fresh threads: a PrimeCounter of `threads` threads, countDynamic(n, batchSize), close. */
export async function countPrimesDynamic(
  n: number,
  threads: number,
  batchSize: number = DEFAULT_BATCH_SIZE,
  opts: CountOptions = {},
): Promise<Result> {
  return todo('fair-threads', 'countPrimesDynamic');
}

// ---- stage 4: fairness -----------------------------------------------------------------------------

/**
 * max / min of the threads' `busyMs`: 1 is perfectly fair, 2 means one thread worked twice as long
 * as another. 1 when no thread worked at all (every busyMs is 0); Infinity when some did and some
 * did not. RangeError for no reports, or a busyMs that is not a number >= 0.
 */
export function fairness(result: Result): number {
  return todo('fair-threads', 'fairness');
}
