/**
 * Stage 3: fsync of the file and of the directory, on the simulated disk. The power goes before
 * every call of a small write (and once after it resolved); every crash image the disk allows is
 * enumerated: any subset of the unsynced writes (reordered write-back, directory changes in
 * order), each with its last surviving write torn at every byte. The file must come back old or
 * new, never partial, and new once the write resolved. The same enumeration shows the naive write
 * leaving partial files, each one caught by the checked format, and shows what skipping the
 * directory fsync costs.
 */
import { describe, expect, it } from 'vitest';
import { ChecksumError, FormatError, PartialFileError, decodeChecked, readFileChecked, writeFileAtomic, writeFileNaive } from '#kata/atomic-write';
import { SimFs, type CrashPolicy, type DirSyncPolicy } from '#support/simfs/index';
import { bytes, frame, hex, outcome, pieces, settle, type Outcome } from './helpers.ts';

const FILE = '/d/f';
const OLD = frame(bytes('old'));
const NEW = frame(bytes('the new payload')); // 35 bytes: five writes of at most 8
const NEXT = frame(bytes('written after recovery'));
const PIECE = 8;
const ALL_STATES: CrashPolicy = { unsynced: 'subset', tear: true };

type Writer = 'atomic' | 'naive';

interface Sweep {
  states: number;
  counts: Partial<Record<Outcome, number>>;
}

/** A disk with the directory /d, durable, and in it the old file or nothing. */
function newSim(hasOld: boolean, dirSync: DirSyncPolicy): SimFs {
  return new SimFs({ seed: 7, dirSync, image: { dirs: ['/', '/d'], files: new Map(hasOld ? [[FILE, OLD]] : []) } });
}

async function run(sim: SimFs, writer: Writer, acked: { done: boolean }): Promise<void> {
  const fs = pieces(sim.fs, PIECE);
  await (writer === 'atomic' ? writeFileAtomic(FILE, NEW, { fs }) : writeFileNaive(FILE, NEW, { fs }));
  acked.done = true;
}

/**
 * Crashes before every call of the write and once after it resolved; at each point enumerates
 * every crash state and hands it, with whether the write had resolved, to `check`.
 */
async function sweep(
  writer: Writer,
  hasOld: boolean,
  dirSync: DirSyncPolicy,
  check: (got: Uint8Array | undefined, acked: boolean, label: string, boot: () => SimFs) => Promise<Outcome>,
): Promise<Sweep> {
  const dry = newSim(hasOld, dirSync);
  await run(dry, writer, { done: false });
  const calls = dry.calls;
  const result: Sweep = { states: 0, counts: {} };
  for (let n = 1; n <= calls + 1; n++) {
    const sim = newSim(hasOld, dirSync);
    const acked = { done: false };
    if (n <= calls) sim.armCrash({ nth: n });
    const r = await sim.runUntilCrash(() => run(sim, writer, acked));
    expect(r.crashed, `the dry run made ${calls} calls; the power should go before call ${n}`).toBe(n <= calls);
    for (const state of sim.crashStates(ALL_STATES)) {
      const where = `${writer} write, ${hasOld ? 'replacing a file' : 'new file'}, dirSync ${dirSync}: power cut ${n <= calls ? `before call ${n} of ${calls}` : 'after the write resolved'}\ncrash image: ${state.label}\n${sim.traceTail(14)}`;
      const o = await check(state.image.files.get(FILE), acked.done, where, () => state.boot());
      result.counts[o] = (result.counts[o] ?? 0) + 1;
      result.states++;
    }
  }
  return result;
}

/** The atomic write's promise: old (or nothing, for a new file) or new; new once it resolved. */
async function checkAtomic(hasOld: boolean, dirSync: DirSyncPolicy): Promise<Sweep> {
  let booted = 0;
  const sw = await sweep('atomic', hasOld, dirSync, async (got, acked, where, boot) => {
    const o = outcome(got, hasOld ? OLD : undefined, NEW);
    if (acked) expect(o, `the write had resolved, so the file must be the new one; it is ${o} (${hex(got)})\n${where}`).toBe('new');
    else expect(['new', hasOld ? 'old' : 'absent'], `the file is ${o} (${hex(got)})\n${where}`).toContain(o);
    // recover from every few states: the file reads back whole and the next write works and
    // leaves nothing else in the directory (stale temp files removed)
    if (booted++ % 9 === 0) {
      const disk = boot();
      if (o !== 'absent') expect(hex(await readFileChecked(FILE, { fs: disk.fs })), where).toBe(hex(o === 'new' ? bytes('the new payload') : bytes('old')));
      await writeFileAtomic(FILE, NEXT, { fs: disk.fs });
      expect(await disk.fs.readdir('/d'), `after recovery and one more write\n${where}`).toEqual(['f']);
      expect(hex(disk.peek(FILE))).toBe(hex(NEXT));
    }
    return o;
  });
  return sw;
}

describe('stage 3: fsync of file and directory', () => {
  it('an acknowledged atomic write survives a power cut (new file and replacement, strict and lenient directory sync)', async () => {
    for (const dirSync of ['strict', 'lenient'] as const) {
      for (const hasOld of [false, true]) {
        for (const policy of ['drop', 'prefix', 'subset'] as const) {
          const sim = newSim(hasOld, dirSync);
          await writeFileAtomic(FILE, NEW, { fs: sim.fs });
          sim.crash(policy);
          expect(hex(sim.peek(FILE)), `${hasOld ? 'replaced' : 'new'} file, dirSync ${dirSync}, power cut (${policy}) after the write resolved`).toBe(hex(NEW));
          expect(hex(await readFileChecked(FILE, { fs: sim.fs }))).toBe(hex(bytes('the new payload')));
        }
      }
    }
  });

  it('replacing a file: a power cut at any call, in any crash state (reordered write-back, torn writes), leaves the old or the new file, never a partial one (strict POSIX directory sync)', async () => {
    const sw = await checkAtomic(true, 'strict');
    expect(sw.counts.old, 'crash states with the old file').toBeGreaterThan(0);
    expect(sw.counts.new, 'crash states with the new file').toBeGreaterThan(0);
    expect(sw.states).toBeGreaterThanOrEqual(400);
  });

  it('creating a file: a power cut at any call, in any crash state, leaves no file or the whole new one (strict)', async () => {
    const sw = await checkAtomic(false, 'strict');
    expect(sw.counts.absent).toBeGreaterThan(0);
    expect(sw.states).toBeGreaterThanOrEqual(400);
  });

  it('the same under lenient directory sync (ext4 data=ordered: any fsync also commits earlier directory changes)', async () => {
    const sw = await checkAtomic(true, 'lenient');
    expect(sw.states).toBeGreaterThanOrEqual(300);
  });

  it('without the directory fsync the write resolves, yet a power cut can bring back the old file, or no file at all: the rename was never made durable', async () => {
    for (const hasOld of [true, false]) {
      const seen: Record<string, Set<Outcome>> = {};
      for (const fsyncDir of [false, true]) {
        const sim = newSim(hasOld, 'strict');
        await writeFileAtomic(FILE, NEW, { fs: sim.fs, fsyncDir });
        const outcomes = new Set(sim.crashStates(ALL_STATES).map((s) => outcome(s.image.files.get(FILE), hasOld ? OLD : undefined, NEW)));
        seen[String(fsyncDir)] = outcomes;
      }
      const lost = hasOld ? 'old' : 'absent';
      expect([...seen.true!], `with fsyncDir, ${hasOld ? 'replacing' : 'creating'} a file`).toEqual(['new']);
      expect([...seen.false!].sort(), `fsyncDir: false, ${hasOld ? 'replacing' : 'creating'} a file: the acknowledged write can be lost`).toEqual([lost, 'new'].sort());
    }
    // and the plain power cut right after it resolved
    const sim = new SimFs({ seed: 5, files: { [FILE]: OLD } });
    await writeFileAtomic(FILE, NEW, { fs: sim.fs, fsyncDir: false });
    sim.crash('drop');
    expect(hex(await readFileChecked(FILE, { fs: sim.fs }))).toBe(hex(bytes('old')));
  });

  it('the naive write leaves partial and mixed files in many crash states, and the checked format catches every one of them', async () => {
    const caught: Record<string, number> = {};
    let n = 0;
    const sw = await sweep('naive', true, 'strict', async (got, _acked, where, boot) => {
      const o = outcome(got, OLD, NEW);
      if (o !== 'old' && o !== 'new') {
        // never returned as a payload: a typed error that says what is wrong (read from a
        // rebooted disk every few states, decoded from the crash image otherwise)
        const err = n++ % 9 === 0 ? await settle(readFileChecked(FILE, { fs: boot().fs })) : await settle(async () => decodeChecked(got!, FILE));
        const typed = err instanceof PartialFileError || err instanceof ChecksumError || err instanceof FormatError;
        expect(typed, `a ${o} file (${hex(got)}) must be refused with PartialFileError, ChecksumError or FormatError, got ${String(err)}\n${where}`).toBe(true);
        if (o === 'partial') expect(err, `a prefix of the new file (${got!.length} of ${NEW.length} bytes)\n${where}`).toBeInstanceOf(PartialFileError);
        caught[(err as Error).name] = (caught[(err as Error).name] ?? 0) + 1;
      }
      return o;
    });
    expect(sw.counts.partial, 'crash states that leave a prefix of the new file').toBeGreaterThan(20);
    expect(caught.PartialFileError).toBeGreaterThan(20);
    expect(caught.ChecksumError, 'crash states with a hole or a torn write inside the file').toBeGreaterThan(0);
    // even after the naive write resolved, a power cut can leave a partial file
    const sim = new SimFs({ seed: 6, files: { [FILE]: OLD } });
    await writeFileNaive(FILE, NEW, { fs: pieces(sim.fs, PIECE) });
    sim.crash({ unsynced: 'prefix', count: 1 }); // the truncation reached the disk, the data did not
    const err = await settle(readFileChecked(FILE, { fs: sim.fs }));
    expect(err).toBeInstanceOf(PartialFileError);
    expect((err as PartialFileError).actual).toBe(0);
  });
});
