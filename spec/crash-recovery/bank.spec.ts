/**
 * Stage 6: the bank. Accounts are slots; transfers move money between them; some commit, some
 * abort, some are still in flight when the power goes; pages are stolen to disk and checkpoints
 * taken at random points. The power goes at every call of the workload, and every crash image
 * the disk allows is recovered: the balances must be those of the acknowledged commits (plus,
 * perhaps, the one commit in doubt) and the money is conserved. Then recovery itself crashes.
 */
import { describe, expect, it } from 'vitest';
import type { Store } from '#kata/crash-recovery';
import { forEachSeed } from '#support/seed';
import { replaySeed } from '#support/replay';
import { SimFs, type CrashState, type DiskImage } from '#support/simfs/index';
import { ACCOUNTS, LOG, PAGE_SIZE, balances, bankPlan, expectBankState, newBank, open, runBank, where, type Bank } from './helpers.ts';

const MIN_STATES = 1100;
const MAX_SEEDS = 16;
const replaying = () => replaySeed() !== undefined;

/** After recovery the store goes on: one more transfer commits and survives a power cut. */
async function goesOn(store: Store, sim: SimFs, bank: Bank, label: string): Promise<void> {
  const got = balances(store);
  const tx = store.begin();
  tx.add(...where(0), -1);
  tx.add(...where(ACCOUNTS - 1), 1);
  await tx.commit();
  sim.crash('drop');
  const back = await open(sim.fs);
  const want = got.slice();
  want[0]! -= 1;
  want[ACCOUNTS - 1]! += 1;
  expect(balances(back), `${label}: a transfer committed after recovery survives the next crash`).toEqual(want);
  expectBankState(got, bank, label);
  await back.close();
}

describe('stage 6: bank transfers under crashes', () => {
  it('a power cut at every call of a random bank workload, every crash image (reordered write-back, sector-torn writes): committed transfers survive, the rest vanish, money is conserved', async () => {
    let states = 0;
    let torn = 0;
    // seeds until there are enough crash images (a plan's image count depends on its seed)
    const rounds = replaying() ? 1 : MAX_SEEDS;
    for (let round = 0; round < rounds && states < MIN_STATES; round++) {
      await forEachSeed(1, async (random) => {
        const plan = bankPlan(random, 22);
        const dry = new SimFs({ seed: random.seed });
        await runBank(dry.fs, plan, newBank());
        for (let n = 1; n <= dry.calls; n++) {
          const sim = new SimFs({ seed: random.seed });
          const bank = newBank();
          sim.armCrash({ nth: n, timing: 'after' });
          const run = await sim.runUntilCrash(() => runBank(sim.fs, plan, bank));
          expect(run.crashed).toBe(true);
          // reordered write-back of whatever was not synced, each surviving write also torn at sector boundaries
          const all: CrashState[] = sim.crashStates({ unsynced: 'subset', tear: { unit: PAGE_SIZE } });
          for (const state of all) {
            const disk = state.boot();
            const label = `seed ${random.seed}, crash after call ${n}, ${state.label}`;
            const store = await open(disk.fs);
            expectBankState(balances(store), bank, label);
            // the store goes on after recovery: after one torn write in four, and now and then
            if (((state.choice.torn?.cut ?? 0) > 0 && states % 4 === 0) || states % 16 === 0) await goesOn(store, disk, bank, label);
            if (state.choice.torn) torn++;
            states++;
          }
        }
      });
    }
    if (replaying()) return;
    expect(states).toBeGreaterThanOrEqual(MIN_STATES);
    expect(torn).toBeGreaterThan(200);
  }, 60_000);

  it('a crash at any call of recovery, then recovery again, gives the same state as one uninterrupted recovery', async () => {
    let runs = 0;
    await forEachSeed(2, async (random) => {
      const plan = bankPlan(random, 28);
      const dry = new SimFs({ seed: random.seed });
      await runBank(dry.fs, plan, newBank());
      // a handful of crash points spread over the workload, each leaving losers and stolen pages behind
      const points = Array.from({ length: 4 }, () => random.int(Math.floor(dry.calls / 3), dry.calls));
      for (const n of points) {
        const sim = new SimFs({ seed: random.seed });
        const bank = newBank();
        sim.armCrash({ nth: n });
        await sim.runUntilCrash(() => runBank(sim.fs, plan, bank));
        sim.crash({ unsynced: 'subset' });
        const image: DiskImage = sim.durableImage();
        const clean = SimFs.fromImage(image, { seed: random.seed });
        const want = balances(await open(clean.fs));
        expectBankState(want, bank, `crash at call ${n}, one recovery`);
        for (let m = 1; m < clean.calls; m++) {
          const disk = SimFs.fromImage(image, { seed: random.seed + m });
          disk.armCrash({ nth: m });
          const r = await disk.runUntilCrash(() => open(disk.fs));
          expect(r.crashed).toBe(true);
          disk.crash({ unsynced: random.pick(['drop', 'prefix', 'subset'] as const) });
          // and once more, a crash during the second recovery
          const third = Math.max(1, Math.floor(m / 2));
          disk.armCrash({ nth: third });
          await disk.runUntilCrash(() => open(disk.fs));
          if (disk.crashed) disk.crash({ unsynced: 'prefix' });
          const back = await open(disk.fs);
          expect(balances(back), `crash at call ${n}, recovery crashed at its call ${m} (then at ${third})`).toEqual(want);
          await back.close();
          runs++;
        }
      }
    });
    expect(runs).toBeGreaterThan(100);
  }, 60_000);

  it('a log write torn inside its first header and then at every 11th byte (rest absent, zeros or garbage) ends the log there; later commits land after the last whole record', async () => {
    let states = 0;
    await forEachSeed(1, async (random) => {
      const plan = bankPlan(random, 12);
      for (const fill of ['absent', 'zeros', 'garbage'] as const) {
        const sim = new SimFs({ seed: random.seed });
        const bank = newBank();
        // the power goes before the log's 3rd..5th fsync: the write it would have covered is pending
        sim.armCrash({ op: 'fdatasync', path: LOG, nth: random.int(3, 5) });
        const run = await sim.runUntilCrash(() => runBank(sim.fs, plan, bank));
        expect(run.crashed).toBe(true);
        for (const state of sim.crashStates({ unsynced: 'keep', tear: { fill } })) {
          const cut = state.choice.torn?.cut;
          if (cut !== undefined && cut > 8 && cut % 11 !== 0) continue;
          const disk = state.boot();
          const label = `seed ${random.seed}, ${fill}, ${state.label}`;
          const store = await open(disk.fs);
          expectBankState(balances(store), bank, label);
          await goesOn(store, disk, bank, label);
          states++;
        }
      }
    });
    expect(states).toBeGreaterThan(50);
  }, 30_000);
});
