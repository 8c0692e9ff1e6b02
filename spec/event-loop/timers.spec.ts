/**
 * Stage 1: timers on a virtual clock. Exact times, no real waiting: the loop's poll phase sleeps
 * the virtual clock straight to the nearest deadline, and tests call clock.advance(ms) inside a
 * callback to stand for a callback that computes for ms milliseconds.
 */
import { describe, expect, it } from 'vitest';
import { checkProperty, fc } from '#support/property';
import { virtualLoop } from './harness.ts';

/** Node's coercion: anything outside [1, 2^31-1] is 1 ms. */
function coerce(ms: unknown): number {
  const n = Number(ms);
  return n >= 1 && n <= 2 ** 31 - 1 ? n : 1;
}

interface TimerTree {
  delay: number | undefined;
  kids: TimerTree[];
}

const delay = fc.oneof(
  { arbitrary: fc.integer({ min: 1, max: 40 }), weight: 6 },
  { arbitrary: fc.constantFrom(0, -5, Number.NaN, undefined, 1.5, 2 ** 31), weight: 1 },
);
const timerTree: (depth: number) => fc.Arbitrary<TimerTree> = fc.memo((depth: number) =>
  fc.record({ delay, kids: depth <= 1 ? fc.constant<TimerTree[]>([]) : fc.array(timerTree(depth - 1), { maxLength: 3 }) }),
);
const forest = fc.array(timerTree(3), { minLength: 1, maxLength: 8 });

/** Labels in pre-order: t0, t1, ... */
function label(trees: TimerTree[]): Map<TimerTree, string> {
  const names = new Map<TimerTree, string>();
  const walk = (ts: TimerTree[]) => ts.forEach((t) => (names.set(t, `t${names.size}`), walk(t.kids)));
  walk(trees);
  return names;
}

/** The model: a sorted list of (deadline, insertion number), run smallest first. */
function modelRun(trees: TimerTree[], names: Map<TimerTree, string>): string[] {
  let seq = 0;
  const due: Array<{ at: number; seq: number; t: TimerTree }> = [];
  const arm = (t: TimerTree, now: number) => due.push({ at: now + coerce(t.delay), seq: seq++, t });
  trees.forEach((t) => arm(t, 0));
  const out: string[] = [];
  while (due.length > 0) {
    due.sort((a, b) => a.at - b.at || a.seq - b.seq);
    const e = due.shift()!;
    out.push(`${names.get(e.t)}@${e.at}`);
    e.t.kids.forEach((k) => arm(k, e.at));
  }
  return out;
}

describe('stage 1: timers', () => {
  it('fires each timer when the clock reaches its deadline, and run() resolves when none is left', async () => {
    const { loop, clock, log, mark } = virtualLoop();
    loop.setTimeout(mark('late'), 100);
    loop.setTimeout(mark('early'), 30);
    await loop.run();
    expect(log).toEqual(['early@30', 'late@100']);
    expect(clock.now()).toBe(100);
  });

  it('run() with nothing scheduled resolves at once without sleeping', async () => {
    const { loop, clock } = virtualLoop(5);
    await loop.run();
    expect(clock.now()).toBe(5);
    expect(clock.sleeps.filter((ms) => ms > 0)).toEqual([]);
  });

  it('now() is the clock, and a timer counts its delay from the clock at the setTimeout call', async () => {
    const { loop, clock, log, mark } = virtualLoop(1000);
    expect(loop.now()).toBe(1000);
    loop.setTimeout(() => {
      mark('a')();
      clock.advance(7); // a callback that computes for 7 ms
      loop.setTimeout(mark('b'), 10);
    }, 5);
    await loop.run();
    expect(log).toEqual(['a@1005', 'b@1022']);
  });

  it('runs timers with the same deadline in the order they were set', async () => {
    const { loop, log, mark } = virtualLoop();
    for (const name of ['a', 'b', 'c', 'd', 'e', 'f']) loop.setTimeout(mark(name), 10);
    loop.setTimeout(mark('first'), 5);
    await loop.run();
    expect(log).toEqual(['first@5', 'a@10', 'b@10', 'c@10', 'd@10', 'e@10', 'f@10']);
  });

  it('random timer trees fire in (deadline, insertion) order, each exactly at its deadline (model)', async () => {
    await checkProperty(
      fc.asyncProperty(forest, async (trees) => {
        const names = label(trees);
        const { loop, log, mark } = virtualLoop();
        const arm = (t: TimerTree) =>
          loop.setTimeout(() => {
            mark(names.get(t)!)();
            t.kids.forEach(arm);
          }, t.delay);
        trees.forEach(arm);
        await loop.run();
        expect(log).toEqual(modelRun(trees, names));
      }),
      { numRuns: 150 },
    );
  });

  it('treats a delay outside [1, 2^31-1] (0, negative, NaN, undefined, 2^31) as 1 ms, like Node', async () => {
    const { loop, log, mark } = virtualLoop();
    loop.setTimeout(mark('zero'), 0);
    loop.setTimeout(mark('negative'), -20);
    loop.setTimeout(mark('nan'), Number.NaN);
    loop.setTimeout(mark('undefined'));
    loop.setTimeout(mark('too-big'), 2 ** 31);
    loop.setTimeout(() => {
      mark('one')();
      loop.clearTimeout(max);
    }, 1);
    const max = loop.setTimeout(mark('max'), 2 ** 31 - 1);
    await loop.run();
    expect(log).toEqual(['zero@1', 'negative@1', 'nan@1', 'undefined@1', 'too-big@1', 'one@1']);
  });

  it('passes the extra arguments to setTimeout and setInterval callbacks', async () => {
    const { loop } = virtualLoop();
    const got: unknown[][] = [];
    loop.setTimeout((...args: unknown[]) => got.push(args), 5, 'a', 2, null);
    const iv = loop.setInterval(
      (x: string) => {
        got.push([x]);
        if (got.length === 3) loop.clearInterval(iv);
      },
      4,
      'tick',
    );
    await loop.run();
    expect(got).toEqual([['tick'], ['a', 2, null], ['tick']]);
  });

  it('clearTimeout cancels a timer; clearing twice, null, undefined or a fired timer does nothing', async () => {
    const { loop, log, mark } = virtualLoop();
    const a = loop.setTimeout(mark('a'), 10);
    const b = loop.setTimeout(mark('b'), 20);
    loop.setTimeout(mark('c'), 30);
    loop.clearTimeout(b);
    loop.clearTimeout(b);
    loop.clearTimeout(undefined);
    loop.clearTimeout(null);
    loop.setTimeout(() => loop.clearTimeout(a), 15);
    await loop.run();
    expect(log).toEqual(['a@10', 'c@30']);
  });

  it('a cleared timer does not keep the loop alive: run() ends without sleeping to its deadline', async () => {
    const { loop, clock, log, mark } = virtualLoop();
    const far = loop.setTimeout(mark('far'), 10_000);
    loop.setTimeout(() => {
      mark('near')();
      loop.clearTimeout(far);
    }, 10);
    await loop.run();
    expect(log).toEqual(['near@10']);
    expect(clock.now()).toBe(10);
  });

  it('a timer cleared by an earlier callback of the same timers phase does not run', async () => {
    const { loop, log, mark } = virtualLoop();
    loop.setTimeout(() => {
      mark('first')();
      loop.clearTimeout(second);
    }, 10);
    const second = loop.setTimeout(mark('second'), 10);
    loop.setTimeout(mark('third'), 10);
    await loop.run();
    expect(log).toEqual(['first@10', 'third@10']);
  });

  it('an interval fires every ms milliseconds until it clears itself', async () => {
    const { loop, clock, log } = virtualLoop();
    let n = 0;
    const iv = loop.setInterval(() => {
      log.push(`iv${++n}@${clock.now()}`);
      if (n === 4) loop.clearInterval(iv);
    }, 25);
    await loop.run();
    expect(log).toEqual(['iv1@25', 'iv2@50', 'iv3@75', 'iv4@100']);
    expect(clock.now()).toBe(100);
  });

  it('an interval re-arms from the clock just before its callback: a slow call makes it drift, never burst', async () => {
    const { loop, clock, log } = virtualLoop();
    let n = 0;
    const iv = loop.setInterval(() => {
      log.push(`iv${++n}@${clock.now()}`);
      if (n === 1) clock.advance(25); // 2.5 periods of work: the next deadline (20) is already past
      if (n === 3) loop.clearInterval(iv);
    }, 10);
    await loop.run();
    // Node: once at 35 for the missed deadline 20, then 35 + 10; no catch-up burst.
    expect(log).toEqual(['iv1@10', 'iv2@35', 'iv3@45']);
  });

  it('clearTimeout also clears an interval, from another timer', async () => {
    const { loop, log } = virtualLoop();
    const iv = loop.setInterval(() => log.push('iv'), 10);
    loop.setTimeout(() => loop.clearTimeout(iv), 35);
    await loop.run();
    expect(log).toEqual(['iv', 'iv', 'iv']);
  });

  it('a callback that throws rejects run() with that very error, and the loop stops there', async () => {
    const { loop, log, mark } = virtualLoop();
    const boom = new Error('boom');
    loop.setTimeout(() => {
      throw boom;
    }, 5);
    loop.setTimeout(mark('after'), 10);
    await expect(loop.run()).rejects.toBe(boom);
    expect(log).toEqual([]);
  });

  it('refuses a callback that is not a function with a TypeError', () => {
    const { loop } = virtualLoop();
    expect(() => loop.setTimeout('alert(1)' as never, 5)).toThrow(TypeError);
    expect(() => loop.setInterval(undefined as never, 5)).toThrow(TypeError);
  });
});
