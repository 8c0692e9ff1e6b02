/**
 * The single-threaded core: a primality test by trial division, counting over a range, and the
 * split of a range into near-equal contiguous parts. Pure functions, no threads.
 *
 * Trial division is deliberately the algorithm here (not a sieve): testing k costs up to √k
 * divisions, so numbers near N cost far more than numbers near 2, and equal-sized ranges are
 * unequal amounts of work. That skew is what the static and dynamic schedules are compared on.
 */

/** The largest N the counters accept: batch numbers live in a 32-bit shared counter. */
export const MAX_N = 2 ** 31 - 1;

/** A safe integer, or a TypeError (not a number) / RangeError (NaN, fractional, unsafe). */
export function checkInteger(name: string, v: unknown): asserts v is number {
  if (typeof v !== 'number') throw new TypeError(`${name} must be a number, not ${typeof v}`);
  if (!Number.isSafeInteger(v)) throw new RangeError(`${name} must be a safe integer, not ${String(v)}`);
}

/** An integer in [min, max], with the same error types as checkInteger. */
export function checkIntegerIn(name: string, v: unknown, min: number, max = Number.MAX_SAFE_INTEGER): asserts v is number {
  checkInteger(name, v);
  if (v < min || v > max) {
    throw new RangeError(`${name} must be an integer in [${min}, ${max === Number.MAX_SAFE_INTEGER ? 'MAX_SAFE_INTEGER' : max}], not ${v}`);
  }
}

/** The test itself, without argument checks: the workers call it millions of times. */
export function isPrimeUnchecked(n: number): boolean {
  if (n < 2) return false;
  if (n % 2 === 0) return n === 2;
  if (n % 3 === 0) return n === 3;
  // Every prime above 3 is 6k ± 1: try d = 6k - 1 and d + 2 = 6k + 1 while d² ≤ n. `<=`, not `<`:
  // the square of a prime (25, 49, 121...) has no divisor below its root.
  for (let d = 5; d * d <= n; d += 6) {
    if (n % d === 0 || n % (d + 2) === 0) return false;
  }
  return true;
}

/** Primes in [lo, hi), without argument checks. */
export function countRangeUnchecked(lo: number, hi: number): number {
  let count = 0;
  for (let k = Math.max(lo, 2); k < hi; k++) if (isPrimeUnchecked(k)) count++;
  return count;
}

/** Whether `n` is prime. Any safe integer; 0, 1 and negatives are not prime. */
export function isPrime(n: number): boolean {
  checkInteger('n', n);
  return isPrimeUnchecked(n);
}

/** How many primes lie in the half-open range [lo, hi). Empty when lo === hi; lo > hi is a RangeError. */
export function countPrimesInRange(lo: number, hi: number): number {
  checkInteger('lo', lo);
  checkInteger('hi', hi);
  if (lo > hi) throw new RangeError(`countPrimesInRange needs lo <= hi (a half-open range [lo, hi)), not [${lo}, ${hi})`);
  return countRangeUnchecked(lo, hi);
}

/**
 * Splits [lo, hi) into `parts` contiguous half-open ranges, in order, whose lengths differ by at
 * most one: the first (hi - lo) % parts ranges get one number more. Some are empty when there are
 * fewer numbers than parts. This is the static schedule: part i is thread i's share.
 */
export function splitRange(lo: number, hi: number, parts: number): Array<[number, number]> {
  checkInteger('lo', lo);
  checkInteger('hi', hi);
  checkIntegerIn('parts', parts, 1);
  if (lo > hi) throw new RangeError(`splitRange needs lo <= hi (a half-open range [lo, hi)), not [${lo}, ${hi})`);
  const size = hi - lo;
  const base = Math.floor(size / parts);
  const extra = size % parts;
  const out: Array<[number, number]> = [];
  let start = lo;
  for (let i = 0; i < parts; i++) {
    // The remainder goes one number each to the first parts, so nothing is dropped at the end.
    const len = base + (i < extra ? 1 : 0);
    out.push([start, start + len]);
    start += len;
  }
  return out;
}
