/**
 * Stage 5: compaction. The log keeps only the newest record of each live word; the switch is an
 * atomic rename, so a power cut at any call of compact() loses nothing.
 */
import { describe, expect, it } from 'vitest';
import { COMPACT_FILE, LogDictionary } from '#kata/word-dictionary';
import { forEachSeed } from '#support/seed';
import { SimFs, withSimFs, type CrashPolicy } from '#support/simfs';
import { DIR, LOG, decodeLog, expectSameAs, randomOps, runAgainstModel } from './helpers.ts';

const SLOW = { timeout: 60_000 };

async function fill(sim: SimFs): Promise<[LogDictionary, Map<string, string>]> {
  const dict = await LogDictionary.open(DIR, { fs: sim.fs });
  const model = new Map<string, string>();
  const pairs: Array<[string, string]> = [];
  for (let i = 0; i < 40; i++) pairs.push([`word-${i % 15}`, `meaning ${i}, "v${i}"`]);
  await dict.putMany(pairs); // overwrites within one batch: the later pair wins
  for (const [w, m] of pairs) model.set(w, m);
  for (const i of [2, 5, 11]) {
    await dict.delete(`word-${i}`);
    model.delete(`word-${i}`);
  }
  await dict.put('word-5', 'back after its delete');
  model.set('word-5', 'back after its delete');
  return [dict, model];
}

describe('stage 5: compaction', () => {
  it('keeps exactly one record per live word, drops overwritten ones and tombstones, and stays usable', async () => {
    const sim = new SimFs();
    const [dict, model] = await fill(sim);
    const before = sim.peek(LOG)!.length;
    await dict.compact();
    const records = decodeLog(sim.peekDurable(LOG)!);
    expect(records.every((r) => r.kind === 'put')).toBe(true);
    expect(new Map(records.map((r) => [r.word, r.meaning]))).toEqual(model);
    expect(records.length).toBe(model.size);
    expect(dict.fileSize).toBe(sim.peek(LOG)!.length);
    expect(dict.fileSize).toBeLessThan(before);
    expect(await sim.fs.exists(`${DIR}/${COMPACT_FILE}`)).toBe(false);
    await expectSameAs(dict, model, 'after compact');
    await dict.put('word-0', 'after compaction');
    model.set('word-0', 'after compaction');
    await dict.delete('word-1');
    model.delete('word-1');
    await dict.close();
    sim.crash('drop');
    await expectSameAs(await LogDictionary.open(DIR, { fs: sim.fs }), model, 'after compact, more changes, a power cut and reopen');
  });

  it('agrees with a Map when compactions are mixed into random sequences', async () => {
    await forEachSeed(3, async (random) => {
      await withSimFs(random, async (sim) => {
        const model = new Map<string, string>();
        let dict = await LogDictionary.open(DIR, { fs: sim.fs });
        for (let round = 0; round < 4; round++) {
          await runAgainstModel(dict, model, randomOps(random, 15));
          await dict.compact();
          await expectSameAs(dict, model, `after compaction ${round}`);
          if (random.int(0, 1) === 1) {
            await dict.close();
            dict = await LogDictionary.open(DIR, { fs: sim.fs });
          }
        }
      });
    });
  });

  it('loses nothing when the power goes at any call of compact()', SLOW, async () => {
    const policies: CrashPolicy[] = [{ unsynced: 'drop' }, { unsynced: 'prefix', tear: true }, { unsynced: 'subset', tear: { fill: 'garbage' } }, { unsynced: 'keep', tear: { fill: 'zeros' } }];
    const dry = new SimFs({ seed: 0 });
    const [d0] = await fill(dry);
    const start = dry.calls;
    await d0.compact();
    const calls = dry.calls - start;
    let states = 0;
    await forEachSeed(2, async (random) => {
      for (const policy of policies) {
        for (let n = 1; n <= calls; n++) {
          await withSimFs(random, async (sim) => {
            const [dict, model] = await fill(sim);
            sim.armCrash({ nth: n });
            const out = await sim.runUntilCrash(() => dict.compact());
            expect(out.crashed, `armed at call ${n} of ${calls}`).toBe(true);
            const report = sim.crash(policy);
            const again = await LogDictionary.open(DIR, { fs: sim.fs });
            await expectSameAs(again, model, `power cut at call ${n} of ${calls} of compact(), ${report.description}`);
            expect(await sim.fs.exists(`${DIR}/${COMPACT_FILE}`), 'a leftover compaction file is removed on open').toBe(false);
            await again.put('after', 'recovery');
            expect(await again.get('after')).toBe('recovery');
            states++;
          });
        }
      }
    });
    expect(states).toBeGreaterThanOrEqual(8 * calls);
  });
});
