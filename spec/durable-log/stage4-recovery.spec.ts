/**
 * Stage 4: recovery and corruption on the simulated disk. Power cuts at every call of a workload
 * (every prefix of the unsynced writes, plus a seeded torn write), a torn last append at every
 * byte, stale / torn / missing / garbage index files rebuilt from the log, and bit rot or
 * misdirected writes in flushed data reported as LogCorruptionError. (SIGKILL runs: sigkill.spec.ts.)
 */
import { describe, expect, it } from 'vitest';
import { LogCorruptionError, openLog } from '#kata/durable-log';
import { flipBit, misdirectWrite } from '#support/corrupt';
import { forEachSeed, type Random } from '#support/seed';
import { SimFs, type CrashPolicy, type CrashState } from '#support/simfs/index';
import {
  DIR,
  assertPrefix,
  bases,
  bytes,
  checkRecovery,
  expected,
  expectedIndex,
  hex,
  indexFile,
  logFile,
  parseLog,
  readAll,
  runWorkload,
  type DiskFrame,
  value,
  type Workload,
} from './helpers.ts';

const W: Workload = { appends: 30, flushEvery: 3, segmentBytes: 520, indexIntervalBytes: 90 };
const OPTS = { segmentBytes: W.segmentBytes, indexIntervalBytes: W.indexIntervalBytes };
/** The corpus for the corruption tests: more, smaller segments. */
const C: Workload = { appends: 36, flushEvery: 4, segmentBytes: 420, indexIntervalBytes: 90 };
const C_OPTS = { segmentBytes: C.segmentBytes, indexIntervalBytes: C.indexIntervalBytes };

function tornPolicy(random: Random): CrashPolicy {
  const fill = random.pick(['absent', 'zeros', 'garbage'] as const);
  return { unsynced: 'prefix', tear: { fill }, ...(random.bool() ? { grow: random.pick(['zeros', 'garbage'] as const) } : {}) };
}

/**
 * Recovers one crash image and checks it: open succeeds; the records are a prefix of the appends
 * issued with every flushed one; nextOffset follows them; the active segment's index file is the
 * one rebuilt from its log; the next append gets the next offset.
 */
async function recoverAndCheck(disk: SimFs, mustHave: number, what: string): Promise<void> {
  const log = await openLog(DIR, { fs: disk.fs, ...OPTS });
  try {
    const records = await readAll(log);
    assertPrefix(records, what);
    if (records.length < mustHave) throw new Error(`${what}: ${mustHave} appends were flushed but only ${records.length} came back`);
    expect(String(log.nextOffset), `${what}: nextOffset`).toBe(String(records.length));
    const active = (await bases(disk.fs)).at(-1)!;
    const want = expectedIndex(parseLog(disk.peek(logFile(active))!), active, W.indexIntervalBytes);
    expect(hex(disk.peek(indexFile(active)) ?? new Uint8Array(0)), `${what}: the active segment's index after recovery`).toBe(hex(want));
    expect(String(await log.append({ value: bytes('after') })), `${what}: the first append after recovery`).toBe(String(records.length));
  } finally {
    await log.close().catch(() => undefined);
  }
}

/** Opens the log and reads it all: the records, or the error open or read threw. */
async function openAndRead(fs: SimFs['fs']): Promise<{ records: string[]; error?: unknown }> {
  let log;
  try {
    log = await openLog(DIR, { fs, ...C_OPTS });
  } catch (error) {
    return { records: [], error };
  }
  try {
    return { records: await readAll(log) };
  } catch (error) {
    return { records: [], error };
  } finally {
    await log.close().catch(() => undefined);
  }
}

interface Placed extends DiskFrame {
  file: string;
}

/** 36 flushed records in several segments, every frame with its file. */
async function corpus(): Promise<{ sim: SimFs; frames: Placed[] }> {
  const sim = new SimFs({ seed: 11 });
  await runWorkload(sim.fs, C, { count: 0 });
  const frames: Placed[] = [];
  for (const base of await bases(sim.fs)) for (const f of parseLog(sim.peekDurable(logFile(base))!)) frames.push({ ...f, file: logFile(base) });
  expect(frames.map((f) => f.record.offset)).toEqual(Array.from({ length: C.appends }, (_, i) => String(i)));
  return { sim, frames };
}

/** Frames to damage: first and last of the oldest segment, one in the middle, two in the active one (never the log's last). */
function targets(frames: Placed[]): Placed[] {
  const files = [...new Set(frames.map((f) => f.file))];
  expect(files.length).toBeGreaterThanOrEqual(4);
  const inFile = (file: string) => frames.filter((f) => f.file === file);
  const active = inFile(files.at(-1)!);
  expect(active.length).toBeGreaterThanOrEqual(3);
  return [inFile(files[0]!)[0]!, inFile(files[0]!).at(-1)!, inFile(files[2]!)[1]!, active[0]!, active.at(-2)!];
}

function expectCorruption(result: { records: string[]; error?: unknown }, file: string, position: number, what: string): void {
  const { error } = result;
  if (!(error instanceof LogCorruptionError)) {
    throw new Error(`${what}: expected a LogCorruptionError, got ${error === undefined ? `${result.records.length} records and no error (the damage was skipped or cut off as a torn tail)` : String(error)}`);
  }
  expect({ code: error.code, segment: error.segment, position: error.position }, what).toEqual({ code: 'LOG_CORRUPT', segment: file, position });
}

describe('stage 4: recovery and corruption', () => {
  it('a power cut before any call of a workload loses no flushed record: every prefix of the unsynced writes, and a torn one', async () => {
    const dry = new SimFs({ seed: 1 });
    await runWorkload(dry.fs, W, { count: 0 });
    const total = dry.calls;
    let states = 0;
    await forEachSeed(1, async (random) => {
      for (let n = 1; n <= total; n++) {
        const sim = new SimFs({ random });
        const durable = { count: 0 };
        sim.armCrash({ nth: n });
        const run = await sim.runUntilCrash(() => runWorkload(sim.fs, W, durable));
        expect(run.crashed, `the dry run made ${total} calls`).toBe(true);
        const all: Array<[SimFs, string]> = sim.crashStates({ unsynced: 'prefix' }).map((s: CrashState) => [s.boot(), s.label]);
        const torn = sim.crash(tornPolicy(random));
        all.push([sim, torn.description]);
        for (const [disk, label] of all) {
          const what = `power cut before call ${n} of ${total} (${durable.count} appends flushed), ${label}`;
          try {
            await recoverAndCheck(disk, durable.count, what);
          } catch (err) {
            throw new Error(`${(err as Error).message}\n${sim.traceTail(10)}`, { cause: err });
          }
          states++;
        }
      }
    });
    expect(states).toBeGreaterThanOrEqual(300);
  }, 60_000);

  it('a torn last append, cut at every byte with the rest absent, zeros or garbage, is truncated durably; appends then work', async () => {
    let states = 0;
    for (const fill of ['absent', 'zeros', 'garbage'] as const) {
      const sim = new SimFs({ seed: 7 });
      const log = await openLog(DIR, { fs: sim.fs, ...OPTS });
      for (let i = 0; i < 3; i++) await log.append({ key: bytes(`k${i % 3}`), value: value(i), timestamp: BigInt(i) });
      await log.flush();
      await log.append({ key: bytes('k0'), value: bytes('v3:'.padEnd(230, 'x')), timestamp: 3n }); // written, never flushed
      const frames = parseLog(sim.peek(logFile(0))!);
      expect(frames).toHaveLength(4);
      const goodEnd = frames[3]!.position;
      const all = sim.crashStates({ unsynced: 'keep', tear: { fill } });
      expect(all).toHaveLength(1 + frames[3]!.size);
      for (const state of all) {
        const disk = state.boot();
        const again = await openLog(DIR, { fs: disk.fs, ...OPTS });
        const got = await readAll(again);
        expect(got.slice(0, 3), state.label).toEqual([0, 1, 2].map(expected));
        expect(got, state.label).toHaveLength(state.choice.torn ? 3 : 4);
        if (state.choice.torn) expect(disk.peekDurable(logFile(0))!.length, `${state.label}: the torn bytes are cut, durably, before open resolves`).toBe(goodEnd);
        expect(String(await again.append({ value: bytes('after') })), state.label).toBe(String(got.length));
        await again.close();
        states++;
      }
    }
    expect(states).toBeGreaterThan(700);
  }, 60_000);

  it('stale, torn, missing or garbage index files are rebuilt from the log on open; reads from every offset stay right', async () => {
    const { sim } = await corpus();
    const segs = await bases(sim.fs);
    const image = sim.durableImage();
    await forEachSeed(2, async (random) => {
      for (const base of [segs[1]!, segs.at(-1)!]) {
        const frames = parseLog(image.files.get(logFile(base))!);
        const good = expectedIndex(frames, base, C.indexIntervalBytes);
        expect(good.length, 'the segment has index entries').toBeGreaterThanOrEqual(8);
        const shifted = Uint8Array.from(good);
        // every entry pointing one frame further than it says: structurally fine, but stale
        const view = new DataView(shifted.buffer);
        for (let i = 0; i < shifted.length; i += 8) view.setUint32(i, view.getUint32(i, false) + 1, false);
        const variants: Array<[string, Uint8Array | undefined]> = [
          ['missing', undefined],
          ['empty', new Uint8Array(0)],
          ['torn mid-entry', good.subarray(0, good.length - 3)],
          ['garbage', random.bytes(good.length)],
          ['stale: entries point at the wrong records', shifted],
          ['zeros', new Uint8Array(good.length + 8)],
        ];
        // An empty index is a valid, merely slow index of a sealed segment; for the active one it is stale.
        for (const [kind, content] of variants.filter(([kind]) => base === segs.at(-1) || kind !== 'empty')) {
          const disk = SimFs.fromImage(image, { random });
          if (content === undefined) await disk.unlink(indexFile(base));
          else await disk.writeFile(indexFile(base), content);
          const what = `${kind} index of segment ${base}`;
          const log = await openLog(DIR, { fs: disk.fs, ...C_OPTS });
          for (let from = 0; from < C.appends; from += 1) {
            const got = (await log.read(BigInt(from), 2)).map((r) => String(r.offset));
            expect(got, `${what}: read(${from}, 2)`).toEqual([from, from + 1].filter((o) => o < C.appends).map(String));
          }
          expect(hex(disk.peek(indexFile(base)) ?? Uint8Array.of(0xde, 0xad)), `${what}: after open and reads, the index file is the one rebuilt from the log`).toBe(hex(good));
          await log.close();
        }
      }
    });
  });

  it('a flipped bit in any byte of a flushed frame is a LogCorruptionError at that frame, never data or a shorter log', async () => {
    const { sim, frames } = await corpus();
    const image = sim.durableImage();
    await forEachSeed(3, async (random) => {
      for (const f of targets(frames)) {
        for (const [part, from, to] of [
          ['crc', 0, 4],
          ['length', 4, 5],
          ['payload', 5, f.size],
        ] as const) {
          const disk = SimFs.fromImage(image, { random });
          const flip = flipBit(disk, f.file, { from: f.position + from, to: f.position + to });
          const what = `bit ${flip.bit} of byte ${flip.offset} flipped (${part} of offset ${f.record.offset} in ${f.file} at ${f.position})`;
          expectCorruption(await openAndRead(disk.fs), f.file, f.position, what);
        }
      }
    });
  });

  it('a frame copied over another one’s place (a misdirected write) is caught: the record carries its own offset', async () => {
    const { sim, frames } = await corpus();
    const image = sim.durableImage();
    await forEachSeed(2, async (random) => {
      for (const victim of targets(frames)) {
        const fileSize = image.files.get(victim.file)!.length;
        const source = random.pick(frames.filter((f) => f.record.offset !== victim.record.offset && victim.position + f.size <= fileSize));
        const disk = SimFs.fromImage(image, { random });
        misdirectWrite(disk, victim.file, { source: source.file, from: source.position, length: source.size, to: victim.position });
        expectCorruption(await openAndRead(disk.fs), victim.file, victim.position, `offset ${source.record.offset} copied over offset ${victim.record.offset}`);
      }
    });
  });

  it('recovery is idempotent, also when it crashes part-way through repairing a torn tail and a stale index', async () => {
    const { sim, frames } = await corpus();
    const active = frames.at(-1)!.file;
    const base = (await bases(sim.fs)).at(-1)!;
    const good = sim.peekDurable(active)!;
    const last = frames.at(-1)!;
    const torn = Uint8Array.from([...good, ...good.subarray(last.position, last.position + last.size - 2)]);
    const files: Record<string, Uint8Array> = {};
    for (const [p, c] of sim.durableImage().files) files[p] = Uint8Array.from(c);
    files[active] = torn;
    files[indexFile(base)] = new Uint8Array(24).fill(0x11);
    const dry = new SimFs({ seed: 1, files });
    await (await openLog(DIR, { fs: dry.fs, ...C_OPTS })).close();
    await forEachSeed(1, async (random) => {
      for (let n = 1; n <= dry.calls; n++) {
        const disk = new SimFs({ random, files });
        disk.armCrash({ nth: n, timing: random.pick(['before', 'after'] as const) });
        await disk.runUntilCrash(async () => (await openLog(DIR, { fs: disk.fs, ...C_OPTS })).close());
        disk.crash(random.pick(['drop', 'keep', 'prefix'] as const));
        const back = await checkRecovery(disk.fs, C_OPTS, C.appends, `repair crashed at call ${n}`);
        expect(back, `repair crashed at call ${n}`).toEqual(Array.from({ length: C.appends }, (_, i) => expected(i)));
      }
    });
  }, 60_000);
});
