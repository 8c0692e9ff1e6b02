import { describe, expect, test } from 'vitest';
import { DeletableBloomFilter, expectedDeletability } from '#kata/deletable-bloom-filter';
import { withSeed, type Random } from '#support/seed';

/** Distinct random keys (16 random bytes each, as hex) drawn from the seeded generator. */
function randomKeys(random: Random, n: number): string[] {
  const keys = new Set<string>();
  while (keys.size < n) keys.add(Buffer.from(random.bytes(16)).toString('hex'));
  return [...keys];
}

/** Fills `trials` fresh filters with n random keys each; returns the mean fraction of deletable keys. */
function measuredDeletability(random: Random, bits: number, hashes: number, regions: number, n: number, trials: number): number {
  let sum = 0;
  for (let t = 0; t < trials; t++) {
    const f = new DeletableBloomFilter(bits, hashes, regions);
    const keys = randomKeys(random, n);
    for (const k of keys) f.add(k);
    sum += keys.filter((k) => f.isDeletable(k)).length / n;
  }
  return sum / trials;
}

/**
 * Mid-range settings (deletability between 0.7 and 0.9), where a wrong estimate or a wrong filter
 * shows. One filter's measured fraction has a standard deviation of 0.01 to 0.026 around the
 * estimate (measured over 150 filters per setting, mean bias under 0.005); the mean of 8 filters
 * stays within 0.05 of the estimate by more than five standard deviations.
 */
const TOLERANCE = 0.05;
const TRIALS = 8;
const SETTINGS: Array<[bits: number, hashes: number, regions: number, n: number]> = [
  [8192, 4, 512, 800],
  [10000, 4, 1000, 1000],
  [10000, 7, 2000, 1000],
  [16384, 3, 1024, 1500],
  [12000, 5, 400, 600],
];

describe('stage 3: deletability', () => {
  test('expectedDeletability rejects bad arguments with a RangeError', () => {
    const bad: Array<[number, number, number, number]> = [
      [0, 3, 1, 10],
      [100, 0, 10, 10],
      [100, 33, 10, 10],
      [100, 3, 0, 10],
      [100, 3, 200, 10],
      [100, 3, 7, 10], // 7 does not divide 100
      [100, 3, 10, 0],
      [100, 3, 10, -5],
      [100, 3, 10, 2.5],
      [100.5, 3, 10, 10],
    ];
    for (const args of bad) {
      expect(() => expectedDeletability(...args), `(${args})`).toThrow(RangeError);
    }
  });

  test('expectedDeletability matches the estimate at reference points', () => {
    const table: Array<[bits: number, hashes: number, regions: number, n: number, p: number]> = [
      [10000, 4, 1000, 1000, 0.850782026201201],
      [8192, 4, 512, 800, 0.718490371859253],
      [1000, 3, 10, 50, 0.67770987604167],
      [64, 2, 64, 10, 0.933124585128137],
      [1024, 7, 1024, 100, 0.992731030978714],
      [65536, 5, 256, 4000, 0.000184255782837095],
    ];
    for (const [bits, hashes, regions, n, p] of table) {
      const got = expectedDeletability(bits, hashes, regions, n);
      expect(Math.abs(got - p) / p, `expectedDeletability(${bits}, ${hashes}, ${regions}, ${n}) = ${got}, want ${p}`).toBeLessThan(1e-9);
    }
  });

  test('with one bit per region the estimate is 1 − (1 − (1 − 1/m)^(kn−1))^k, and one element alone is always deletable', () => {
    for (const [m, k, n] of [
      [64, 3, 5],
      [1000, 5, 120],
      [4096, 8, 300],
    ] as const) {
      const want = 1 - (1 - (1 - 1 / m) ** (k * n - 1)) ** k;
      expect(expectedDeletability(m, k, m, n)).toBeCloseTo(want, 12);
    }
    expect(expectedDeletability(1, 1, 1, 1)).toBe(1);
    expect(expectedDeletability(4096, 1, 16, 1)).toBeCloseTo(1, 12);
  });

  test('the estimate falls as n grows and rises with the number of regions', () => {
    const bits = 8192;
    for (const hashes of [2, 4, 6]) {
      for (const regions of [64, 512, 8192]) {
        let prev = 1;
        for (const n of [10, 100, 400, 800, 1600]) {
          const p = expectedDeletability(bits, hashes, regions, n);
          expect(p, `k=${hashes} r=${regions} n=${n}`).toBeLessThanOrEqual(prev);
          expect(p).toBeGreaterThanOrEqual(0);
          prev = p;
        }
      }
      for (const n of [100, 800]) {
        const byRegions = [16, 64, 512, 2048, 8192].map((r) => expectedDeletability(bits, hashes, r, n));
        for (let i = 1; i < byRegions.length; i++) expect(byRegions[i], `k=${hashes} n=${n}`).toBeGreaterThan(byRegions[i - 1]!);
      }
    }
  });

  test.each(SETTINGS)(
    'measured deletability (m=%i, k=%i, r=%i, n=%i) is within 0.05 of expectedDeletability',
    async (bits, hashes, regions, n) => {
      await withSeed((random) => {
        const expected = expectedDeletability(bits, hashes, regions, n);
        const measured = measuredDeletability(random, bits, hashes, regions, n, TRIALS);
        expect(Math.abs(measured - expected), `measured ${measured.toFixed(4)}, estimate ${expected.toFixed(4)}`).toBeLessThan(TOLERANCE);
      });
    },
  );

  test('deleting every deletable key: each reports absent, every other key stays present, and the share matches the estimate', async () => {
    const [bits, hashes, regions, n] = [10000, 4, 1000, 1000];
    await withSeed((random) => {
      const f = new DeletableBloomFilter(bits, hashes, regions);
      const keys = randomKeys(random, n);
      for (const k of keys) f.add(k);
      const kept: string[] = [];
      let deleted = 0;
      for (const k of keys) {
        const deletable = f.isDeletable(k);
        expect(f.remove(k), `remove(${k}) when isDeletable=${deletable}`).toBe(deletable);
        if (deletable) {
          deleted++;
          expect(f.has(k), `${k} was deleted`).toBe(false);
        } else {
          kept.push(k);
        }
      }
      for (const k of kept) expect(f.has(k), `${k} was never deleted`).toBe(true);
      expect(Math.abs(deleted / n - expectedDeletability(bits, hashes, regions, n))).toBeLessThan(0.08);
    });
  });
});
