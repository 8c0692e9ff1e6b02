/**
 * Stage 4: crash safety at seeded random points. Longer workloads cut at a random call under any
 * write-back order (including reordered writes torn into garbage), and a torn WAL tail at every
 * byte. With the exhaustive file, over a thousand crash states per run.
 */
import { describe, expect, it } from 'vitest';
import { openLsm } from '#kata/lsm-tree';
import { forEachSeed } from '#support/seed';
import { SimFs, withSimFs } from '#support/simfs';
import { SLOW, SMALL, atLeast, describePolicy, workload, type Policy } from './crash.ts';
import { DIR, checkRecovery, prefixStates, randomOps, run, type Op } from './helpers.ts';

describe('stage 4: WAL, flush and crash safety', () => {
  it('loses no acknowledged write at seeded random crash points of longer workloads, under any write-back order', SLOW, async () => {
    const policies: Policy[] = ['drop', 'keep', { unsynced: 'prefix', tear: { fill: 'zeros' } }, { unsynced: 'subset', tear: { fill: 'garbage' } }];
    let checked = 0;
    await forEachSeed(300, async (random) => {
      const ops = randomOps(random, 16, 7, [4, 16]);
      await withSimFs(random, async (sim) => {
        const progress = { acked: 0 };
        sim.armCrash({ nth: random.int(1, 150) });
        await sim.runUntilCrash(() => workload(sim, ops, progress, SMALL));
        const policy = random.pick(policies);
        const report = sim.crash(policy);
        const problem = await checkRecovery(() => sim.fs, prefixStates(ops), progress.acked, Math.min(progress.acked + 1, ops.length), SMALL);
        if (problem) throw new Error(`power cut after ${progress.acked} acks, policy ${describePolicy(policy)} (${report.description}):\n${problem}`);
      });
      checked++;
    });
    expect(checked).toBeGreaterThanOrEqual(atLeast(300));
  });

  it('cuts a torn WAL tail at every byte and keeps every acknowledged write before it', SLOW, async () => {
    let checked = 0;
    const first: Op[] = [
      { op: 'put', key: 'k', value: 'old' },
      { op: 'put', key: 'j', value: 'stays' },
    ];
    for (const last of [{ op: 'put', key: 'k', value: 'a-new-value' }, { op: 'del', key: 'j' }] as Op[]) {
      const sim = new SimFs({ seed: 5 });
      const db = await openLsm(DIR, { fs: sim.fs });
      for (const o of first) await run(db, o);
      sim.armCrash({ op: ['fsync', 'fdatasync'], path: /\.log$/ }); // the record is written, never synced
      expect((await sim.runUntilCrash(() => run(db, last))).crashed).toBe(true);
      for (const state of sim.crashStates({ unsynced: 'keep', tear: { fill: 'garbage' } })) {
        const disk = state.boot();
        const problem = await checkRecovery(() => disk.fs, prefixStates([...first, last]), 2, 3);
        if (problem) throw new Error(`torn ${JSON.stringify(last)}, ${state.label}:\n${problem}`);
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(20);
  });
});
