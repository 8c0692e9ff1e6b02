/**
 * Stages 1 and 2: the bucket on a fake clock. Properties compare it with a few lines of model
 * arithmetic and check the rate-limit guarantee itself: in any window of t ms, admitted tokens
 * never exceed capacity + rate·t.
 */
import { describe, expect, it } from 'vitest';
import { TokenBucket } from '#kata/token-bucket';
import { checkProperty, fc } from '#support/property';

/** A clock the test moves by hand. */
class FakeClock {
  t = 0;
  readonly now = (): number => this.t;
  advance(ms: number): void {
    this.t += ms;
  }
}

function bucketAt(capacity: number, refillPerSecond: number, clock = new FakeClock()) {
  return { clock, bucket: new TokenBucket({ capacity, refillPerSecond, now: clock.now }) };
}

/** Calls tryTake(1) until it refuses; returns how many it admitted. */
function drain(bucket: TokenBucket, limit = 1_000_000): number {
  let n = 0;
  while (n < limit && bucket.tryTake(1)) n++;
  return n;
}

/** Rates that keep the arithmetic readable in counterexamples. */
const rates = fc.constantFrom(0, 0.25, 0.5, 1, 2, 3, 7, 10, 50);
const positiveRates = fc.constantFrom(0.25, 0.5, 1, 2, 3, 7, 10, 50);
/** Mostly short steps, some long ones. */
const step = fc.oneof(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 3000 }));
/** Like `step`, sometimes backwards (an NTP correction, a resumed VM). */
const anyStep = fc.oneof(step, fc.integer({ min: -2000, max: 0 }));

/** Tolerance for float noise in the model: decisions within it of the boundary may go either way. */
const EPS = 1e-6;

interface Admission {
  t: number;
  n: number;
}

/** In every window [a.t, b.t] between admissions, sum(n) <= capacity + rate·(b.t - a.t)/1000. */
function worstWindow(admitted: Admission[], capacity: number, rate: number): string | undefined {
  for (let i = 0; i < admitted.length; i++) {
    let sum = 0;
    for (let j = i; j < admitted.length; j++) {
      sum += admitted[j]!.n;
      const dt = admitted[j]!.t - admitted[i]!.t;
      const bound = capacity + (rate * dt) / 1000;
      if (sum > bound + EPS) return `admitted ${sum} tokens in a window of ${dt} ms (t=${admitted[i]!.t}..${admitted[j]!.t}); the most allowed is capacity + rate·t = ${bound}`;
    }
  }
  return undefined;
}

describe('stage 1: bucket', () => {
  it('a new bucket is full: it admits a burst of exactly capacity single tokens at one instant', () => {
    for (const capacity of [1, 5, 100]) {
      const { bucket } = bucketAt(capacity, 1);
      expect(drain(bucket), `capacity ${capacity}`).toBe(capacity);
    }
  });

  it('tryTake(n) takes n tokens at once and tryTake() takes one', () => {
    const { bucket } = bucketAt(10, 0);
    expect(bucket.tryTake(4)).toBe(true);
    expect(bucket.tryTake(6)).toBe(true);
    expect(bucket.tryTake()).toBe(false);
    const other = bucketAt(3, 0).bucket;
    expect(other.tryTake()).toBe(true);
    expect(other.tryTake()).toBe(true);
    expect(other.tryTake(2)).toBe(false);
    expect(other.tryTake()).toBe(true);
  });

  it('a refused tryTake(n) takes nothing: the tokens stay for a smaller request', () => {
    const { bucket } = bucketAt(5, 0);
    expect(bucket.tryTake(3)).toBe(true);
    expect(bucket.tryTake(3), 'only 2 left').toBe(false);
    expect(bucket.tryTake(3), 'still only 2 left').toBe(false);
    expect(bucket.tryTake(2), 'the refused calls must not have spent the 2 tokens').toBe(true);
    expect(bucket.tryTake(1)).toBe(false);
  });

  it('more than capacity is refused even from a full bucket, and tryTake(0) always succeeds', () => {
    const { bucket } = bucketAt(4, 1);
    expect(bucket.tryTake(5)).toBe(false);
    expect(bucket.tryTake(4)).toBe(true);
    expect(bucket.tryTake(0)).toBe(true);
    expect(bucket.tryTake(1)).toBe(false);
  });

  it('tokens come back at refillPerSecond per second of the injected clock (milliseconds)', () => {
    const { clock, bucket } = bucketAt(10, 2); // one token per 500 ms
    expect(drain(bucket)).toBe(10);
    clock.advance(499);
    expect(bucket.tryTake(), '499 ms at 2/s is 0.998 tokens').toBe(false);
    clock.advance(1);
    expect(drain(bucket), '500 ms at 2/s is one token').toBe(1);
    clock.advance(1500);
    expect(drain(bucket), '1500 ms at 2/s is three tokens').toBe(3);

    const slow = bucketAt(3, 0.5); // one token per 2 s
    drain(slow.bucket);
    slow.clock.advance(1999);
    expect(slow.bucket.tryTake(), '1999 ms at 0.5/s is not a token yet').toBe(false);
    slow.clock.advance(1);
    expect(slow.bucket.tryTake()).toBe(true);
  });

  it('refill stops at capacity: a bucket idle for an hour admits capacity, not more', () => {
    const { clock, bucket } = bucketAt(7, 3);
    drain(bucket);
    clock.advance(3_600_000);
    expect(drain(bucket)).toBe(7);
  });

  it('refillPerSecond 0 is a fixed quota: spent tokens never come back', () => {
    const { clock, bucket } = bucketAt(2, 0);
    expect(drain(bucket)).toBe(2);
    clock.advance(1e9);
    expect(bucket.tryTake()).toBe(false);
  });

  it('invalid arguments throw RangeError: capacity not a positive integer, negative or non-finite rate, bad token counts', () => {
    const now = () => 0;
    for (const capacity of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => new TokenBucket({ capacity, refillPerSecond: 1, now }), `capacity ${capacity}`).toThrow(RangeError);
    }
    for (const refillPerSecond of [-1, -0.001, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => new TokenBucket({ capacity: 1, refillPerSecond, now }), `refillPerSecond ${refillPerSecond}`).toThrow(RangeError);
    }
    const bucket = new TokenBucket({ capacity: 5, refillPerSecond: 1, now });
    for (const tokens of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => bucket.tryTake(tokens), `tryTake(${tokens})`).toThrow(RangeError);
    }
    expect(drain(bucket), 'the refused calls took nothing').toBe(5);
  });

  it('without an injected clock it refills by real time', async () => {
    const bucket = new TokenBucket({ capacity: 1, refillPerSecond: 5 }); // a token per 200 ms
    expect(bucket.tryTake()).toBe(true);
    expect(bucket.tryTake()).toBe(false);
    await new Promise((r) => setTimeout(r, 300));
    expect(bucket.tryTake()).toBe(true);
  });

  it('property: decisions match the model, and admissions in any window of t ms never exceed capacity + rate·t', async () => {
    await checkProperty(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        rates,
        fc.array(fc.record({ dt: step, n: fc.integer({ min: 0, max: 22 }) }), { minLength: 1, maxLength: 80 }),
        (capacity, rate, ops) => {
          const { clock, bucket } = bucketAt(capacity, rate);
          let model = capacity;
          const admitted: Admission[] = [];
          for (const { dt, n } of ops) {
            clock.advance(dt);
            model = Math.min(capacity, model + (dt * rate) / 1000);
            const got = bucket.tryTake(n);
            if (model >= n + EPS && !got) throw new Error(`t=${clock.t}: refused tryTake(${n}) with ${model} tokens in the bucket`);
            if (model < n - EPS && got) throw new Error(`t=${clock.t}: admitted tryTake(${n}) with only ${model} tokens in the bucket`);
            if (got) {
              model = Math.max(0, model - n);
              admitted.push({ t: clock.t, n });
            }
          }
          const bad = worstWindow(admitted, capacity, rate);
          if (bad) throw new Error(bad);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('stage 2: waiting', () => {
  it('available() is capacity when new and drops by what was taken', () => {
    const { bucket } = bucketAt(10, 1);
    expect(bucket.available()).toBe(10);
    bucket.tryTake(3);
    expect(bucket.available()).toBe(7);
    bucket.tryTake(8);
    expect(bucket.available(), 'a refused take leaves the count alone').toBe(7);
  });

  it('available() refills fractionally, in proportion to the elapsed milliseconds', () => {
    const { clock, bucket } = bucketAt(10, 1);
    bucket.tryTake(10);
    expect(bucket.available()).toBe(0);
    clock.advance(250);
    expect(bucket.available()).toBeCloseTo(0.25, 9);
    clock.advance(500);
    expect(bucket.available()).toBeCloseTo(0.75, 9);
    const fast = bucketAt(10, 4);
    fast.bucket.tryTake(10);
    fast.clock.advance(250);
    expect(fast.bucket.available()).toBeCloseTo(1, 9);
    expect(fast.bucket.tryTake()).toBe(true);
  });

  it('available() never exceeds capacity', () => {
    const { clock, bucket } = bucketAt(6, 2);
    bucket.tryTake(1);
    clock.advance(60_000);
    expect(bucket.available()).toBe(6);
  });

  it('msUntil is 0 when the tokens are there, and it takes nothing', () => {
    const { bucket } = bucketAt(5, 1);
    expect(bucket.msUntil()).toBe(0);
    expect(bucket.msUntil(5)).toBe(0);
    expect(bucket.msUntil(0)).toBe(0);
    expect(bucket.available()).toBe(5);
  });

  it('msUntil gives the whole milliseconds until enough tokens are there, rounded up', () => {
    const { clock, bucket } = bucketAt(10, 1);
    bucket.tryTake(10);
    expect(bucket.msUntil(1)).toBe(1000);
    expect(bucket.msUntil()).toBe(1000);
    expect(bucket.msUntil(3)).toBe(3000);
    clock.advance(400);
    expect(bucket.msUntil(1)).toBe(600);
    expect(bucket.msUntil(10)).toBe(9600);

    const third = bucketAt(5, 3); // a token per 333.33 ms
    third.bucket.tryTake(5);
    expect(third.bucket.msUntil(1), '333.33 ms rounds up to 334').toBe(334);
    expect(third.bucket.msUntil(3)).toBe(1000);
    third.clock.advance(333);
    expect(third.bucket.tryTake(), '333 ms is not enough').toBe(false);
    third.clock.advance(1);
    expect(third.bucket.tryTake(), '334 ms is').toBe(true);
  });

  it('msUntil is Infinity for more than capacity, and when a bucket that never refills is short', () => {
    const { bucket } = bucketAt(5, 10);
    expect(bucket.msUntil(6)).toBe(Number.POSITIVE_INFINITY);
    expect(bucket.msUntil(5)).toBe(0);
    const quota = bucketAt(2, 0).bucket;
    quota.tryTake(2);
    expect(quota.msUntil(1)).toBe(Number.POSITIVE_INFINITY);
    expect(quota.msUntil(0)).toBe(0);
  });

  it('msUntil rejects bad token counts with RangeError', () => {
    const { bucket } = bucketAt(5, 1);
    for (const tokens of [-1, 2.5, Number.NaN]) expect(() => bucket.msUntil(tokens), `msUntil(${tokens})`).toThrow(RangeError);
  });

  it('a clock that jitters backwards and forwards mints no tokens', () => {
    const { clock, bucket } = bucketAt(10, 1);
    clock.t = 1000;
    bucket.tryTake(10);
    for (let i = 0; i < 50; i++) {
      clock.t = 0; // back a second
      bucket.available();
      clock.t = 1000; // and forward to where it was
      expect(bucket.available(), `cycle ${i}: the clock never got past 1000 ms`).toBe(0);
    }
    clock.t = 2000;
    expect(drain(bucket), 'one real second passed: one token').toBe(1);
  });

  it('after the clock steps back, tokens come back only for time beyond the latest reading', () => {
    const { clock, bucket } = bucketAt(10, 1);
    clock.t = 5000;
    bucket.tryTake(10);
    clock.t = 0; // an NTP step back of 5 s
    expect(bucket.tryTake()).toBe(false);
    clock.t = 4000;
    expect(bucket.available(), '0..4000 ms was already counted before the step back').toBe(0);
    expect(bucket.msUntil(1), 'the next token comes 1 s after the clock passes 5000 ms again').toBe(2000);
    clock.t = 6000;
    expect(drain(bucket)).toBe(1);
  });

  it('property: waiting msUntil(n) is enough and one millisecond less is not, even after the clock stepped back', async () => {
    await checkProperty(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        positiveRates,
        fc.array(fc.record({ dt: anyStep, n: fc.integer({ min: 0, max: 20 }) }), { maxLength: 40 }),
        fc.integer({ min: 0, max: 20 }),
        (capacity, rate, ops, want) => {
          const { clock, bucket } = bucketAt(capacity, rate);
          for (const { dt, n } of ops) {
            clock.advance(dt);
            bucket.tryTake(n);
          }
          const n = Math.min(want, capacity);
          const wait = bucket.msUntil(n);
          if (!Number.isInteger(wait) || wait < 0) throw new Error(`msUntil(${n}) = ${wait}: expected whole milliseconds >= 0`);
          if (wait > 0) {
            clock.advance(wait - 1);
            const short = bucket.available();
            if (short >= n) throw new Error(`msUntil(${n}) = ${wait}, but ${wait - 1} ms already gave ${short} tokens`);
            clock.advance(1);
          }
          if (!bucket.tryTake(n)) throw new Error(`msUntil(${n}) = ${wait}, but after waiting that long tryTake(${n}) refused with ${bucket.available()} tokens`);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('property: left idle long enough, any bucket refills to exactly capacity', async () => {
    await checkProperty(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        positiveRates,
        fc.array(fc.record({ dt: fc.integer({ min: -2000, max: 2000 }), n: fc.integer({ min: 0, max: 20 }) }), { maxLength: 40 }),
        (capacity, rate, ops) => {
          const { clock, bucket } = bucketAt(capacity, rate);
          let highest = 0;
          for (const { dt, n } of ops) {
            clock.advance(dt);
            highest = Math.max(highest, clock.t);
            bucket.tryTake(n);
            const a = bucket.available();
            if (a < 0 || a > capacity) throw new Error(`available() = ${a} is outside 0..${capacity}`);
          }
          clock.t = highest + Math.ceil((capacity * 1000) / rate) + 1;
          const a = bucket.available();
          if (a !== capacity) throw new Error(`after idling past the refill time, available() = ${a}, expected exactly ${capacity}`);
          if (bucket.msUntil(capacity) !== 0) throw new Error(`a full bucket says msUntil(capacity) = ${bucket.msUntil(capacity)}`);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('property: with a clock that jumps back and forth, admissions never exceed capacity + rate × (how far the clock has ever got)', async () => {
    await checkProperty(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        rates,
        fc.array(fc.record({ dt: fc.integer({ min: -3000, max: 3000 }), n: fc.integer({ min: 0, max: 5 }) }), { minLength: 1, maxLength: 80 }),
        (capacity, rate, ops) => {
          const { clock, bucket } = bucketAt(capacity, rate);
          let highest = 0;
          const admitted: Admission[] = [];
          for (const { dt, n } of ops) {
            clock.advance(dt);
            highest = Math.max(highest, clock.t);
            // Windows are measured on the clock's high-water mark: time the clock re-lives after a
            // step back is not new time.
            if (bucket.tryTake(n)) admitted.push({ t: highest, n });
          }
          const bad = worstWindow(admitted, capacity, rate);
          if (bad) throw new Error(bad);
        },
      ),
      { numRuns: 300 },
    );
  });
});
