/**
 * What the fair-threads specs share: a sieve (the oracle for every count), the known values of
 * π(10^k), a cost model of trial division (to measure shares of work without a clock), checks of
 * the ranges a run reports, and one counter per spec file (booting threads is the slow part).
 */
import { PrimeCounter, type Result } from '#kata/fair-threads';
import { workerExecArgv } from '#support/child';
import { afterAll, expect } from 'vitest';

/** Worker threads that load TypeScript take a while to boot on a busy machine. */
export const STAGE_TIMEOUT = 60_000;

/** The largest n any spec counts to. */
export const LIMIT = 2_000_000;

/** π(10^k), k = 1..6, and π(2·10^6): the published values. */
export const KNOWN_PI: ReadonlyArray<readonly [number, number]> = [
  [10, 4],
  [100, 25],
  [1000, 168],
  [10_000, 1229],
  [100_000, 9592],
  [1_000_000, 78498],
  [2_000_000, 148_933],
];

/** The largest prime below 10^6: π(999983) = π(10^6) = 78498 only if N itself is counted. */
export const PRIME_BELOW_1E6 = 999_983;

/** The sieve of Eratosthenes up to LIMIT: composite[k] is 1 for 0, 1 and every composite. */
export const composite: Uint8Array = (() => {
  const c = new Uint8Array(LIMIT + 1);
  c[0] = 1;
  c[1] = 1;
  for (let p = 2; p * p <= LIMIT; p++) {
    if (c[p]) continue;
    for (let m = p * p; m <= LIMIT; m += p) c[m] = 1;
  }
  return c;
})();

/** below[k] = primes in [0, k), for 0 <= k <= LIMIT + 1. */
const below: Uint32Array = (() => {
  const b = new Uint32Array(LIMIT + 2);
  for (let k = 0; k <= LIMIT; k++) b[k + 1] = b[k]! + (composite[k] ? 0 : 1);
  return b;
})();

/** The sieve's answer for primes in [lo, hi) (lo, hi clamped to [0, LIMIT + 1]). */
export function sievePrimes(lo: number, hi: number): number {
  const clamp = (x: number) => Math.min(Math.max(x, 0), LIMIT + 1);
  return Math.max(0, below[clamp(hi)]! - below[clamp(lo)]!);
}

/** π(n) by the sieve. */
export function sievePi(n: number): number {
  return sievePrimes(0, n + 1);
}

/**
 * Work units: the cost of testing k by plain trial division, counted as the candidate divisors
 * tried (2, 3, 5, 7, 9, ... until one divides k or passes √k). Any trial division costs in
 * proportion, so this measures how much work a range is without a clock: deterministic, and
 * blind to how busy the machine is. prefix[k] = total cost of [0, k); built on first use.
 */
let costPrefix: Float64Array | undefined;
function buildCostPrefix(): Float64Array {
  // Smallest prime factor of every k, from a linear pass over the sieve.
  const spf = new Uint32Array(LIMIT + 1);
  for (let p = 2; p <= LIMIT; p++) {
    if (spf[p] !== 0) continue;
    for (let m = p; m <= LIMIT; m += p) if (spf[m] === 0) spf[m] = p;
  }
  const prefix = new Float64Array(LIMIT + 2);
  for (let k = 0; k <= LIMIT; k++) {
    let cost = 0;
    if (k >= 2) {
      if (k % 2 === 0) cost = 1;
      else {
        // Odd k: 2, then the odd candidates 3, 5, ..., up to the smallest factor or ⌊√k⌋.
        const last = Math.min(spf[k]!, Math.floor(Math.sqrt(k)));
        cost = 1 + (last >= 3 ? Math.floor((last - 3) / 2) + 1 : 0);
      }
    }
    prefix[k + 1] = prefix[k]! + cost;
  }
  return prefix;
}

/** Work units of the half-open range [lo, hi) (within [0, LIMIT + 1)). */
export function workOf(lo: number, hi: number): number {
  costPrefix ??= buildCostPrefix();
  return costPrefix[hi]! - costPrefix[lo]!;
}

/** Work units each thread of a run did, from the ranges it reported. */
export function workPerThread(result: Result): number[] {
  return result.perThread.map((t) => t.ranges.reduce((sum, [lo, hi]) => sum + workOf(lo, hi), 0));
}

/** The batches a dynamic run must consist of: [2 + k·b, min(2 + (k+1)·b, n + 1)) for every k. */
export function expectedBatches(n: number, batchSize: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let lo = 2; lo <= n; lo += batchSize) out.push([lo, Math.min(lo + batchSize, n + 1)]);
  return out;
}

/** The static shares: [2, n + 1) cut into `threads` contiguous ranges, lengths differing by <= 1. */
export function expectedShares(n: number, threads: number): Array<[number, number]> {
  const lo = 2;
  const hi = Math.max(2, n + 1);
  const base = Math.floor((hi - lo) / threads);
  const extra = (hi - lo) % threads;
  const out: Array<[number, number]> = [];
  let start = lo;
  for (let i = 0; i < threads; i++) {
    const len = base + (i < extra ? 1 : 0);
    out.push([start, start + len]);
    start += len;
  }
  return out;
}

/** Checks what every run must report, whatever the schedule: counts, sums, batches, busy times. */
export function expectConsistent(result: Result, n: number, threads: number): void {
  expect(result.count, `π(${n})`).toBe(sievePi(n));
  expect(result.perThread, 'one report per thread').toHaveLength(threads);
  let sum = 0;
  result.perThread.forEach((t, i) => {
    expect(t.batches, `thread ${i}: batches is the number of ranges it reported`).toBe(t.ranges.length);
    const inRanges = t.ranges.reduce((s, [lo, hi]) => s + sievePrimes(lo, hi), 0);
    expect(t.primes, `thread ${i}: primes must be the primes in the ranges it reported`).toBe(inRanges);
    expect(Number.isFinite(t.busyMs) && t.busyMs >= 0, `thread ${i}: busyMs ${t.busyMs} must be a finite number >= 0`).toBe(true);
    sum += t.primes;
  });
  expect(sum, 'count must be the sum of the threads\' primes').toBe(result.count);
}

/**
 * Checks that a dynamic run's ranges, over all threads, are exactly the batches of [2, n]: each
 * batch once (a duplicate means two threads claimed the same batch number), none missing, none
 * bent out of shape.
 */
export function expectExactBatches(result: Result, n: number, batchSize: number): void {
  const want = expectedBatches(n, batchSize);
  const seen = new Map<number, number>();
  for (const t of result.perThread) {
    for (const [lo, hi] of t.ranges) {
      const k = (lo - 2) / batchSize;
      const exp = want[k];
      if (!Number.isInteger(k) || !exp || exp[1] !== hi) {
        throw new Error(`[${lo}, ${hi}) is not a batch of n = ${n}, batchSize = ${batchSize}: batch k is [2 + k·${batchSize}, min(2 + (k+1)·${batchSize}, ${n + 1}))`);
      }
      seen.set(k, (seen.get(k) ?? 0) + 1);
    }
  }
  const twice = [...seen].filter(([, c]) => c > 1).map(([k]) => k);
  if (twice.length > 0) {
    throw new Error(
      `${twice.length} batches were counted more than once (batch numbers ${twice.slice(0, 8).join(', ')}${twice.length > 8 ? ', ...' : ''}): ` +
        'two threads claimed the same batch. The claim must be one atomic read-and-increment (Atomics.add)',
    );
  }
  const missing = want.map((_, k) => k).filter((k) => !seen.has(k));
  if (missing.length > 0) throw new Error(`${missing.length} of ${want.length} batches were never counted (batch numbers ${missing.slice(0, 8).join(', ')})`);
}

const counters = new Map<string, PrimeCounter>();
afterAll(async () => {
  const all = [...counters.values()];
  counters.clear();
  await Promise.all(all.map((c) => c.close()));
});

/** One counter of `threads` threads shared by the tests of a file, closed after the file. */
export function sharedCounter(threads = 2): PrimeCounter {
  const key = String(threads);
  let c = counters.get(key);
  if (!c) {
    c = new PrimeCounter({ threads, execArgv: workerExecArgv() });
    counters.set(key, c);
  }
  return c;
}

/** Resolves like `p`, or rejects after `ms` with a message naming what hung. */
export async function within<T>(ms: number, p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms: a thread never answered`)), ms);
  });
  try {
    return await Promise.race([p, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
