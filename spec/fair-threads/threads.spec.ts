/**
 * Stages 2-4 on real worker threads. One two-thread counter serves most tests (booting a thread
 * that loads TypeScript costs about half a second); a few tests start their own.
 *
 * Stage 2: the static split, exactly as splitRange describes it, counts π(n) right.
 * Stage 3: dynamic batches from a shared atomic counter: every batch counted exactly once.
 * Stage 4: fairness: static's top range is measurably more work (in trial divisions, no clock);
 *          dynamic keeps max/min busy time <= 1.2.
 */
import {
  CounterClosedError,
  DEFAULT_BATCH_SIZE,
  MAX_N,
  MAX_THREADS,
  PrimeCounter,
  countPrimesDynamic,
  countPrimesStatic,
  fairness,
  splitRange,
  type Result,
} from '#kata/fair-threads';
import { workerExecArgv } from '#support/child';
import { checkProperty, fc } from '#support/property';
import { describe, expect, it } from 'vitest';
import {
  KNOWN_PI,
  PRIME_BELOW_1E6,
  STAGE_TIMEOUT,
  expectConsistent,
  expectExactBatches,
  expectedShares,
  sharedCounter,
  sievePi,
  within,
  workOf,
  workPerThread,
} from './helpers.ts';

const BAD_N = [-1, 1.5, Number.NaN, Infinity, MAX_N + 1];
const execArgv = workerExecArgv();

function count(p: Promise<Result>, what: string): Promise<Result> {
  return within(30_000, p, what);
}

describe('stage 2: static ranges', { timeout: STAGE_TIMEOUT }, () => {
  it('splitRange cuts [lo, hi) into contiguous parts whose lengths differ by at most one, longer ones first', () => {
    expect(splitRange(2, 12, 3)).toEqual([[2, 6], [6, 9], [9, 12]]);
    expect(splitRange(0, 10, 2)).toEqual([[0, 5], [5, 10]]);
    expect(splitRange(5, 5, 2)).toEqual([[5, 5], [5, 5]]);
    expect(splitRange(0, 2, 4)).toEqual([[0, 1], [1, 2], [2, 2], [2, 2]]);
    expect(splitRange(-3, 4, 1)).toEqual([[-3, 4]]);
  });

  it('splitRange matches a simple model on random ranges (property)', async () => {
    await checkProperty(
      fc.property(fc.integer({ min: -1000, max: 10_000 }), fc.nat({ max: 5000 }), fc.integer({ min: 1, max: 64 }), (lo, len, parts) => {
        const got = splitRange(lo, lo + len, parts);
        expect(got).toHaveLength(parts);
        let at = lo;
        for (const [a, b] of got) {
          expect(a, 'parts are contiguous and in order').toBe(at);
          expect(b - a === Math.floor(len / parts) || b - a === Math.ceil(len / parts), `part [${a}, ${b}) has a fair length`).toBe(true);
          at = b;
        }
        expect(at, 'the parts cover the whole range: nothing dropped at the end').toBe(lo + len);
        const lengths = got.map(([a, b]) => b - a);
        expect(lengths, 'longer parts first').toEqual([...lengths].sort((x, y) => y - x));
      }),
      { numRuns: 200 },
    );
  });

  it('splitRange rejects parts < 1, lo > hi and non-integers', () => {
    for (const parts of [0, -1, 1.5, Number.NaN]) expect(() => splitRange(0, 10, parts), `parts ${parts}`).toThrow(RangeError);
    expect(() => splitRange(10, 0, 2)).toThrow(RangeError);
    expect(() => splitRange(0.5, 10, 2)).toThrow(RangeError);
    expect(() => splitRange(0, '10' as unknown as number, 2)).toThrow(TypeError);
  });

  it('new PrimeCounter validates threads before starting any', () => {
    for (const threads of [0, -1, 1.5, Number.NaN, Infinity, MAX_THREADS + 1]) {
      expect(() => new PrimeCounter({ threads, execArgv }), `threads ${threads}`).toThrow(RangeError);
    }
    expect(() => new PrimeCounter({ threads: '2' as unknown as number, execArgv })).toThrow(TypeError);
  });

  it('countStatic(n) is π(n) for n = 10, 100, ..., 10^6 and 2·10^6', async () => {
    const counter = sharedCounter();
    expect(counter.threads).toBe(2);
    for (const [n, pi] of KNOWN_PI) {
      const r = await count(counter.countStatic(n), `countStatic(${n})`);
      expect(r.count, `π(${n})`).toBe(pi);
    }
  });

  it('counts N itself: π(999983) = 78498 (999983 is prime), π(999982) = 78497', async () => {
    const counter = sharedCounter();
    expect((await count(counter.countStatic(PRIME_BELOW_1E6), 'countStatic(999983)')).count).toBe(78_498);
    expect((await count(counter.countStatic(PRIME_BELOW_1E6 - 1), 'countStatic(999982)')).count).toBe(78_497);
  });

  it('thread i counts exactly share i of splitRange(2, n + 1, threads), and reports it', async () => {
    const counter = sharedCounter();
    for (const n of [1_000_000, 99_999, 12_345]) {
      const r = await count(counter.countStatic(n), `countStatic(${n})`);
      expectConsistent(r, n, 2);
      expect(r.perThread.map((t) => t.ranges), `the shares of n = ${n}`).toEqual(expectedShares(n, 2).map((s) => [s]));
      expect(r.perThread.map((t) => t.batches)).toEqual([1, 1]);
      for (const t of r.perThread) expect(t.busyMs, 'a thread that counted 10^4 numbers was busy for some time').toBeGreaterThan(0);
    }
  });

  it('tiny n: empty shares are reported as no ranges, and n < 2 counts nothing', async () => {
    const counter = sharedCounter();
    for (const n of [0, 1, 2, 3, 4]) {
      const r = await count(counter.countStatic(n), `countStatic(${n})`);
      expectConsistent(r, n, 2);
      const want = expectedShares(n, 2).map(([lo, hi]) => (lo < hi ? [[lo, hi]] : []));
      expect(r.perThread.map((t) => t.ranges), `the shares of n = ${n}`).toEqual(want);
    }
  });

  it('matches the sieve and the split model for random n (property)', async () => {
    const counter = sharedCounter();
    await checkProperty(
      fc.asyncProperty(fc.integer({ min: 0, max: 300_000 }), async (n) => {
        const r = await count(counter.countStatic(n), `countStatic(${n})`);
        expectConsistent(r, n, 2);
        expect(r.perThread.flatMap((t) => t.ranges)).toEqual(expectedShares(n, 2).filter(([lo, hi]) => lo < hi));
      }),
      { numRuns: 25 },
    );
  });

  it('rejects a bad n (RangeError, TypeError) without breaking the counter', async () => {
    const counter = sharedCounter();
    for (const n of BAD_N) await expect(counter.countStatic(n), `n ${n}`).rejects.toThrow(RangeError);
    await expect(counter.countStatic('100' as unknown as number)).rejects.toThrow(TypeError);
    expect((await count(counter.countStatic(100), 'countStatic(100) after bad input')).count).toBe(25);
  });

  it('countPrimesStatic starts threads, counts and closes them; rejects a bad n', async () => {
    const r = await count(countPrimesStatic(10_000, 1, { execArgv }), 'countPrimesStatic(10000, 1)');
    expectConsistent(r, 10_000, 1);
    expect(r.perThread[0]!.ranges).toEqual([[2, 10_001]]);
    await expect(countPrimesStatic(-5, 1, { execArgv })).rejects.toThrow(RangeError);
    await expect(countPrimesStatic(100, 0, { execArgv })).rejects.toThrow(RangeError);
  });

  it('close() stops the threads: a run cut off and every later run reject with CounterClosedError', async () => {
    const counter = new PrimeCounter({ threads: 1, execArgv });
    let closed = false;
    try {
      expect((await count(counter.countStatic(1000), 'countStatic(1000)')).count).toBe(168);
      const cutOff = counter.countStatic(2_000_000);
      const first = counter.close();
      expect(counter.close(), 'close() twice returns the same promise').toBe(first);
      await within(15_000, first, 'close()');
      closed = true;
      await expect(within(15_000, cutOff, 'the run cut off by close()')).rejects.toThrow(CounterClosedError);
      await expect(counter.countStatic(10)).rejects.toThrow(CounterClosedError);
      await expect(counter.countDynamic(10)).rejects.toThrow(CounterClosedError);
    } finally {
      if (!closed) await counter.close();
    }
  });
});

describe('stage 3: dynamic batches', { timeout: STAGE_TIMEOUT }, () => {
  it('countDynamic(n) is π(n) for n = 10, 100, ..., 10^6 and 2·10^6', async () => {
    const counter = sharedCounter();
    for (const [n, pi] of KNOWN_PI) {
      const r = await count(counter.countDynamic(n), `countDynamic(${n})`);
      expect(r.count, `π(${n})`).toBe(pi);
    }
  });

  it('counts N itself: π(999983) = 78498 with N in the last batch, alone or not', async () => {
    const counter = sharedCounter();
    for (const b of [DEFAULT_BATCH_SIZE, 999_981, 999_982, 97]) {
      const r = await count(counter.countDynamic(PRIME_BELOW_1E6, b), `countDynamic(999983, ${b})`);
      expect(r.count, `batchSize ${b}`).toBe(78_498);
    }
  });

  it('every batch [2 + k·b, min(2 + (k+1)·b, n + 1)) is counted exactly once, by one thread', async () => {
    const counter = sharedCounter();
    // Small batches: thousands of claims, so two threads race for the counter all the time.
    for (const [n, b] of [
      [1_000_000, 200],
      [200_000, 37],
    ] as const) {
      const r = await count(counter.countDynamic(n, b), `countDynamic(${n}, ${b})`);
      expectExactBatches(r, n, b);
      expectConsistent(r, n, 2);
    }
  });

  it('uses DEFAULT_BATCH_SIZE when no batch size is given', async () => {
    const r = await count(sharedCounter().countDynamic(123_456), 'countDynamic(123456)');
    expectExactBatches(r, 123_456, DEFAULT_BATCH_SIZE);
    expectConsistent(r, 123_456, 2);
  });

  it('one batch bigger than the range, batches of one number, and n < 2', async () => {
    const counter = sharedCounter();
    for (const [n, b] of [
      [10_000, 1_000_000],
      [10_000, 10_000],
      [3000, 1],
      [2, 5],
      [1, 5],
      [0, 1],
    ] as const) {
      const r = await count(counter.countDynamic(n, b), `countDynamic(${n}, ${b})`);
      expectExactBatches(r, n, b);
      expectConsistent(r, n, 2);
    }
  });

  it('matches the sieve, batch for batch, for random n and batch sizes (property)', async () => {
    const counter = sharedCounter();
    await checkProperty(
      fc.asyncProperty(fc.integer({ min: 0, max: 100_000 }), fc.integer({ min: 1, max: 5000 }), async (n, b) => {
        const r = await count(counter.countDynamic(n, b), `countDynamic(${n}, ${b})`);
        expectExactBatches(r, n, b);
        expectConsistent(r, n, 2);
      }),
      { numRuns: 20 },
    );
  });

  it('rejects a bad n or batch size (RangeError, TypeError) without breaking the counter', async () => {
    const counter = sharedCounter();
    for (const n of BAD_N) await expect(counter.countDynamic(n, 10), `n ${n}`).rejects.toThrow(RangeError);
    for (const b of [0, -1, 2.5, Number.NaN, Infinity]) await expect(counter.countDynamic(100, b), `batchSize ${b}`).rejects.toThrow(RangeError);
    await expect(counter.countDynamic(100, '10' as unknown as number)).rejects.toThrow(TypeError);
    expect((await count(counter.countDynamic(100, 10), 'countDynamic(100, 10) after bad input')).count).toBe(25);
  });

  it('countPrimesDynamic starts threads, counts and closes them; rejects bad input', async () => {
    const r = await count(countPrimesDynamic(300_000, 1, 500, { execArgv }), 'countPrimesDynamic(300000, 1, 500)');
    expectExactBatches(r, 300_000, 500);
    expectConsistent(r, 300_000, 1);
    expect(r.perThread[0]!.batches, 'one thread takes every batch: ⌈299999 / 500⌉').toBe(600);
    await expect(countPrimesDynamic(100, 1, 0, { execArgv })).rejects.toThrow(RangeError);
    await expect(countPrimesDynamic(Number.NaN, 1, 10, { execArgv })).rejects.toThrow(RangeError);
  });
});

describe('stage 4: fairness', { timeout: STAGE_TIMEOUT }, () => {
  const report = (busy: number[]): Result => ({ count: 0, perThread: busy.map((busyMs) => ({ primes: 0, busyMs, batches: 0, ranges: [] })) });

  it('fairness(result) is max / min busy time: 1 when equal, Infinity when a thread never worked', () => {
    expect(fairness(report([10, 12]))).toBeCloseTo(1.2, 12);
    expect(fairness(report([7]))).toBe(1);
    expect(fairness(report([3, 3, 3]))).toBe(1);
    expect(fairness(report([40, 10, 20]))).toBe(4);
    expect(fairness(report([0, 5]))).toBe(Infinity);
    expect(fairness(report([0, 0]))).toBe(1);
  });

  it('fairness matches max / min on random busy times (property), and rejects nonsense', async () => {
    await checkProperty(
      fc.property(fc.array(fc.double({ min: 0.001, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 32 }), (busy) => {
        expect(fairness(report(busy))).toBeCloseTo(Math.max(...busy) / Math.min(...busy), 9);
      }),
    );
    expect(() => fairness(report([]))).toThrow(RangeError);
    expect(() => fairness(report([5, -1]))).toThrow(RangeError);
    expect(() => fairness(report([5, Number.NaN]))).toThrow(RangeError);
  });

  it('static: higher ranges cost more, so the top share is measurably more work; busy times are reported', async () => {
    const n = 1_000_000;
    const r = await count(sharedCounter().countStatic(n), `countStatic(${n})`);
    expectConsistent(r, n, 2);
    const [low, high] = workPerThread(r) as [number, number];
    // Same count of numbers, but trial division of k costs up to √k: about 1.6× the work on top.
    expect(high / low, `static work units: thread 0 did ${low}, thread 1 did ${high}`).toBeGreaterThan(1.5);
    const f = fairness(r);
    expect(Number.isFinite(f) && f >= 1, `static fairness (max/min busy) is reported: ${f}`).toBe(true);
  });

  it('dynamic: no thread is busy more than 1.2× as long as another (max/min busy <= 1.2)', async () => {
    const counter = sharedCounter();
    const n = 2_000_000;
    const b = DEFAULT_BATCH_SIZE;
    // Busy time is wall-clock and the machine may be loaded: a thread woken late or preempted at
    // the end skews one run. A fair schedule passes within three runs; an unfair one never does.
    const seen: string[] = [];
    let best = Infinity;
    for (let attempt = 0; attempt < 3 && best > 1.2; attempt++) {
      const r = await count(counter.countDynamic(n, b), `countDynamic(${n}, ${b})`);
      expectConsistent(r, n, 2);
      const f = fairness(r);
      seen.push(`${f.toFixed(3)} (busy ${r.perThread.map((t) => t.busyMs.toFixed(1)).join(' / ')} ms)`);
      best = Math.min(best, f);
    }
    expect(best, `dynamic fairness over ${seen.length} runs: ${seen.join(', ')}`).toBeLessThanOrEqual(1.2);
  });

  it('dynamic is fairer in work units: its largest unit of work is a sliver, static\'s imbalance is not', async () => {
    const counter = sharedCounter();
    const n = 1_000_000;
    const s = await count(counter.countStatic(n), `countStatic(${n})`);
    const d = await count(counter.countDynamic(n, 500), `countDynamic(${n}, 500)`);
    expectExactBatches(d, n, 500);
    const total = workOf(2, n + 1);
    const staticWork = workPerThread(s);
    // Static: the gap between the threads' shares is fixed before they start.
    const staticGap = (Math.max(...staticWork) - Math.min(...staticWork)) / total;
    // Dynamic: a thread that runs out of batches waits at most for the batch another thread holds.
    const largestBatch = Math.max(...d.perThread.flatMap((t) => t.ranges.map(([lo, hi]) => workOf(lo, hi)))) / total;
    expect(staticGap, 'static: the top share exceeds the bottom one by a fifth of all the work').toBeGreaterThan(0.2);
    expect(largestBatch, 'dynamic: no batch is more than 1% of the work').toBeLessThan(0.01);
    expect(largestBatch * 20, 'dynamic\'s worst case is far below static\'s gap').toBeLessThan(staticGap);
  });
});
