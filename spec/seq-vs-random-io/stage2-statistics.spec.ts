/**
 * Stage 2: statistics. Nearest-rank percentiles against a model; MB/s is 10^6 bytes per second,
 * IOPS accesses per second, latencies in microseconds, all exact for known inputs.
 */
import { describe, expect, it } from 'vitest';
import { BenchConfigError, percentile, summarize } from '#kata/seq-vs-random-io';
import { checkProperty, fc } from '#support/property';
import { modelPercentile } from './helpers.ts';

function caught(fn: () => unknown): unknown {
  try {
    return fn();
  } catch (err) {
    return err;
  }
}

/** Equal up to rounding: relative error below 1e-12. */
function expectClose(got: number, want: number): void {
  if (want === 0) expect(got).toBe(0);
  else expect(Math.abs(got / want - 1), `${got} vs ${want}`).toBeLessThan(1e-12);
}

describe('stage 2: statistics', () => {
  it('percentile is the nearest rank: examples', () => {
    const hundred = Array.from({ length: 100 }, (_, i) => 100 - i); // 100 .. 1, unsorted on purpose
    expect(percentile(hundred, 50)).toBe(50);
    expect(percentile(hundred, 99)).toBe(99);
    expect(percentile(hundred, 100)).toBe(100);
    expect(percentile(hundred, 1)).toBe(1);
    expect(percentile(hundred, 0)).toBe(1);
    expect(hundred[0]).toBe(100); // the input is not sorted in place
    expect(percentile([5, 1, 3], 50)).toBe(3);
    expect(percentile([10, 20, 30, 40], 50)).toBe(20);
    expect(percentile([10, 20, 30, 40], 51)).toBe(30);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 99)).toBe(10);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90)).toBe(9);
  });

  it('percentile matches the model for any values and integer p (property)', async () => {
    await checkProperty(
      fc.property(fc.array(fc.integer({ min: -1e6, max: 1e6 }), { minLength: 1, maxLength: 300 }), fc.integer({ min: 0, max: 100 }), (values, p) => {
        const got = percentile(values, p);
        expect(got).toBe(modelPercentile(values, p));
        const atOrBelow = values.filter((v) => v <= got).length;
        expect(atOrBelow * 100).toBeGreaterThanOrEqual(p * values.length); // at least p% at or below
      }),
      { numRuns: 300 },
    );
  });

  it('summarize: MB/s is bytes / 10^6 / seconds, IOPS ops / seconds, latencies in µs', () => {
    const ms = (n: number) => BigInt(n) * 1_000_000n;
    const m = summarize({
      bytes: 8_000_000,
      ops: 4,
      elapsedNs: ms(2000),
      latenciesNs: [ms(100), ms(400), ms(700), ms(800)],
    });
    expect(m.bytes).toBe(8_000_000);
    expect(m.ops).toBe(4);
    expect(m.seconds).toBe(2);
    expect(m.mbPerSec).toBe(4); // not 3.81 (MiB/s)
    expect(m.iops).toBe(2);
    expect(m.latencies).toEqual({ p50: 400_000, p99: 800_000 });

    const one = summarize({ bytes: 1024 * 1024, ops: 256, elapsedNs: 1_000_000_000n, latenciesNs: new Array(256).fill(3_500n) });
    expect(one.mbPerSec).toBeCloseTo(1.048576, 12);
    expect(one.iops).toBe(256);
    expect(one.latencies).toEqual({ p50: 3.5, p99: 3.5 });
  });

  it('summarize matches the model for any run (property)', async () => {
    await checkProperty(
      fc.property(
        fc.array(fc.bigInt({ min: 0n, max: 10_000_000_000n }), { minLength: 1, maxLength: 200 }),
        fc.integer({ min: 0, max: 2 ** 40 }),
        fc.bigInt({ min: 1n, max: 10n ** 12n }),
        (lat, bytes, elapsedNs) => {
          const m = summarize({ bytes, ops: lat.length, elapsedNs, latenciesNs: lat });
          const seconds = Number(elapsedNs) / 1e9;
          expect(m.seconds).toBe(seconds);
          expectClose(m.mbPerSec, bytes / 1e6 / seconds);
          expectClose(m.iops, lat.length / seconds);
          const us = lat.map((l) => Number(l) / 1000);
          expect(m.latencies.p50).toBe(modelPercentile(us, 50));
          expect(m.latencies.p99).toBe(modelPercentile(us, 99));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('bad input to the statistics is a BenchConfigError naming it', () => {
    const cases: Array<[string, () => unknown]> = [
      ['values', () => percentile([], 50)],
      ['values', () => percentile([1, Number.NaN], 50)],
      ['p', () => percentile([1, 2], 101)],
      ['p', () => percentile([1, 2], -1)],
      ['elapsedNs', () => summarize({ bytes: 1, ops: 1, elapsedNs: 0n, latenciesNs: [1n] })],
      ['latenciesNs', () => summarize({ bytes: 1, ops: 2, elapsedNs: 5n, latenciesNs: [1n] })],
      ['ops', () => summarize({ bytes: 1, ops: 0, elapsedNs: 5n, latenciesNs: [] })],
      ['bytes', () => summarize({ bytes: -1, ops: 1, elapsedNs: 5n, latenciesNs: [1n] })],
    ];
    for (const [field, fn] of cases) {
      const err = caught(fn);
      expect(err, field).toBeInstanceOf(BenchConfigError);
      expect((err as BenchConfigError).field).toBe(field);
    }
  });
});
