/**
 * Stage 3: setImmediate and the phase order timers -> pending -> poll -> check -> close. On the
 * virtual clock callbacks take no time unless a test says so with clock.advance(ms), which is how
 * these tests make a timer fall due in the middle of a phase.
 */
import { describe, expect, it } from 'vitest';
import { labels, virtualLoop } from './harness.ts';

describe('stage 3: immediates and phases', () => {
  it('runs immediates in the check phase, first in first out, with their arguments', async () => {
    const { loop, log, phases } = virtualLoop();
    expect(loop.phase).toBe('idle');
    for (const n of [1, 2, 3]) {
      loop.setImmediate((x: string) => {
        log.push(x);
        phases.set(x, loop.phase);
      }, `im${n}`);
    }
    loop.setTimeout(() => phases.set('timer', loop.phase), 1);
    await loop.run();
    expect(log).toEqual(['im1', 'im2', 'im3']);
    expect(Object.fromEntries(phases)).toEqual({ im1: 'check', im2: 'check', im3: 'check', timer: 'timers' });
    expect(loop.phase).toBe('idle');
  });

  it('from a timer callback: nextTick, then the microtask, then the immediate, then a setTimeout 0', async () => {
    const { loop, log, mark } = virtualLoop();
    loop.setTimeout(() => {
      loop.setTimeout(mark('timeout0'), 0);
      loop.setImmediate(mark('immediate'));
      loop.queueMicrotask(mark('micro'));
      loop.nextTick(mark('tick'));
    }, 10);
    await loop.run();
    expect(log).toEqual(['tick@10', 'micro@10', 'immediate@10', 'timeout0@11']);
  });

  it('does not sleep in poll while an immediate is pending', async () => {
    const { loop, clock, log, mark } = virtualLoop();
    loop.setImmediate(() => {
      mark('first')();
      loop.setTimeout(mark('timer'), 5);
      loop.setImmediate(mark('second')); // next iteration: poll must not wait for the timer first
    });
    await loop.run();
    expect(log).toEqual(['first@0', 'second@0', 'timer@5']);
    expect(clock.sleeps.filter((ms) => ms > 0)).toEqual([5]);
  });

  it('sleeps in poll straight to the nearest timer, in one sleep per wait', async () => {
    const { loop, clock, log, mark } = virtualLoop();
    loop.setTimeout(mark('a'), 30);
    loop.setTimeout(mark('b'), 100);
    loop.setTimeout(mark('c'), 100);
    await loop.run();
    expect(log).toEqual(['a@30', 'b@100', 'c@100']);
    expect(clock.sleeps.filter((ms) => ms > 0)).toEqual([30, 70]);
  });

  it('immediates queued during the check phase wait for the next iteration, after a timer that fell due', async () => {
    const { loop, clock, log, mark } = virtualLoop();
    loop.setTimeout(mark('timer'), 3);
    loop.setImmediate(() => {
      mark('im1')();
      clock.advance(5); // the timer falls due while im1 runs
      loop.setImmediate(mark('im2'));
    });
    await loop.run();
    expect(log).toEqual(['im1@0', 'timer@5', 'im2@5']);
  });

  it('a chain of immediates, each queued by the previous one, cannot starve a timer', async () => {
    const { loop, clock, log } = virtualLoop();
    loop.setTimeout(() => log.push(`timer@${clock.now()}`), 5);
    let n = 0;
    const step = () => {
      log.push(`im${++n}@${clock.now()}`);
      clock.advance(1);
      if (n < 10) loop.setImmediate(step);
    };
    loop.setImmediate(step);
    await loop.run();
    expect(log).toEqual(['im1@0', 'im2@1', 'im3@2', 'im4@3', 'im5@4', 'timer@5', 'im6@5', 'im7@6', 'im8@7', 'im9@8', 'im10@9']);
  });

  it('runs every timer due in one timers phase, before that iteration\'s check phase', async () => {
    const { loop, log, mark } = virtualLoop();
    loop.setTimeout(() => {
      mark('t1')();
      loop.setImmediate(mark('immediate'));
    }, 10);
    loop.setTimeout(mark('t2'), 10);
    loop.setTimeout(mark('t3'), 10);
    await loop.run();
    expect(labels(log)).toEqual(['t1', 't2', 't3', 'immediate']);
  });

  it('runs in a timers phase only the timers due when it began: one that falls due during the phase waits for the next iteration', async () => {
    const { loop, clock, log, mark } = virtualLoop();
    loop.setTimeout(() => {
      mark('t1')();
      clock.advance(5); // t2 (due at 12) falls due while t1 runs
      loop.setImmediate(mark('immediate'));
    }, 10);
    loop.setTimeout(mark('t2'), 12);
    await loop.run();
    expect(log).toEqual(['t1@10', 'immediate@15', 't2@15']);
  });

  it('clearImmediate cancels a pending immediate, even one later in the check phase running now', async () => {
    const { loop, log, mark } = virtualLoop();
    loop.setImmediate(() => {
      mark('a')();
      loop.clearImmediate(c);
    });
    loop.setImmediate(mark('b'));
    const c = loop.setImmediate(mark('c'));
    const d = loop.setImmediate(mark('d'));
    loop.clearImmediate(d);
    loop.clearImmediate(d);
    loop.clearImmediate(undefined);
    await loop.run();
    expect(labels(log)).toEqual(['a', 'b']);
  });

  it('a cleared immediate does not keep the loop alive, and an immediate refuses a non-function', async () => {
    const { loop, clock } = virtualLoop();
    loop.clearImmediate(loop.setImmediate(() => clock.advance(1000)));
    await loop.run();
    expect(clock.now()).toBe(0);
    expect(() => loop.setImmediate({} as never)).toThrow(TypeError);
  });

  it('drains nextTicks and microtasks after each immediate, not once per check phase', async () => {
    const { loop, log, mark } = virtualLoop();
    loop.setImmediate(() => {
      mark('im1')();
      loop.queueMicrotask(mark('im1-micro'));
      loop.nextTick(mark('im1-tick'));
    });
    loop.setImmediate(mark('im2'));
    await loop.run();
    expect(labels(log)).toEqual(['im1', 'im1-tick', 'im1-micro', 'im2']);
  });
});
