/**
 * Stage 4: the false-positive rate. theoreticalFpr against hand-computed values, then the filter
 * measured: for several (m/n, k), the share of never-added keys it reports present is within
 * ±10% of (1 − e^(−kn/m))^k, with enough queries that ±10% is 5 or more standard deviations.
 */
import { describe, expect, test } from 'vitest';
import { BloomFilter, theoreticalFpr } from '#kata/bloom-filter';
import { withSeed } from '#support/seed';

/** The spec's own model: the same formula, so a measurement does not depend on theoreticalFpr. */
const estimate = (m: number, k: number, n: number) => (1 - Math.exp((-k * n) / m)) ** k;

describe('stage 4: false-positive rate', () => {
  test('theoreticalFpr matches hand-computed values', () => {
    const cases: Array<[number, number, number, number]> = [
      [9_586, 7, 1_000, 0.010034532], //  (1 − e^−0.7302)^7
      [8_000, 3, 1_000, 0.030579354], //  (1 − e^−0.375)^3
      [1_000, 1, 100, 0.095162582], //    1 − e^−0.1
      [2, 1, 1, 0.39346934], //           1 − e^−0.5
      [80_000, 2, 20_000, 0.15481812], // (1 − e^−0.5)^2
      [48, 3, 10, 0.10037514], //         (1 − e^−0.625)^3
    ];
    for (const [m, k, n, expected] of cases) {
      const got = theoreticalFpr(m, k, n);
      expect(Math.abs(got - expected) / expected, `theoreticalFpr(${m}, ${k}, ${n}) = ${got}, expected ${expected}`).toBeLessThan(1e-6);
    }
  });

  test('an empty filter has rate 0, and the rate grows with n', () => {
    expect(theoreticalFpr(1_000, 5, 0)).toBe(0);
    let last = 0;
    for (const n of [10, 50, 100, 200, 400, 800]) {
      const r = theoreticalFpr(1_000, 5, n);
      expect(r, `theoreticalFpr(1000, 5, ${n})`).toBeGreaterThan(last);
      last = r;
    }
    expect(last).toBeLessThan(1);
  });

  test('theoreticalFpr rejects bad sizes with a RangeError naming the argument', () => {
    expect(() => theoreticalFpr(0, 3, 10)).toThrow(RangeError);
    expect(() => theoreticalFpr(0, 3, 10)).toThrow(/bits/);
    expect(() => theoreticalFpr(-8, 3, 10)).toThrow(/bits/);
    expect(() => theoreticalFpr(100, 0, 10)).toThrow(/hashes/);
    expect(() => theoreticalFpr(100, 2.5, 10)).toThrow(RangeError);
    expect(() => theoreticalFpr(100, 2.5, 10)).toThrow(/hashes/);
    expect(() => theoreticalFpr(100, 3, -1)).toThrow(RangeError);
    expect(() => theoreticalFpr(100, 3, -1)).toThrow(/\bn\b/);
  });

  // [bits per key, k, queries]: each theory rate times the queries gives 1 600+ expected false
  // positives, so ±10% is at least 4 standard deviations of the count (most are far more).
  const CONFIGS: Array<[number, number, number]> = [
    [2, 1, 40_000], //   0.3935
    [4, 2, 60_000], //   0.1548
    [6, 3, 100_000], //  0.0609
    [8, 5, 150_000], //  0.0217
    [10, 4, 200_000], // 0.0118
  ];
  const N = 20_000; // keys added; m = bits per key · N is never a power of two

  for (const [perKey, k, queries] of CONFIGS) {
    const m = perKey * N;
    test(`measured FPR is within ±10% of (1 − e^(−kn/m))^k at m/n = ${perKey}, k = ${k} (string keys)`, async () => {
      await withSeed((random) => {
        const f = new BloomFilter(m, k);
        // Structured keys sharing a prefix, like real ones: a weak hash or probe pattern shows here.
        const tag = random.int(0, 0x7fffffff).toString(36);
        for (let i = 0; i < N; i++) f.add(`user:${tag}:${i}`);
        let positives = 0;
        for (let i = 0; i < queries; i++) if (f.has(`guest:${tag}:${i}`)) positives++;
        const measured = positives / queries;
        const theory = estimate(m, k, N);
        expect(
          Math.abs(measured - theory) / theory,
          `m = ${m}, k = ${k}, n = ${N}: measured ${positives}/${queries} = ${measured.toFixed(5)}, theory ${theory.toFixed(5)}`,
        ).toBeLessThan(0.1);
      });
    });
  }

  test('measured FPR is within ±10% of theory with byte keys at m/n = 8, k = 3', async () => {
    await withSeed((random) => {
      const m = 8 * N;
      const k = 3;
      const f = new BloomFilter(m, k);
      // 12-byte keys: 4 random bytes shared by the run, then a counter, then a marker byte.
      const key = new Uint8Array(12);
      key.set(random.bytes(4), 0);
      const view = new DataView(key.buffer);
      for (let i = 0; i < N; i++) {
        view.setUint32(4, i, true);
        key[8] = 0x01;
        f.add(key);
      }
      const queries = 100_000;
      let positives = 0;
      for (let i = 0; i < queries; i++) {
        view.setUint32(4, i, true);
        key[8] = 0x02;
        if (f.has(key)) positives++;
      }
      const measured = positives / queries;
      const theory = estimate(m, k, N);
      expect(Math.abs(measured - theory) / theory, `measured ${measured.toFixed(5)}, theory ${theory.toFixed(5)}`).toBeLessThan(0.1);
    });
  });
});
