/**
 * Sizing a Bloom filter from the number of keys it will hold and the false-positive rate wanted,
 * and the classic estimate of the rate a filter reaches.
 */

/** Throws a RangeError naming `name` unless `value` is a finite number > 0. */
export function requirePositive(name: string, value: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new RangeError(`${name} must be a positive finite number, got ${String(value)}`);
  }
}

/** Throws a RangeError naming `name` unless `value` is an integer >= 1 (and <= max). */
export function requireCount(name: string, value: number, max = Number.MAX_SAFE_INTEGER): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw new RangeError(`${name} must be an integer from 1 to ${max}, got ${String(value)}`);
  }
}

/** Throws a RangeError naming `name` unless 0 < value < 1. */
export function requireProbability(name: string, value: number): void {
  if (typeof value !== 'number' || !(value > 0 && value < 1)) {
    throw new RangeError(`${name} must be a probability strictly between 0 and 1, got ${String(value)}`);
  }
}

/**
 * m = ⌈−n·ln p / (ln 2)²⌉ bits and k = round(m/n · ln 2) hashes, at least 1.
 *
 * The optimum k* = (m/n)·ln 2 sets half of the bits after n insertions; the false-positive rate is
 * then 2^−k*, so m = n·log2(1/p)/ln 2. Rounding m up keeps the filter at least as large as needed;
 * k is rounded to the nearer integer because the rate is flat around k* and an extra hash costs
 * time on every call.
 */
export function optimalParameters(n: number, p: number): { bits: number; hashes: number } {
  requirePositive('n', n);
  requireProbability('p', p);
  const bits = Math.ceil((-n * Math.log(p)) / (Math.LN2 * Math.LN2));
  const hashes = Math.max(1, Math.round((bits / n) * Math.LN2));
  return { bits, hashes };
}

/**
 * (1 − e^(−kn/m))^k: after n insertions of k probes each, a bit is still 0 with probability
 * (1 − 1/m)^(kn) ≈ e^(−kn/m); a key never added is reported present when all k of its probes land
 * on set bits. (Assumes independent uniform probes; exact for large m.)
 */
export function theoreticalFpr(bits: number, hashes: number, n: number): number {
  requireCount('bits', bits);
  requireCount('hashes', hashes);
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) {
    throw new RangeError(`n must be a finite number >= 0, got ${String(n)}`);
  }
  return Math.pow(1 - Math.exp((-hashes * n) / bits), hashes);
}
