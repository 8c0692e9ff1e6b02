/**
 * Stage 3: sizing. m = ⌈−n·ln p / (ln 2)²⌉ and k = max(1, round(m/n · ln 2)) against values worked
 * out by hand, argument checks, and a filter from create(n, p) that holds n keys at about rate p.
 */
import { describe, expect, test } from 'vitest';
import { BloomFilter, optimalParameters } from '#kata/bloom-filter';
import { checkProperty, fc } from '#support/property';
import { withSeed } from '#support/seed';

/** The spec's own model of the false-positive estimate, so stage 3 does not lean on stage 4. */
const estimate = (m: number, k: number, n: number) => (1 - Math.exp((-k * n) / m)) ** k;

describe('stage 3: sizing', () => {
  test('optimalParameters matches hand-computed sizes', () => {
    // n, p → −n·ln p / (ln 2)², rounded up → m/n · ln 2, rounded
    const cases: Array<[number, number, number, number]> = [
      [1_000, 0.01, 9_586, 7], //      9 585.06 →  9 586;  6.6445 → 7
      [10, 0.1, 48, 3], //               47.925 →     48;  3.3271 → 3 (ceil would say 4)
      [1, 0.5, 2, 1], //                  1.4427 →      2;  1.3863 → 1
      [500, 0.05, 3_118, 4], //        3 117.61 →  3 118;  4.3225 → 4
      [25, 0.2, 84, 2], //               83.746 →     84;  2.3290 → 2
      [1_000_000, 0.001, 14_377_588, 10], // 14 377 587.57 → 14 377 588; 9.9658 → 10
      [100_000, 1e-6, 2_875_518, 20], //  2 875 517.51 → 2 875 518; 19.9316 → 20
    ];
    for (const [n, p, bits, hashes] of cases) {
      expect(optimalParameters(n, p), `optimalParameters(${n}, ${p})`).toEqual({ bits, hashes });
    }
  });

  test('hashes is at least 1, even when m/n · ln 2 rounds to 0', () => {
    // n = 1000, p = 0.9: m = ⌈219.29⌉ = 220, m/n · ln 2 = 0.152 → 0, but a filter needs a hash.
    expect(optimalParameters(1_000, 0.9)).toEqual({ bits: 220, hashes: 1 });
    expect(optimalParameters(10, 0.99).hashes).toBe(1);
  });

  test('the sizes reach the requested rate: estimated FPR of (m, k, n) stays within 10% of p (property)', async () => {
    // Rounding k to an integer costs a little (at most ~5% here); a wrong formula costs far more.
    await checkProperty(
      fc.property(fc.integer({ min: 1, max: 10_000_000 }), fc.double({ min: 1e-9, max: 0.5, noNaN: true }), (n, p) => {
        const { bits, hashes } = optimalParameters(n, p);
        expect(Number.isInteger(bits) && Number.isInteger(hashes)).toBe(true);
        expect(estimate(bits, hashes, n), `optimalParameters(${n}, ${p}) = { bits: ${bits}, hashes: ${hashes} }`).toBeLessThanOrEqual(p * 1.1);
        // and not oversized: one bit per key less would miss p (by the real-valued formula)
        expect(bits).toBeLessThanOrEqual(Math.ceil((-n * Math.log(p)) / Math.LN2 ** 2));
      }),
      { numRuns: 300 },
    );
  });

  test('optimalParameters rejects n ≤ 0 and p outside (0, 1) with a RangeError naming the argument', () => {
    for (const n of [0, -5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => optimalParameters(n, 0.01), `optimalParameters(${n}, 0.01)`).toThrow(RangeError);
      expect(() => optimalParameters(n, 0.01), `optimalParameters(${n}, 0.01)`).toThrow(/\bn\b/);
    }
    for (const p of [0, 1, -0.1, 1.5, Number.NaN]) {
      expect(() => optimalParameters(100, p), `optimalParameters(100, ${p})`).toThrow(RangeError);
      expect(() => optimalParameters(100, p), `optimalParameters(100, ${p})`).toThrow(/\bp\b/);
    }
  });

  test('create(n, p) builds a filter with the sizes of optimalParameters(n, p)', () => {
    for (const [n, p] of [
      [1_000, 0.01],
      [10, 0.1],
      [1_000, 0.9],
      [123_456, 0.0007],
    ] as const) {
      const f = BloomFilter.create(n, p);
      expect({ bits: f.bits, hashes: f.hashes }, `create(${n}, ${p})`).toEqual(optimalParameters(n, p));
    }
  });

  test('create rejects bad arguments with a RangeError naming expectedItems or falsePositiveRate', () => {
    expect(() => BloomFilter.create(0, 0.01)).toThrow(RangeError);
    expect(() => BloomFilter.create(0, 0.01)).toThrow(/expectedItems/);
    expect(() => BloomFilter.create(-3, 0.01)).toThrow(/expectedItems/);
    expect(() => BloomFilter.create(100, 0)).toThrow(RangeError);
    expect(() => BloomFilter.create(100, 0)).toThrow(/falsePositiveRate/);
    expect(() => BloomFilter.create(100, 1)).toThrow(/falsePositiveRate/);
  });

  test('a filter from create(10 000, 0.01) holding 10 000 keys answers about 1% of new keys wrongly', async () => {
    await withSeed((random) => {
      const n = 10_000;
      const p = 0.01;
      const f = BloomFilter.create(n, p);
      const tag = random.int(0, 0x7fffffff).toString(36);
      for (let i = 0; i < n; i++) f.add(`member:${tag}:${i}`);
      const queries = 100_000;
      let positives = 0;
      for (let i = 0; i < queries; i++) if (f.has(`stranger:${tag}:${i}`)) positives++;
      const rate = positives / queries;
      // ±20% is about 6 standard deviations of the count at 100 000 queries.
      expect(rate, `measured ${positives}/${queries} false positives`).toBeGreaterThan(p * 0.8);
      expect(rate, `measured ${positives}/${queries} false positives`).toBeLessThan(p * 1.2);
    });
  });
});
