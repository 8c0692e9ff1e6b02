/**
 * Stage 1: primality on one thread. isPrime agrees with a sieve of Eratosthenes on every number up
 * to 10^5 and on random numbers up to 2·10^6; the traps (0, 1, negatives, squares of primes,
 * Carmichael numbers, the largest 31-bit prime) are checked by name; countPrimesInRange is
 * half-open and agrees with the sieve on random ranges; bad input is a TypeError or RangeError.
 */
import { countPrimesInRange, isPrime } from '#kata/fair-threads';
import { checkProperty, fc } from '#support/property';
import { describe, expect, it } from 'vitest';
import { KNOWN_PI, LIMIT, composite, sievePi, sievePrimes } from './helpers.ts';

const BAD_INTEGERS = [1.5, -0.25, Number.NaN, Infinity, -Infinity, 2 ** 53];

describe('stage 1: primality', () => {
  it('isPrime: 0, 1 and negatives are not prime; 2 and 3 are', () => {
    expect([0, 1, -1, -2, -3, -7, -97].map((n) => isPrime(n))).toEqual([false, false, false, false, false, false, false]);
    expect([2, 3, 5, 7].map((n) => isPrime(n))).toEqual([true, true, true, true]);
    expect([4, 6, 8, 9].map((n) => isPrime(n))).toEqual([false, false, false, false]);
  });

  it('isPrime agrees with a sieve of Eratosthenes on every n in [0, 100000]', () => {
    const wrong: number[] = [];
    for (let n = 0; n <= 100_000; n++) if (isPrime(n) !== !composite[n]) wrong.push(n);
    expect(wrong.slice(0, 10), `isPrime is wrong for ${wrong.length} numbers, first: ${wrong.slice(0, 10).join(', ')}`).toEqual([]);
  });

  it('isPrime agrees with the sieve on random n up to 2·10^6 (property)', async () => {
    await checkProperty(
      fc.property(fc.integer({ min: 0, max: LIMIT }), (n) => {
        expect(isPrime(n), `isPrime(${n})`).toBe(!composite[n]);
      }),
      { numRuns: 2000 },
    );
  });

  it('squares of primes are not prime: the divisor search must reach √n itself', () => {
    for (const p of [2, 3, 5, 7, 11, 13, 31, 101, 997, 9973, 46_337]) expect(isPrime(p * p), `${p}² = ${p * p}`).toBe(false);
    // A prime times the next prime: the factor sits just below √n.
    expect(isPrime(46_337 * 46_327), '46337 · 46327').toBe(false);
  });

  it('Carmichael numbers are composite, and large known primes are prime', () => {
    for (const c of [561, 1105, 1729, 2465, 2821, 6601, 8911, 41_041, 46_657, 294_409, 512_461]) expect(isPrime(c), `Carmichael ${c}`).toBe(false);
    for (const p of [999_983, 1_000_003, 1_000_000_007, 1_000_000_009, 2_147_483_647]) expect(isPrime(p), `prime ${p}`).toBe(true);
    for (const c of [1_000_000_008, 2_147_483_649, 4_294_967_297]) expect(isPrime(c), `composite ${c}`).toBe(false);
  });

  it('isPrime rejects what is not a safe integer: RangeError, or TypeError for a non-number', () => {
    for (const bad of BAD_INTEGERS) expect(() => isPrime(bad), String(bad)).toThrow(RangeError);
    expect(() => isPrime('7' as unknown as number)).toThrow(TypeError);
    expect(() => isPrime(undefined as unknown as number)).toThrow(TypeError);
  });

  it('countPrimesInRange is half-open: [lo, hi) counts lo and not hi', () => {
    expect(countPrimesInRange(0, 11)).toBe(4); // 2 3 5 7
    expect(countPrimesInRange(0, 12)).toBe(5); // and 11
    expect(countPrimesInRange(11, 12)).toBe(1);
    expect(countPrimesInRange(2, 3)).toBe(1);
    expect(countPrimesInRange(7, 7)).toBe(0);
    expect(countPrimesInRange(-100, 2)).toBe(0);
    expect(countPrimesInRange(-100, 3)).toBe(1);
    expect(countPrimesInRange(24, 29)).toBe(0); // a prime gap
    expect(countPrimesInRange(1_000_000_000, 1_000_000_010)).toBe(2); // 10^9 + 7 and 10^9 + 9
  });

  it('countPrimesInRange(0, 10^k + 1) is π(10^k) for k = 1..5', () => {
    for (const [n, pi] of KNOWN_PI.filter(([n]) => n <= 100_000)) expect(countPrimesInRange(0, n + 1), `π(${n})`).toBe(pi);
    expect(sievePi(1_000_000)).toBe(78_498); // the oracle itself, against the published value
  });

  it('countPrimesInRange agrees with the sieve on random ranges (property)', async () => {
    await checkProperty(
      fc.property(fc.integer({ min: -1000, max: LIMIT }), fc.integer({ min: 0, max: 20_000 }), (lo, len) => {
        const hi = Math.min(lo + len, LIMIT + 1);
        expect(countPrimesInRange(lo, hi), `[${lo}, ${hi})`).toBe(sievePrimes(lo, hi));
      }),
      { numRuns: 200 },
    );
  });

  it('countPrimesInRange rejects lo > hi and non-integers with RangeError, non-numbers with TypeError', () => {
    expect(() => countPrimesInRange(10, 9)).toThrow(RangeError);
    for (const bad of BAD_INTEGERS) {
      expect(() => countPrimesInRange(bad, 100), `lo ${bad}`).toThrow(RangeError);
      expect(() => countPrimesInRange(0, bad), `hi ${bad}`).toThrow(RangeError);
    }
    expect(() => countPrimesInRange('0' as unknown as number, 10)).toThrow(TypeError);
    expect(() => countPrimesInRange(0, null as unknown as number)).toThrow(TypeError);
  });
});
