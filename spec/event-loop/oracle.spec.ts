/**
 * Stage 4: Node is the oracle. Random programs of setTimeout, setInterval, setImmediate,
 * process.nextTick, queueMicrotask, Promise#then and clear* run twice: on Node's own loop (a plain
 * `node` process, see node-runner.mjs) and on your EventLoop with a virtual clock. The callbacks
 * must run in the same order.
 *
 * Which orders are demanded: all of them, for programs built so that Node's order does not depend
 * on real time. Each program starts inside setImmediate (never racing the main module), and no two
 * timer callbacks are due at the same instant: instants are whole units apart, so in Node each
 * timer fires alone, after everything the previous one set off (ticks, microtasks, immediates) has
 * run. Node's run is checked against real time and repeated with a longer unit if a callback ran
 * outside its instant's window; a mismatch is confirmed by running Node once more before it counts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventLoop } from '#kata/event-loop';
import { checkProperty, fc } from '#support/property';
import { freshSeed } from '#support/seed';
import { GuardedClock } from './harness.ts';
import { NodeOracle } from './oracle.ts';
import { describeProgram, interpret, type Program } from './program.mjs';
import { programArb } from './programs.ts';

/** One program unit on the virtual clock, in ms. */
const UNIT = 10;
const PROGRAMS = 200;

let oracle: NodeOracle;
beforeAll(() => {
  oracle = new NodeOracle();
});
afterAll(() => oracle.close());

interface LoopRun {
  log: string[];
  /** The first callback that ran at another virtual time than its instant, if any. */
  wrongTime?: string;
  finished: boolean;
}

/** Runs a program on the learner's loop, on a virtual clock. */
async function runOnLoop(program: Program): Promise<LoopRun> {
  const clock = new GuardedClock();
  const loop = new EventLoop({ clock });
  const log: string[] = [];
  let wrongTime: string | undefined;
  let finished = false;
  loop.setImmediate(() =>
    interpret(program, {
      timeout: (cb, delay) => loop.setTimeout(cb, delay * UNIT),
      interval: (cb, period) => loop.setInterval(cb, period * UNIT),
      immediate: (cb) => loop.setImmediate(cb),
      tick: (cb) => loop.nextTick(cb),
      micro: (cb) => loop.queueMicrotask(cb),
      then: (cb) => loop.queueMicrotask(cb),
      clearTimeout: (h) => loop.clearTimeout(h),
      clearInterval: (h) => loop.clearInterval(h),
      clearImmediate: (h) => loop.clearImmediate(h),
      log: (label, instant) => {
        log.push(label);
        if (wrongTime === undefined && clock.now() !== instant * UNIT) wrongTime = `${label} ran at ${clock.now()} ms instead of ${instant * UNIT} ms`;
      },
      done: () => {
        finished = true;
      },
    }),
  );
  await loop.run();
  return { log, wrongTime, finished };
}

function firstDifference(a: string[], b: string[]): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

/** Compares the learner's run with Node's order; throws a readable explanation on a difference. */
function compare(program: Program, node: string[], mine: LoopRun): void {
  const shown = describeProgram(program, UNIT);
  const i = firstDifference(node, mine.log);
  if (i < node.length || i < mine.log.length) {
    throw new Error(
      `your loop ran the callbacks in another order than Node.\n\n${shown}\n\n` +
        `Node:      ${node.join(' ')}\nyour loop: ${mine.log.join(' ')}\n` +
        `first difference at position ${i + 1}: Node ran ${node[i] ?? '(nothing more)'}, your loop ran ${mine.log[i] ?? '(nothing more)'}`,
    );
  }
  if (mine.wrongTime) throw new Error(`right order, wrong time: ${mine.wrongTime} on the virtual clock.\n\n${shown}`);
  if (!mine.finished) throw new Error(`run() resolved while callbacks of the program were still pending.\n\n${shown}`);
}

/** The same program as readable text in fast-check's counterexample. */
function printable(program: Program): Program {
  return Object.defineProperty([...program], fc.toStringMethod, { value: () => `\n${describeProgram(program, UNIT)}\n`, enumerable: false });
}

const programs = programArb.map(printable);

describe('stage 4: Node as the oracle', () => {
  it(`runs ${PROGRAMS} random programs of timers, intervals, immediates, nextTicks, microtasks and clears in the same order as Node`, async () => {
    const seed = freshSeed();
    await runOnLoop(fc.sample(programs, { seed, numRuns: 1 })[0]!); // a loop that throws fails here, before Node is asked
    // Node runs the whole batch up front, spread over worker threads; the property then finds each
    // program's result in the oracle's cache (shrunk programs are run one by one).
    const batch = fc.sample(programs, { seed, numRuns: PROGRAMS });
    const verdicts = await oracle.decide(batch);
    const undecided = verdicts.filter((v) => !v.log);
    expect(
      undecided.length,
      `Node's own timers ran too late to be trusted for ${undecided.length} of ${PROGRAMS} programs ` +
        `(e.g. ${undecided[0]?.reason}); the machine is too busy, run the spec again when it is quieter`,
    ).toBeLessThanOrEqual(PROGRAMS / 10);

    await checkProperty(
      fc.asyncProperty(programs, async (program) => {
        const mine = await runOnLoop(program); // first, so shrinking a loop that throws needs no Node runs
        const [verdict] = await oracle.decide([program]);
        if (!verdict!.log) return; // Node could not be trusted on this one (counted above)
        try {
          compare(program, verdict!.log, mine);
        } catch (err) {
          // Before blaming the loop, make sure Node gives the same order again with a longer unit.
          const again = await oracle.confirm(program, verdict!);
          if (again.disturbed || again.log.join() !== verdict!.log.join()) return;
          throw err;
        }
      }),
      { seed, numRuns: PROGRAMS, interruptAfterTimeLimit: 20_000, markInterruptAsFailure: true },
    );
  }, 60_000);

  it('agrees with Node on hand-picked programs: the puzzles people get wrong', async () => {
    const t = (id: string, delay: number, ...kids: Program) => ({ kind: 'timeout' as const, id, delay, kids });
    const im = (id: string, ...kids: Program) => ({ kind: 'immediate' as const, id, kids });
    const tick = (id: string, ...kids: Program) => ({ kind: 'tick' as const, id, kids });
    const micro = (id: string, ...kids: Program) => ({ kind: 'micro' as const, id, kids });
    const then = (id: string, ...kids: Program) => ({ kind: 'then' as const, id, kids });
    const hand: Program[] = [
      // inside an immediate: ticks before promises, immediates queued now run next iteration
      [then('P1', tick('N2')), tick('N3', then('P4')), im('I5', tick('N6')), im('I7')],
      // a timer's cascade: nested immediates interleave with nothing else until it is done
      [t('T1', 1, im('I2', im('I3', tick('N4'))), micro('M5', tick('N6', micro('M7')))), t('T8', 2, tick('N9'))],
      // microtasks between immediates of one check phase (Node >= 11)
      [im('I1', micro('M2')), im('I3', tick('N4')), im('I5', then('P6', micro('M7')))],
    ];
    const verdicts = await oracle.decide(hand);
    expect(verdicts.filter((v) => v.log).length, 'Node was disturbed on every hand-picked program; the machine is too busy').toBeGreaterThan(0);
    for (const [i, program] of hand.entries()) {
      const v = verdicts[i]!;
      if (!v.log) continue;
      compare(program, v.log, await runOnLoop(program));
    }
  }, 30_000);
});
