/**
 * Stage 2: the nextTick queue and the microtask queue, drained after every callback: all ticks
 * (including ticks they queue), then all microtasks (including microtasks they queue), and again
 * while microtasks queued ticks. This is Node >= 11; before, timers and immediates ran as a batch
 * and the queues drained only between phases.
 */
import { describe, expect, it } from 'vitest';
import { checkProperty, fc } from '#support/property';
import { labels, virtualLoop } from './harness.ts';

interface Job {
  kind: 'tick' | 'micro';
  kids: Job[];
}

const job: (depth: number) => fc.Arbitrary<Job> = fc.memo((depth: number) =>
  fc.record({
    kind: fc.constantFrom<Job['kind']>('tick', 'micro'),
    kids: depth <= 1 ? fc.constant<Job[]>([]) : fc.array(job(depth - 1), { maxLength: 3 }),
  }),
);
const jobs = fc.array(job(4), { maxLength: 4 });

/** Names jobs `${prefix}${kind}${n}` in pre-order. */
function name(prefix: string, js: Job[]): Map<Job, string> {
  const names = new Map<Job, string>();
  const walk = (xs: Job[]) => xs.forEach((j) => (names.set(j, `${prefix}${j.kind}${names.size}`), walk(j.kids)));
  walk(js);
  return names;
}

/** Node's drain, as a model: two FIFOs, ticks first, again while ticks were queued. */
function modelDrain(roots: Job[], names: Map<Job, string>): string[] {
  const ticks: Job[] = [];
  const micro: Job[] = [];
  const out: string[] = [];
  const queue = (j: Job) => (j.kind === 'tick' ? ticks : micro).push(j);
  roots.forEach(queue);
  do {
    for (let j = ticks.shift(); j; j = ticks.shift()) (out.push(names.get(j)!), j.kids.forEach(queue));
    for (let j = micro.shift(); j; j = micro.shift()) (out.push(names.get(j)!), j.kids.forEach(queue));
  } while (ticks.length > 0);
  return out;
}

describe('stage 2: microtasks and nextTick', () => {
  it('after a callback, every nextTick runs before any microtask, whatever the order they were queued in', async () => {
    const { loop, log, mark } = virtualLoop();
    loop.setTimeout(() => {
      loop.queueMicrotask(mark('micro1'));
      loop.nextTick(mark('tick1'));
      loop.queueMicrotask(mark('micro2'));
      loop.nextTick(mark('tick2'));
    }, 10);
    await loop.run();
    expect(log).toEqual(['tick1@10', 'tick2@10', 'micro1@10', 'micro2@10']);
  });

  it('nextTicks queued by nextTicks run in the same drain, still before the microtasks', async () => {
    const { loop, log, mark } = virtualLoop();
    loop.setTimeout(() => {
      loop.queueMicrotask(mark('micro'));
      loop.nextTick(() => {
        mark('tick1')();
        loop.nextTick(() => {
          mark('tick2')();
          loop.nextTick(mark('tick3'));
        });
      });
    }, 10);
    await loop.run();
    expect(labels(log)).toEqual(['tick1', 'tick2', 'tick3', 'micro']);
  });

  it('microtasks queued by microtasks run in the same drain, before the next callback', async () => {
    const { loop, log, mark } = virtualLoop();
    loop.setTimeout(() => {
      loop.queueMicrotask(() => {
        mark('m1')();
        loop.queueMicrotask(() => {
          mark('m2')();
          loop.queueMicrotask(mark('m3'));
        });
      });
    }, 10);
    loop.setTimeout(mark('next-timer'), 10);
    await loop.run();
    expect(labels(log)).toEqual(['m1', 'm2', 'm3', 'next-timer']);
  });

  it('a nextTick queued by a microtask waits until the microtask queue is empty, then runs before the next callback', async () => {
    const { loop, log, mark } = virtualLoop();
    loop.setTimeout(() => {
      loop.queueMicrotask(() => {
        mark('m1')();
        loop.nextTick(mark('tick-from-m1'));
      });
      loop.queueMicrotask(mark('m2'));
    }, 10);
    loop.setTimeout(mark('next-timer'), 10);
    await loop.run();
    expect(labels(log)).toEqual(['m1', 'm2', 'tick-from-m1', 'next-timer']);
  });

  it('drains after every callback (Node >= 11): two timers due together have the first one\'s ticks and microtasks in between', async () => {
    const { loop, log, mark } = virtualLoop();
    loop.setTimeout(() => {
      mark('t1')();
      loop.queueMicrotask(mark('t1-micro'));
      loop.nextTick(mark('t1-tick'));
    }, 10);
    loop.setTimeout(() => {
      mark('t2')();
      loop.nextTick(mark('t2-tick'));
    }, 10);
    await loop.run();
    expect(log).toEqual(['t1@10', 't1-tick@10', 't1-micro@10', 't2@10', 't2-tick@10']);
  });

  it('ticks and microtasks queued before run() run first, as after Node\'s main module', async () => {
    const { loop, log, mark } = virtualLoop();
    loop.setTimeout(mark('timer'), 1);
    loop.queueMicrotask(mark('micro'));
    loop.nextTick(mark('tick'));
    await loop.run();
    expect(log).toEqual(['tick@0', 'micro@0', 'timer@1']);
  });

  it('passes nextTick\'s extra arguments; refuses non-functions with a TypeError', async () => {
    const { loop } = virtualLoop();
    const got: unknown[] = [];
    loop.nextTick((a: number, b: string) => got.push(a, b), 1, 'two');
    await loop.run();
    expect(got).toEqual([1, 'two']);
    expect(() => loop.nextTick(42 as never)).toThrow(TypeError);
    expect(() => loop.queueMicrotask(null as never)).toThrow(TypeError);
  });

  it('an interval cleared by a microtask its own callback queued never fires again', async () => {
    const { loop, clock, log } = virtualLoop();
    const iv = loop.setInterval(() => {
      log.push(`iv@${clock.now()}`);
      loop.queueMicrotask(() => loop.clearInterval(iv));
    }, 10);
    loop.setTimeout(() => log.push(`end@${clock.now()}`), 50);
    await loop.run();
    expect(log).toEqual(['iv@10', 'end@50']);
  });

  it('re-arms an interval right after its callback, before its microtasks: a timer they set for the same moment comes after it', async () => {
    const { loop, clock, log } = virtualLoop();
    let n = 0;
    const iv = loop.setInterval(() => {
      log.push(`iv${++n}@${clock.now()}`);
      if (n === 1) loop.queueMicrotask(() => loop.setTimeout(() => log.push(`x@${clock.now()}`), 10));
      if (n === 2) loop.clearInterval(iv);
    }, 10);
    await loop.run();
    // Node prints the same (its interval is re-inserted in a finally block, before the drain).
    expect(log).toEqual(['iv1@10', 'iv2@20', 'x@20']);
  });

  it('random trees of nextTicks and microtasks queued from two timers and before run() drain as Node drains them (model)', async () => {
    await checkProperty(
      fc.asyncProperty(jobs, jobs, jobs, async (before, a, b) => {
        const nb = name('pre-', before);
        const na = name('a-', a);
        const nbb = name('b-', b);
        const { loop, log } = virtualLoop();
        const queue = (names: Map<Job, string>) => (j: Job) => {
          const run = () => {
            log.push(names.get(j)!);
            j.kids.forEach(queue(names));
          };
          if (j.kind === 'tick') loop.nextTick(run);
          else loop.queueMicrotask(run);
        };
        loop.setTimeout(() => {
          log.push('A');
          a.forEach(queue(na));
        }, 5);
        loop.setTimeout(() => {
          log.push('B');
          b.forEach(queue(nbb));
        }, 5);
        before.forEach(queue(nb));
        await loop.run();
        expect(log).toEqual([...modelDrain(before, nb), 'A', ...modelDrain(a, na), 'B', ...modelDrain(b, nbb)]);
      }),
      { numRuns: 150 },
    );
  });
});
