/**
 * Stage 1: access plans. Sequential plans walk the file block by block; random plans are the
 * documented seeded shuffle, checked against an independent model, and really random: not
 * monotone, spread over the whole file, a seek per access. Same seed, same plan.
 */
import { describe, expect, it } from 'vitest';
import { BenchConfigError, countSeeks, mulberry32, planAccesses } from '#kata/seq-vs-random-io';
import { checkProperty, fc } from '#support/property';
import { forEachSeed, rng } from '#support/seed';
import { modelPlan, modelSeeks } from './helpers.ts';

const seeds = fc.nat({ max: 0xffffffff });
/** blockBytes, blocks per file, ops (up to 3 passes), seed */
const shapes = fc
  .record({
    blockBytes: fc.constantFrom(1, 512, 4096, 65536, 3000),
    blocks: fc.integer({ min: 1, max: 70 }),
    seed: seeds,
    opsFactor: fc.double({ min: 0.01, max: 3, noNaN: true }),
  })
  .map(({ blockBytes, blocks, seed, opsFactor }) => ({
    blockBytes,
    blocks,
    fileBytes: blockBytes * blocks,
    seed,
    ops: Math.max(1, Math.round(blocks * opsFactor)),
  }));

function caught(fn: () => unknown): unknown {
  try {
    return fn();
  } catch (err) {
    return err;
  }
}

describe('stage 1: access plans', () => {
  it('mulberry32 gives the reference stream for any seed (property)', async () => {
    await checkProperty(
      fc.property(seeds, (seed) => {
        const mine = mulberry32(seed);
        const ref = rng(seed);
        const got = Array.from({ length: 20 }, () => mine());
        expect(got).toEqual(Array.from({ length: 20 }, () => ref()));
        expect(got.every((v) => v >= 0 && v < 1)).toBe(true);
      }),
      { numRuns: 60 },
    );
    expect(mulberry32(0)()).toBe(rng(0)());
    for (const bad of [-1, 2 ** 32, 1.5, Number.NaN]) {
      const err = caught(() => mulberry32(bad));
      expect(err, `seed ${bad}`).toBeInstanceOf(BenchConfigError);
      expect((err as BenchConfigError).field).toBe('seed');
    }
  });

  it('a sequential plan is block k mod blocks: monotone until it wraps (property)', async () => {
    expect(planAccesses({ fileBytes: 4 * 4096, blockBytes: 4096, pattern: 'sequential', ops: 6, seed: 1 })).toEqual([
      0, 4096, 8192, 12288, 0, 4096,
    ]);
    await checkProperty(
      fc.property(shapes, ({ blockBytes, blocks, fileBytes, ops, seed }) => {
        const plan = planAccesses({ fileBytes, blockBytes, pattern: 'sequential', ops, seed });
        expect(plan).toEqual(modelPlan(fileBytes, blockBytes, 'sequential', ops, seed));
        const firstPass = plan.slice(0, blocks);
        expect(firstPass.every((o, i) => i === 0 || o === firstPass[i - 1]! + blockBytes)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('a random plan is the documented seeded forward Fisher–Yates, pass after pass (property, against a model)', async () => {
    // Fixed example: 8 blocks, seed 42, two passes and a bit.
    const plan = planAccesses({ fileBytes: 8 * 512, blockBytes: 512, pattern: 'random', ops: 19, seed: 42 });
    expect(plan).toEqual(modelPlan(8 * 512, 512, 'random', 19, 42));
    await checkProperty(
      fc.property(shapes, ({ blockBytes, fileBytes, ops, seed }) => {
        expect(planAccesses({ fileBytes, blockBytes, pattern: 'random', ops, seed })).toEqual(modelPlan(fileBytes, blockBytes, 'random', ops, seed));
      }),
      { numRuns: 200 },
    );
  });

  it('every offset is aligned and inside the file; every pass of a random plan touches each block once (property)', async () => {
    await checkProperty(
      fc.property(shapes, fc.constantFrom('sequential' as const, 'random' as const), ({ blockBytes, blocks, fileBytes, ops, seed }, pattern) => {
        const plan = planAccesses({ fileBytes, blockBytes, pattern, ops, seed });
        expect(plan.length).toBe(ops);
        const misaligned = plan.filter((off) => !Number.isInteger(off) || off % blockBytes !== 0);
        const outside = plan.filter((off) => !(off >= 0 && off + blockBytes <= fileBytes));
        expect(misaligned, `offsets not multiples of ${blockBytes}`).toEqual([]);
        expect(outside, `offsets whose block does not fit in ${fileBytes} bytes`).toEqual([]);
        for (let p = 0; p < ops; p += blocks) {
          const pass = plan.slice(p, p + blocks);
          expect(new Set(pass).size, `pass at ${p}: no block twice`).toBe(pass.length);
        }
      }),
      { numRuns: 300 },
    );
    // A full pass covers the file exactly.
    const full = planAccesses({ fileBytes: 1000 * 4096, blockBytes: 4096, pattern: 'random', ops: 1000, seed: 7 });
    expect([...full].sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i * 4096));
    expect(Math.max(...full)).toBe(999 * 4096);
  });

  it('the plan is a function of the seed: same seed, same plan; another seed, another plan', async () => {
    await forEachSeed(20, (random) => {
      const seed = random.int(0, 0xffffffff);
      const o = { fileBytes: 256 * 4096, blockBytes: 4096, pattern: 'random' as const, ops: 300, seed };
      const a = planAccesses(o);
      const b = planAccesses({ ...o });
      expect(b).toEqual(a);
      expect(planAccesses({ ...o, seed: (seed + 1) >>> 0 })).not.toEqual(a);
    });
  });

  it('a random plan looks random: not monotone, half its steps go up, spread evenly over the file (chi-square), a seek per access', async () => {
    await forEachSeed(5, (random) => {
      const seed = random.int(0, 0xffffffff);
      const blocks = 4096;
      const fileBytes = blocks * 4096;
      const ops = 1024; // a quarter of the file: which blocks are picked must not depend on where they are
      const plan = planAccesses({ fileBytes, blockBytes: 4096, pattern: 'random', ops, seed });
      let ups = 0;
      for (let i = 1; i < ops; i++) if (plan[i]! > plan[i - 1]!) ups++;
      expect(ups / (ops - 1)).toBeGreaterThan(0.4); // sd ≈ 0.009 for a random order
      expect(ups / (ops - 1)).toBeLessThan(0.6);
      const regions = 16;
      const counts = new Array<number>(regions).fill(0);
      for (const off of plan) counts[Math.floor((off / fileBytes) * regions)]!++;
      const expected = ops / regions;
      const chi2 = counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
      expect(chi2, `counts per sixteenth of the file: ${counts.join(' ')}`).toBeLessThan(60); // 15 df: p ≈ 1e-6
      expect(countSeeks(plan, 4096)).toBeGreaterThan(0.9 * ops);
      const seq = planAccesses({ fileBytes, blockBytes: 4096, pattern: 'sequential', ops, seed });
      expect(countSeeks(seq, 4096)).toBe(1);
    });
  });

  it('countSeeks counts accesses that do not start where the previous one ended (property)', async () => {
    expect(countSeeks([], 4096)).toBe(0);
    expect(countSeeks([0, 4096, 8192], 4096)).toBe(1);
    expect(countSeeks([0, 4096, 0, 4096, 12288], 4096)).toBe(3);
    expect(countSeeks([8192, 8192], 4096)).toBe(2);
    // a wrapping sequential plan: one seek per pass
    expect(countSeeks(planAccesses({ fileBytes: 10 * 512, blockBytes: 512, pattern: 'sequential', ops: 25, seed: 0 }), 512)).toBe(3);
    await checkProperty(
      fc.property(fc.array(fc.nat(40), { maxLength: 60 }), fc.constantFrom(1, 2, 8), (blocks, b) => {
        const offsets = blocks.map((x) => x * b);
        expect(countSeeks(offsets, b)).toBe(modelSeeks(offsets, b));
      }),
      { numRuns: 200 },
    );
  });

  it('bad plan options are a BenchConfigError naming the option', () => {
    const ok = { fileBytes: 16 * 4096, blockBytes: 4096, pattern: 'random' as const, ops: 10, seed: 1 };
    const cases: Array<[string, Record<string, unknown>]> = [
      ['blockBytes', { blockBytes: 0 }],
      ['blockBytes', { blockBytes: -4096 }],
      ['blockBytes', { blockBytes: 4096.5 }],
      ['fileBytes', { fileBytes: 0 }],
      ['fileBytes', { fileBytes: 16 * 4096 + 1 }],
      ['fileBytes', { fileBytes: 2048 }],
      ['ops', { ops: 0 }],
      ['ops', { ops: 2.5 }],
      ['pattern', { pattern: 'zigzag' }],
      ['seed', { seed: -1 }],
      ['seed', { seed: 2 ** 32 }],
    ];
    for (const [field, patch] of cases) {
      const err = caught(() => planAccesses({ ...ok, ...patch } as typeof ok));
      expect(err, JSON.stringify(patch)).toBeInstanceOf(BenchConfigError);
      expect((err as BenchConfigError).field, JSON.stringify(patch)).toBe(field);
      expect((err as BenchConfigError).code).toBe('BENCH_CONFIG');
    }
    expect(caught(() => countSeeks([0], 0))).toBeInstanceOf(BenchConfigError);
  });
});
