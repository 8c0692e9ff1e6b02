/**
 * Stage 5: merge and hint files. Merge keeps the state and drops dead entries; the hint file is the
 * documented format and lets open skip the data; a hint that is cut, damaged or too long falls back
 * to a scan with the same keydir; a crash at every call of a merge loses nothing and brings back no
 * deleted key.
 */
import { describe, expect, it } from 'vitest';
import { BitcaskCorruptionError, openBitcask, type BitcaskOptions } from '#kata/bitcask';
import { flipBit } from '#support/corrupt';
import { checkProperty, fc } from '#support/property';
import { replaySeed } from '#support/replay';
import { forEachSeed } from '#support/seed';
import { SimFs, withSimFs, type DiskImage } from '#support/simfs';
import {
  DIR,
  checkRecovery,
  crc32c,
  dataIds,
  dataName,
  dataPath,
  decodeEntries,
  decodeHint,
  describePolicy,
  dump,
  hintName,
  hintPath,
  prefixStates,
  run,
  show,
  stateOf,
  text,
  type Op,
  type Policy,
} from './helpers.ts';

const SLOW = { timeout: 120_000 };
/** Crash states this file checked (printed by the last test). */
let crashStates = 0;
const atLeast = (n: number) => (replaySeed() === undefined ? n : 1);
const OPTS: BitcaskOptions = { maxFileBytes: 100 };

/** Puts in early files, overwrites and deletes in later ones: merge has dead entries and tombstones to drop. */
const HISTORY: Op[] = [
  { op: 'put', key: 'a', value: 'a-1' },
  { op: 'put', key: 'b', value: 'b-1' },
  { op: 'put', key: 'c', value: 'c-1' },
  { op: 'put', key: 'a', value: 'a-2' },
  { op: 'del', key: 'b' },
  { op: 'put', key: 'd', value: 'd-1' },
  { op: 'put', key: 'e', value: 'e-1' },
  { op: 'del', key: 'c' },
  { op: 'put', key: 'f', value: 'f-1' },
  { op: 'del', key: 'a' },
  { op: 'put', key: 'g', value: 'g-1' },
];
const FINAL = prefixStates(HISTORY).at(-1)!; // d, e, f, g

/** A closed store holding HISTORY over several files. */
async function historyDisk(seed = 1): Promise<SimFs> {
  const sim = new SimFs({ seed });
  const db = await openBitcask(DIR, { ...OPTS, fs: sim.fs });
  for (const o of HISTORY) await run(db, o);
  await db.close();
  expect((await dataIds(sim.fs)).length, 'the history spans several files').toBeGreaterThanOrEqual(3);
  return sim;
}

/** The ids of the merged file (the one with a hint) and the newest data file after a merge. */
async function afterMerge(sim: SimFs): Promise<{ merged: number; newest: number; ids: number[] }> {
  const names = await sim.fs.readdir(DIR);
  const hinted = names.filter((n) => /^\d{10}\.hint$/.test(n)).map((n) => Number(n.slice(0, 10)));
  expect(hinted, `exactly one hint file after a merge (directory: ${names.join(' ')})`).toHaveLength(1);
  const ids = await dataIds(sim.fs);
  return { merged: hinted[0]!, newest: ids.at(-1)!, ids };
}

describe('stage 5: merge and hints', () => {
  it('merge keeps every live value and leaves one merged file (no tombstones, no old versions) beside a newer active file', async () => {
    const sim = await historyDisk();
    const before = await dataIds(sim.fs);
    const db = await openBitcask(DIR, { ...OPTS, fs: sim.fs });
    await db.merge();
    expect(show(await dump(db))).toBe(show(FINAL));
    const { merged, newest, ids } = await afterMerge(sim);
    expect(ids.filter((id) => before.includes(id)), 'every old data file is deleted').toEqual([]);
    expect(merged).toBeGreaterThan(Math.max(...before));
    expect(ids).toEqual([merged, newest]);
    expect(newest, 'new writes go to a file newer than the merged one').toBeGreaterThan(merged);
    const entries = decodeEntries(await sim.fs.readFile(dataPath(merged)), dataName(merged));
    expect(entries.map((e) => [e.key, e.value]).sort()).toEqual([...FINAL].sort());
    // New writes after the merge win over the merged file, now and after a reopen.
    await db.put('d', 'd-2');
    await db.delete('e');
    await db.close();
    const want = new Map(FINAL).set('d', 'd-2');
    want.delete('e');
    expect(show(await stateOf(sim.fs, OPTS))).toBe(show(want));
    expect((await dataIds(sim.fs)).at(-1)).toBe(newest);
    expect(decodeEntries(await sim.fs.readFile(dataPath(newest))).map((e) => e.key)).toEqual(['d', 'e']);
  });

  it('merge copies entries with their timestamps, and new entries get later ones', async () => {
    const sim = await historyDisk();
    const old = new Map<string, number>();
    for (const id of await dataIds(sim.fs)) for (const e of decodeEntries(await sim.fs.readFile(dataPath(id)))) old.set(e.key, e.timestamp);
    const db = await openBitcask(DIR, { ...OPTS, fs: sim.fs });
    await db.merge();
    await db.put('h', 'h-1');
    await db.close();
    const { merged, newest } = await afterMerge(sim);
    const copied = decodeEntries(await sim.fs.readFile(dataPath(merged)));
    for (const e of copied) expect(e.timestamp, `timestamp of ${e.key}`).toBe(old.get(e.key));
    const [h] = decodeEntries(await sim.fs.readFile(dataPath(newest)));
    expect(h!.timestamp).toBeGreaterThan(Math.max(...old.values()));
  });

  it('the hint file is the documented format: one entry per live key, pointing at its entry; the footer seals it', async () => {
    const sim = await historyDisk();
    const db = await openBitcask(DIR, { ...OPTS, fs: sim.fs });
    await db.merge();
    await db.close();
    const { merged } = await afterMerge(sim);
    const data = await sim.fs.readFile(dataPath(merged));
    const hint = decodeHint(await sim.fs.readFile(hintPath(merged))); // checks magic and crc
    expect(hint.count).toBe(hint.entries.length);
    expect(hint.dataSize).toBe(data.length);
    const byOffset = new Map(decodeEntries(data).map((e) => [e.offset, e]));
    expect(hint.entries.map((h) => h.key).sort()).toEqual([...FINAL.keys()].sort());
    for (const h of hint.entries) {
      const e = byOffset.get(h.offset);
      expect(e, `hint entry for ${h.key} points at offset ${h.offset}, where no entry starts`).toBeDefined();
      expect([e!.key, e!.timestamp, e!.keySize, e!.valueSize]).toEqual([h.key, h.timestamp, h.keySize, h.valueSize]);
    }
  });

  it('open loads a merged file from its hint without reading that data file', async () => {
    const sim = await historyDisk();
    let db = await openBitcask(DIR, { ...OPTS, fs: sim.fs });
    await db.merge();
    await db.close();
    const { merged } = await afterMerge(sim);
    const from = sim.trace.length;
    db = await openBitcask(DIR, { ...OPTS, fs: sim.fs });
    const reads = sim.trace.slice(from).filter((e) => e.op === 'read' && e.target.includes(dataName(merged)));
    expect(reads.map((e) => `${e.op} ${e.target} ${e.detail}`), 'reads of the merged data file during open').toEqual([]);
    expect(show(await dump(db))).toBe(show(FINAL));
    await db.close();
  });

  it('a truncated, corrupt or overlong hint file falls back to scanning the data file, with the same keydir', SLOW, async () => {
    const sim = await historyDisk();
    const db = await openBitcask(DIR, { ...OPTS, fs: sim.fs });
    await db.merge();
    await db.close();
    const { merged } = await afterMerge(sim);
    const image = sim.durableImage();
    const hint = image.files.get(hintPath(merged));
    expect(hint?.length ?? 0, 'the hint file is durable (fsynced) after merge() resolved').toBeGreaterThan(100);
    if (!hint) return;
    const withHint = (bytes: Uint8Array): DiskImage => ({ dirs: image.dirs, files: new Map(image.files).set(hintPath(merged), bytes) });
    const check = async (what: string, disk: SimFs) => {
      const got = await stateOf(disk.fs, OPTS).catch((e: unknown) => {
        throw new Error(`${what}: open failed: ${(e as Error).message}`);
      });
      expect(show(got), what).toBe(show(FINAL));
    };
    let cases = 0;
    await forEachSeed(1, async (random) => {
      // Truncated: short ones, long ones, and some in between.
      const cuts = new Set([0, 1, 3, 19, 20, 21, hint.length - 1, hint.length - 4, hint.length - 19, hint.length - 20, hint.length - 21]);
      for (let i = 0; i < 13; i++) cuts.add(random.int(0, hint.length - 1));
      for (const cut of cuts) {
        await check(`hint cut to ${cut} of ${hint.length} bytes`, SimFs.fromImage(withHint(hint.subarray(0, cut))));
        cases++;
      }
      // Corrupt: one flipped bit, all over the entries and the footer.
      for (let i = 0; i < 48; i++) {
        const disk = SimFs.fromImage(image, { random });
        const f = flipBit(disk, hintPath(merged));
        await check(`bit ${f.bit} of byte ${f.offset} of the ${hint.length}-byte hint flipped`, disk);
        cases++;
      }
      // Overlong: bytes after the footer (garbage, zeros, a whole second copy).
      const tails = [random.bytes(1), random.bytes(7), random.bytes(20), random.bytes(100), new Uint8Array(24), hint];
      for (const tail of tails) {
        await check(`hint with ${tail.length} extra bytes`, SimFs.fromImage(withHint(Buffer.concat([hint, tail]))));
        cases++;
      }
      // A hint sealed for a data file of another size (the footer's data size is off by one).
      const other = Buffer.from(hint);
      const f = other.length - 20;
      other.writeUInt32LE(other.readUInt32LE(f + 8) + 1, f + 8);
      other.writeUInt32LE(crc32c(other.subarray(0, f + 16)), f + 16);
      await check('a hint whose footer names a data file one byte longer', SimFs.fromImage(withHint(other)));
      cases++;
    });
    expect(cases).toBeGreaterThanOrEqual(atLeast(70));
  });

  it('leftovers of a crashed merge (*.tmp files, a hint without its data file) are ignored and removed', async () => {
    const sim = await historyDisk();
    const ids = await dataIds(sim.fs);
    const next = ids.at(-1)! + 1;
    await sim.fs.writeFile(`${dataPath(next)}.tmp`, Buffer.from('half a merged file'));
    await sim.fs.writeFile(`${hintPath(next)}.tmp`, Buffer.from('half a hint'));
    await sim.fs.writeFile(hintPath(next + 5), Buffer.from('a hint whose data file is gone'));
    expect(show(await stateOf(sim.fs, OPTS))).toBe(show(FINAL));
    const names = await sim.fs.readdir(DIR);
    expect(names.filter((n) => n.endsWith('.tmp') || n.endsWith('.hint'))).toEqual([]);
  });

  it('merge refuses to copy a damaged entry, leaves the store as it was, and works once the key is rewritten', async () => {
    const sim = await historyDisk();
    const ids = await dataIds(sim.fs);
    const entries = decodeEntries(await sim.fs.readFile(dataPath(ids[1]!)));
    const victim = entries.find((e) => e.value !== null && FINAL.get(e.key) === e.value);
    expect(victim, 'a live latest entry in the second file').toBeDefined();
    flipBit(sim, dataPath(ids[1]!), { from: victim!.offset + 24 + victim!.keySize, to: victim!.offset + victim!.size });
    let db = await openBitcask(DIR, { ...OPTS, fs: sim.fs });
    await expect(db.merge()).rejects.toThrow(BitcaskCorruptionError);
    await expect(db.get(victim!.key)).rejects.toThrow(BitcaskCorruptionError);
    for (const [k, v] of FINAL) if (k !== victim!.key) expect(text(await db.get(k))).toBe(v);
    await db.close();
    expect((await dataIds(sim.fs)).filter((id) => ids.includes(id))).toEqual(ids); // nothing deleted
    db = await openBitcask(DIR, { ...OPTS, fs: sim.fs });
    await expect(db.get(victim!.key)).rejects.toThrow(BitcaskCorruptionError);
    await db.put(victim!.key, 'rewritten');
    await db.merge();
    await db.close();
    expect(show(await stateOf(sim.fs, OPTS))).toBe(show(new Map(FINAL).set(victim!.key, 'rewritten')));
  });

  it('model: random put/delete/merge/reopen sequences agree with a Map', SLOW, async () => {
    const key = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g');
    const op = fc.oneof(
      { weight: 6, arbitrary: fc.record({ t: fc.constant('put' as const), key, value: fc.string({ maxLength: 16 }) }) },
      { weight: 3, arbitrary: fc.record({ t: fc.constant('del' as const), key }) },
      { weight: 1, arbitrary: fc.record({ t: fc.constant('merge' as const) }) },
      { weight: 1, arbitrary: fc.record({ t: fc.constant('reopen' as const) }) },
    );
    await checkProperty(
      fc.asyncProperty(fc.array(op, { maxLength: 40 }), fc.integer({ min: 50, max: 150 }), async (ops, maxFileBytes) => {
        const sim = new SimFs({ seed: 4 });
        let db = await openBitcask(DIR, { fs: sim.fs, maxFileBytes });
        const model = new Map<string, string>();
        for (const o of ops) {
          if (o.t === 'put') {
            await db.put(o.key, o.value);
            model.set(o.key, o.value);
          } else if (o.t === 'del') {
            await db.delete(o.key);
            model.delete(o.key);
          } else if (o.t === 'merge') {
            await db.merge();
          } else {
            await db.close();
            db = await openBitcask(DIR, { fs: sim.fs, maxFileBytes });
          }
        }
        expect(show(await dump(db))).toBe(show(model));
        await db.close();
        expect(show(await stateOf(sim.fs, { maxFileBytes }))).toBe(show(model));
      }),
      { numRuns: 40 },
    );
  });

  const MERGE_POLICIES: Array<[string, Policy, 'strict' | 'lenient']> = [
    ['power cut', 'drop', 'strict'],
    ['in-order write-back, last write torn', { unsynced: 'prefix', tear: true }, 'strict'],
    ['reordered write-back', { unsynced: 'subset', tear: { fill: 'garbage' } }, 'strict'],
    ['process killed mid-write', { unsynced: 'keep', tear: { fill: 'zeros' } }, 'strict'],
    ['power cut, ext4-like directory syncs', 'drop', 'lenient'],
  ];
  for (const [name, policy, dirSync] of MERGE_POLICIES) {
    it(`a crash at every call of a merge loses nothing and brings back no deleted key (${name})`, SLOW, async () => {
      // After the merge, an overwrite and a delete: acknowledged ones must survive too.
      const after: Op[] = [
        { op: 'put', key: 'd', value: 'd-after-merge' },
        { op: 'del', key: 'e' },
      ];
      const overwritten = new Map(FINAL).set('d', 'd-after-merge');
      const deleted = new Map(overwritten);
      deleted.delete('e');
      const states = [FINAL, overwritten, deleted];
      const base = (await historyDisk()).durableImage();
      const workload = async (sim: SimFs, progress: { acked: number }) => {
        const db = await openBitcask(DIR, { ...OPTS, fs: sim.fs });
        await db.merge();
        for (const o of after) {
          await run(db, o);
          progress.acked++;
        }
        await db.close();
      };
      const dry = SimFs.fromImage(base, { dirSync });
      await workload(dry, { acked: 0 });
      const total = dry.calls;
      let checked = 0;
      await forEachSeed(1, async (random) => {
        for (let n = 1; n <= total; n++) {
          await withSimFs(random, async (sim) => {
            sim.reboot(base);
            const progress = { acked: 0 };
            sim.armCrash({ nth: n });
            await sim.runUntilCrash(() => workload(sim, progress));
            const report = sim.crash(policy);
            const problem = await checkRecovery(sim, states, progress.acked, Math.min(progress.acked + 1, after.length), OPTS);
            if (problem) throw new Error(`power cut at call ${n} of ${total} (${describePolicy(policy)}, ${report.description}):\n${problem}`);
            const left = (await sim.fs.readdir(DIR)).filter((f) => f.endsWith('.tmp'));
            expect(left, `temporary files left after recovery from a crash at call ${n}`).toEqual([]);
          }, { dirSync });
          checked++;
        }
      });
      crashStates += checked;
      expect(checked).toBeGreaterThanOrEqual(40);
    });
  }

  it('a merge that crashes can be run again after recovery, any number of times', SLOW, async () => {
    const base = (await historyDisk()).durableImage();
    await forEachSeed(4, async (random) => {
      await withSimFs(random, async (sim) => {
        sim.reboot(base);
        for (let round = 0; round < 3; round++) {
          sim.armCrash({ nth: random.int(1, 40) });
          await sim.runUntilCrash(async () => {
            const db = await openBitcask(DIR, { ...OPTS, fs: sim.fs });
            await db.merge();
            await db.close();
          });
          sim.crash(random.pick<Policy>(['drop', { unsynced: 'prefix', tear: true }, 'subset']));
          expect(show(await stateOf(sim.fs, OPTS)), `after crashed merge number ${round + 1}`).toBe(show(FINAL));
          crashStates++;
        }
        const db = await openBitcask(DIR, { ...OPTS, fs: sim.fs });
        await db.merge();
        expect(show(await dump(db))).toBe(show(FINAL));
        await db.close();
        expect((await dataIds(sim.fs)).length).toBe(2);
      });
    });
    console.log(`bitcask stage 5: ${crashStates} crash states checked`);
  });
});
