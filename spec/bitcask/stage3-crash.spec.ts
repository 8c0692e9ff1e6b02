/**
 * Stage 3: crash safety. Power cuts at every call of small workloads (sync on every put), torn last
 * entries at every byte, acknowledged tombstones, a failed fsync, short writes, sync 'none', and
 * recovery that itself crashes. Over a thousand crash states per run, all on the simulated disk.
 */
import { describe, expect, it } from 'vitest';
import { BitcaskClosedError, openBitcask, type BitcaskOptions } from '#kata/bitcask';
import { forEachSeed, type Random } from '#support/seed';
import { SimFs, withSimFs } from '#support/simfs';
import { replaySeed } from '#support/replay';
import { DIR, checkRecovery, dataIds, dataPath, describePolicy, prefixStates, randomOps, run, show, stateOf, text, type Op, type Policy } from './helpers.ts';

/** A coverage floor, or 1 when `--seed` replays a single seed. */
const atLeast = (n: number) => (replaySeed() === undefined ? n : 1);

/** Crash states this file checked (printed at the end, asserted per test). */
let crashStates = 0;

const NAMED_POLICIES: Array<[string, Policy]> = [
  ['power cut, nothing unsynced survives', 'drop'],
  ['in-order write-back, last write torn', { unsynced: 'prefix', tear: true }],
  ['reordered write-back, torn into garbage', { unsynced: 'subset', tear: { fill: 'garbage' } }],
  ['process killed mid-write, rest zeros', { unsynced: 'keep', tear: { fill: 'zeros' } }],
];
const POLICIES = NAMED_POLICIES.map(([, p]) => p);
/** Heavy tests get room on a busy machine; on a quiet one each takes a second or two. */
const SLOW = { timeout: 120_000 };

interface Progress {
  acked: number;
}

async function workload(sim: SimFs, ops: readonly Op[], progress: Progress, opts: BitcaskOptions): Promise<void> {
  const db = await openBitcask(DIR, { ...opts, fs: sim.fs });
  for (const o of ops) {
    await run(db, o);
    progress.acked++; // acknowledged: the promise resolved
  }
  await db.close();
}

/**
 * Runs `ops` once per call index with the power going at that call, crashes with `policy`, and
 * checks the recovery (see checkRecovery). With sync 'always' at most the op in flight may be
 * there beyond the acknowledged ones; with sync 'none' any prefix of the issued ops may be.
 */
async function crashAtEveryCall(random: Random, ops: readonly Op[], policies: readonly Policy[], opts: BitcaskOptions): Promise<number> {
  const dry = new SimFs({ seed: 0 });
  await workload(dry, ops, { acked: 0 }, opts);
  const total = dry.calls;
  const states = prefixStates(ops);
  let checked = 0;
  for (const policy of policies) {
    for (let n = 1; n <= total; n++) {
      await withSimFs(random, async (sim) => {
        const progress = { acked: 0 };
        sim.armCrash({ nth: n });
        const outcome = await sim.runUntilCrash(() => workload(sim, ops, progress, opts));
        expect(outcome.crashed, `the power was armed to go at call ${n} of ${total}`).toBe(true);
        const report = sim.crash(policy);
        const synced = opts.sync !== 'none';
        const acked = synced ? progress.acked : 0;
        const maxIssued = synced ? Math.min(progress.acked + 1, ops.length) : progress.acked + 1;
        const problem = await checkRecovery(sim, states, acked, Math.min(maxIssued, ops.length), opts);
        if (problem) throw new Error(`power cut at call ${n} of ${total}, policy ${describePolicy(policy)} (${report.description}):\n${problem}`);
      });
      checked++;
    }
  }
  crashStates += checked;
  return checked;
}

describe('stage 3: crash safety', () => {
  for (const [name, policy] of NAMED_POLICIES) {
    it(`loses no acknowledged put or delete and resurrects no deleted key, whatever call the power goes at (${name})`, SLOW, async () => {
      let checked = 0;
      await forEachSeed(2, async (random) => {
        const ops = randomOps(random, 14, 5);
        checked += await crashAtEveryCall(random, ops, [policy], { maxFileBytes: 150 });
      });
      expect(checked).toBeGreaterThanOrEqual(atLeast(80));
    });
  }

  it('cuts a torn last entry at every byte (absent, zeros, garbage), brings back the previous value, and appends after it', SLOW, async () => {
    let checked = 0;
    const cases: Array<{ name: string; last: Op }> = [
      { name: 'an overwrite', last: { op: 'put', key: 'k', value: 'the-new-value' } },
      { name: 'a delete', last: { op: 'del', key: 'k' } },
      { name: 'the first entry of a new file', last: { op: 'put', key: 'fresh', value: 'x'.repeat(40) } },
    ];
    for (const { name, last } of cases) {
      for (const fill of ['absent', 'zeros', 'garbage'] as const) {
        const first: Op[] = [
          { op: 'put', key: 'k', value: 'old-value' },
          { op: 'put', key: 'other', value: 'stays' },
        ];
        const ops = [...first, last];
        const sim = new SimFs({ seed: 5 });
        const maxFileBytes = name === 'the first entry of a new file' ? 80 : 1000;
        const db = await openBitcask(DIR, { fs: sim.fs, maxFileBytes });
        for (const o of first) await run(db, o);
        // The last entry is written, never synced: the power goes at its file's first sync.
        sim.armCrash({ op: ['fsync', 'fdatasync'], path: dataPath(maxFileBytes === 80 ? 2 : 1) });
        const outcome = await sim.runUntilCrash(() => run(db, last));
        expect(outcome.crashed).toBe(true);
        const all = sim.crashStates({ unsynced: 'keep', tear: { fill } });
        expect(all.length).toBeGreaterThan(24); // one per byte of the entry, header included
        for (const state of all) {
          const disk = state.boot();
          const problem = await checkRecovery(disk, prefixStates(ops), 2, 3, { maxFileBytes });
          if (problem) throw new Error(`torn ${name}, ${state.label}:\n${problem}`);
          checked++;
        }
      }
    }
    crashStates += checked;
    expect(checked).toBeGreaterThanOrEqual(200);
  });

  it('an acknowledged delete survives a power cut, also when the value it hides sits in an older file', async () => {
    const sim = new SimFs({ seed: 6 });
    const db = await openBitcask(DIR, { fs: sim.fs, maxFileBytes: 64 });
    await db.put('doomed', 'value-in-file-1');
    await db.put('filler', 'x'.repeat(40)); // rolls over to file 2
    await db.put('filler', 'y'.repeat(40)); // and to file 3
    expect((await dataIds(sim.fs)).length).toBeGreaterThanOrEqual(3);
    await db.delete('doomed');
    sim.crash('drop'); // right after the delete resolved
    expect(show(await stateOf(sim.fs, { maxFileBytes: 64 }))).toBe(show(new Map([['filler', 'y'.repeat(40)]])));
    expect(show(await stateOf(sim.fs, { maxFileBytes: 64 }))).toBe(show(new Map([['filler', 'y'.repeat(40)]])));
  });

  it('a failed fsync rejects the put, keeps the old value visible, and stops writes until the store is reopened', async () => {
    const sim = new SimFs({ seed: 7 });
    const db = await openBitcask(DIR, { fs: sim.fs });
    await db.put('k', 'old');
    sim.failFsync({ path: /\.data$/ });
    await expect(db.put('k', 'new')).rejects.toThrow();
    expect(text(await db.get('k'))).toBe('old'); // never acknowledged, so never visible
    await expect(db.put('other', 'x')).rejects.toThrow(BitcaskClosedError);
    await expect(db.delete('k')).rejects.toThrow(BitcaskClosedError);
    expect(text(await db.get('k'))).toBe('old');
    await db.close();
    // The kernel dropped the failed write: after a power cut the old value is what is there.
    sim.crash('drop');
    const again = await openBitcask(DIR, { fs: sim.fs });
    expect(text(await again.get('k'))).toBe('old');
    await again.put('k', 'newer');
    await again.close();
    expect(show(await stateOf(sim.fs))).toBe(show(new Map([['k', 'newer']])));
  });

  it('finishes short writes: every put lands whole', async () => {
    const sim = new SimFs({ seed: 8 });
    const db = await openBitcask(DIR, { fs: sim.fs, maxFileBytes: 100 });
    const handle = sim.shortWrite({ bytes: 7, path: /\.data$/, times: Infinity });
    const ops = randomOps(sim.random, 20, 4, [0, 30]);
    for (const o of ops) await run(db, o);
    expect(handle.hits).toBeGreaterThan(20);
    handle.remove();
    await db.close();
    sim.crash('drop');
    expect(show(await stateOf(sim.fs, { maxFileBytes: 100 }))).toBe(show(prefixStates(ops).at(-1)!));
  });

  it("with sync 'none': a killed process loses nothing, a power cut loses only a suffix, and close() makes everything durable", async () => {
    const opts: BitcaskOptions = { sync: 'none', maxFileBytes: 90 };
    await forEachSeed(1, async (random) => {
      const ops = randomOps(random, 14, 5);
      const states = prefixStates(ops);
      // Killed process: the kernel has every write.
      const killed = new SimFs({ random });
      const db = await openBitcask(DIR, { ...opts, fs: killed.fs });
      for (const o of ops) await run(db, o);
      killed.crash('keep');
      expect(show(await stateOf(killed.fs, opts))).toBe(show(states.at(-1)!));
      // After close(): everything is on disk.
      const closed = new SimFs({ random });
      await workload(closed, ops, { acked: 0 }, opts);
      closed.crash('drop');
      expect(show(await stateOf(closed.fs, opts))).toBe(show(states.at(-1)!));
      // A power cut anywhere: some prefix of the ops, torn tail cut, and open always succeeds.
      const checked = await crashAtEveryCall(random, ops, [{ unsynced: 'prefix', tear: true }], opts);
      expect(checked).toBeGreaterThan(30);
    });
  });

  it("with sync 'none', rolling over seals the full file durably: a power cut keeps every entry of the older files", async () => {
    const sim = new SimFs({ seed: 9 });
    const opts: BitcaskOptions = { sync: 'none', maxFileBytes: 100 };
    const db = await openBitcask(DIR, { ...opts, fs: sim.fs });
    const ops = Array.from({ length: 9 }, (_, i): Op => ({ op: 'put', key: `key${i}`, value: `value-${i}` })); // 35 bytes each
    for (const o of ops) await run(db, o);
    const ids = await dataIds(sim.fs);
    expect(ids.length).toBeGreaterThanOrEqual(4);
    sim.crash('drop'); // no close: the newest file's entries were never synced
    const got = await stateOf(sim.fs, opts);
    const sealed = ops.slice(0, 2 * (ids.length - 1)); // two entries per full file
    for (const o of sealed) expect(got.has(o.key), `${o.key} sat in a sealed file and must survive the power cut`).toBe(true);
  });

  it('recovery that crashes (while cutting a torn tail) can simply run again', async () => {
    let checked = 0;
    await forEachSeed(1, async (random) => {
      // A disk whose newest file ends in a torn entry.
      const base = new SimFs({ random });
      const db = await openBitcask(DIR, { fs: base.fs });
      const ops = randomOps(random, 8, 4);
      for (const o of ops) await run(db, o);
      base.armCrash({ op: ['fsync', 'fdatasync'], path: /\.data$/ });
      await base.runUntilCrash(() => db.put('torn', 'never-acknowledged'));
      const torn = base.crash({ unsynced: 'keep', tear: { at: 30 } });
      const expected = show(prefixStates(ops).at(-1)!);
      const dry = SimFs.fromImage(torn.image);
      expect(show(await stateOf(dry.fs))).toBe(expected);
      for (let n = 1; n <= dry.calls; n++) {
        for (const policy of ['drop', { unsynced: 'prefix', tear: true }] as Policy[]) {
          const sim = SimFs.fromImage(torn.image, { random });
          sim.armCrash({ nth: n });
          await sim.runUntilCrash(() => stateOf(sim.fs));
          sim.crash(policy);
          expect(show(await stateOf(sim.fs)), `recovery crashed at call ${n} (${describePolicy(policy)})`).toBe(expected);
          checked++;
        }
      }
    });
    crashStates += checked;
    expect(checked).toBeGreaterThan(20);
  });

  it('seeded random: longer workloads crash at a random call under a random policy', async () => {
    let checked = 0;
    await forEachSeed(25, async (random) => {
      const ops = randomOps(random, 40, 8, [0, 40]);
      const opts: BitcaskOptions = { maxFileBytes: random.int(60, 400) };
      await withSimFs(random, async (sim) => {
        const progress = { acked: 0 };
        sim.armCrash({ nth: random.int(1, 150) });
        await sim.runUntilCrash(() => workload(sim, ops, progress, opts));
        const policy = random.pick(POLICIES);
        const report = sim.crash(policy);
        const problem = await checkRecovery(sim, prefixStates(ops), progress.acked, Math.min(progress.acked + 1, ops.length), opts);
        if (problem) throw new Error(`${describePolicy(policy)} (${report.description}):\n${problem}`);
      });
      checked++;
    });
    crashStates += checked;
    expect(checked).toBe(atLeast(25));
    console.log(`bitcask stage 3: ${crashStates} crash states checked`);
  });
});
