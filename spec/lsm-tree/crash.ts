/**
 * The crash loops of stage 4: a workload run on the simulated disk, the power cut at a chosen call,
 * and the recovery checked against the model (helpers.ts: checkRecovery).
 */
import { expect } from 'vitest';
import { openLsm, type LsmOptions } from '#kata/lsm-tree';
import { replaySeed } from '#support/replay';
import type { Random } from '#support/seed';
import { SimFs, withSimFs, type CrashPolicy, type Unsynced } from '#support/simfs';
import { DIR, checkRecovery, prefixStates, run, type Op } from './helpers.ts';

export type Policy = Unsynced | CrashPolicy;
export const describePolicy = (p: Policy) => (typeof p === 'string' ? p : JSON.stringify(p));
/** A coverage floor, or 1 when `--seed` replays a single seed. */
export const atLeast = (n: number) => (replaySeed() === undefined ? n : 1);
/** Heavy tests get room on a busy machine; on a quiet one each takes a second or two. */
export const SLOW = { timeout: 120_000 };

/** Tiny memtables and tables so a dozen puts flush and compact. */
export const SMALL: LsmOptions = { memtableBytes: 40, l0Trigger: 2, levelBytes: 100, blockBytes: 24 };

export interface Progress {
  acked: number;
}

export async function workload(sim: SimFs, ops: readonly Op[], progress: Progress, opts: LsmOptions): Promise<void> {
  const db = await openLsm(DIR, { ...opts, fs: sim.fs });
  for (const o of ops) {
    await run(db, o);
    progress.acked++; // acknowledged: the promise resolved
  }
  await db.close();
}

/**
 * Runs `ops` once per call index with the power going at that call, crashes with `policy`, and
 * checks the recovery: every acknowledged op there, at most the one in flight beyond them.
 * Returns the number of crash states checked.
 */
export async function crashAtEveryCall(random: Random, ops: readonly Op[], policy: Policy, opts: LsmOptions): Promise<number> {
  const dry = new SimFs({ seed: 0 });
  await workload(dry, ops, { acked: 0 }, opts);
  const total = dry.calls;
  const states = prefixStates(ops);
  for (let n = 1; n <= total; n++) {
    await withSimFs(random, async (sim) => {
      const progress = { acked: 0 };
      sim.armCrash({ nth: n });
      const outcome = await sim.runUntilCrash(() => workload(sim, ops, progress, opts));
      expect(outcome.crashed, `the power was armed to go at call ${n} of ${total}`).toBe(true);
      const report = sim.crash(policy);
      const problem = await checkRecovery(() => sim.fs, states, progress.acked, Math.min(progress.acked + 1, ops.length), opts);
      if (problem) throw new Error(`power cut at call ${n} of ${total}, policy ${describePolicy(policy)} (${report.description}):\n${problem}`);
    });
  }
  return total;
}
