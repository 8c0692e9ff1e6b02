/**
 * Stage 4: torn tails and bit rot. A crash mid-append leaves a torn last record, which open cuts
 * off; damage with whole records after it is not a crash, and open refuses it.
 */
import { describe, expect, it } from 'vitest';
import { DictionaryCorruptionError, LogDictionary } from '#kata/word-dictionary';
import { flipBit } from '#support/corrupt';
import { forEachSeed } from '#support/seed';
import { SimFs, withSimFs, type CrashPolicy } from '#support/simfs';
import { DIR, LOG, decodeLog, expectSameAs, randomOps, type Op } from './helpers.ts';

const SLOW = { timeout: 60_000 };
const SAVED: Array<[string, string]> = [['apple', 'a round fruit'], ['café', 'coffee, "served" here'], ['中文', 'Chinese 🙂']];

async function saved(sim: SimFs): Promise<LogDictionary> {
  const dict = await LogDictionary.open(DIR, { fs: sim.fs });
  for (const [w, m] of SAVED) await dict.put(w, m);
  return dict;
}

/** The model after the first k ops. */
function modelAfter(ops: readonly Op[], k: number): Map<string, string> {
  const m = new Map<string, string>();
  for (const o of ops.slice(0, k)) {
    if (o.op === 'put') m.set(o.word, o.meaning);
    else if (o.op === 'delete') m.delete(o.word);
  }
  return m;
}

async function snapshot(dict: LogDictionary): Promise<Map<string, string>> {
  const m = new Map<string, string>();
  for (const w of await dict.words()) m.set(w, (await dict.get(w))!);
  return m;
}

describe('stage 4: torn tails and bit rot', () => {
  for (const fill of ['absent', 'zeros', 'garbage'] as const) {
    it(`cuts off a torn last record at every tear point (${fill}), durably, and appends after it`, async () => {
      const sim = new SimFs({ seed: 7 });
      const dict = await saved(sim);
      sim.armCrash({ op: 'fdatasync', nth: 1 });
      const out = await sim.runUntilCrash(() => dict.put('torn', 'never synced, cut anywhere'));
      expect(out.crashed).toBe(true);
      const states = sim.crashStates({ unsynced: 'keep', tear: { fill } });
      expect(states.length).toBeGreaterThan(40);
      for (const state of states) {
        const disk = state.boot();
        const again = await LogDictionary.open(DIR, { fs: disk.fs });
        const got = await snapshot(again);
        const whole = got.has('torn');
        expect(got, state.label).toEqual(new Map([...SAVED, ...(whole ? [['torn', 'never synced, cut anywhere'] as [string, string]] : [])]));
        // The cut is on disk: what is left decodes whole, before and after a power cut.
        expect(decodeLog(disk.peekDurable(LOG)!).length, state.label).toBe(SAVED.length + (whole ? 1 : 0));
        await again.put('after', 'the crash');
        await again.close();
        disk.crash('drop');
        const third = await LogDictionary.open(DIR, { fs: disk.fs });
        expect(await third.get('after'), state.label).toBe('the crash');
        expect(await third.get('apple'), state.label).toBe('a round fruit');
      }
    });
  }

  it('loses no acknowledged put or delete, whatever call the power goes at', SLOW, async () => {
    const policies: CrashPolicy[] = [{ unsynced: 'drop' }, { unsynced: 'prefix', tear: true }, { unsynced: 'keep', tear: { fill: 'zeros' } }, { unsynced: 'subset', tear: { fill: 'garbage' } }];
    let states = 0;
    // Seven seeded workloads: with the tear and compaction tests, over a thousand crash states a run.
    await forEachSeed(7, async (random) => {
      const ops = randomOps(random, 12);
      const workload = async (sim: SimFs, acked: { n: number }) => {
        const dict = await LogDictionary.open(DIR, { fs: sim.fs });
        for (const o of ops) {
          if (o.op === 'put') await dict.put(o.word, o.meaning);
          else if (o.op === 'delete') await dict.delete(o.word);
          else await dict.get(o.word);
          acked.n++;
        }
        await dict.close();
      };
      const dry = new SimFs({ seed: 0 });
      await workload(dry, { n: 0 });
      for (const policy of policies) {
        for (let n = 1; n <= dry.calls; n++) {
          await withSimFs(random, async (sim) => {
            const acked = { n: 0 };
            sim.armCrash({ nth: n });
            await sim.runUntilCrash(() => workload(sim, acked));
            const report = sim.crash(policy);
            const dict = await LogDictionary.open(DIR, { fs: sim.fs });
            const got = await snapshot(dict);
            const ok = [acked.n, Math.min(acked.n + 1, ops.length)].some((k) => JSON.stringify([...got].sort()) === JSON.stringify([...modelAfter(ops, k)].sort()));
            expect(ok, `power cut at call ${n}, ${report.description}: ${acked.n} ops acknowledged, recovered ${JSON.stringify([...got])}`).toBe(true);
            states++;
          });
        }
      }
    });
    expect(states).toBeGreaterThan(100);
  });

  it('refuses a flipped bit in a synced record that whole records follow: DictionaryCorruptionError at its offset', async () => {
    await forEachSeed(6, async (random) => {
      await withSimFs(random, async (sim) => {
        const dict = await saved(sim);
        await dict.close();
        const records = decodeLog(sim.peekDurable(LOG)!);
        const target = records[random.int(0, records.length - 2)]!;
        flipBit(sim, LOG, { from: target.offset, to: target.offset + target.size });
        const err = await LogDictionary.open(DIR, { fs: sim.fs }).then(() => undefined, (e: unknown) => e);
        expect(err).toBeInstanceOf(DictionaryCorruptionError);
        expect((err as DictionaryCorruptionError).offset).toBe(target.offset);
        expect((err as DictionaryCorruptionError).file).toBe(LOG);
      });
    });
  });

  it('a flipped bit in a meaning is caught by the CRC on open and on get, never returned as data', async () => {
    await forEachSeed(4, async (random) => {
      await withSimFs(random, async (sim) => {
        const dict = await saved(sim);
        const records = decodeLog(sim.peekDurable(LOG)!);
        const first = records[0]!;
        // The meaning bytes of the first record: damage the sizes cannot explain.
        const meaningStart = first.offset + first.size - Buffer.byteLength(first.meaning);
        flipBit(sim, LOG, { from: meaningStart, to: first.offset + first.size });
        await expect(dict.get('apple')).rejects.toThrow(DictionaryCorruptionError);
        expect(await dict.get('café')).toBe('coffee, "served" here');
        await dict.close();
        await expect(LogDictionary.open(DIR, { fs: sim.fs })).rejects.toThrow(DictionaryCorruptionError);
      });
    });
  });

  it('after a power cut every synced change is there, and reopening twice gives the same answer', async () => {
    await forEachSeed(2, async (random) => {
      await withSimFs(random, async (sim) => {
        const model = new Map<string, string>();
        const dict = await LogDictionary.open(DIR, { fs: sim.fs });
        for (const o of randomOps(random, 20)) {
          if (o.op === 'put') await dict.put(o.word, o.meaning), model.set(o.word, o.meaning);
          else if (o.op === 'delete') await dict.delete(o.word), model.delete(o.word);
        }
        sim.crash({ unsynced: 'drop' });
        await expectSameAs(await LogDictionary.open(DIR, { fs: sim.fs }), model, 'first reopen');
        sim.crash({ unsynced: 'drop' });
        await expectSameAs(await LogDictionary.open(DIR, { fs: sim.fs }), model, 'second reopen');
      });
    });
  });
});
