/**
 * Shared by the wal spec files: deterministic payloads, an independent decoder of the on-disk
 * format (README "On disk", CRC-32C from the `crc-32` package), recovery checks against the
 * invariants of FAULTS.md, and the crash-at-every-op driver.
 */
import CRC32C from 'crc-32/crc32c';
import { expect } from 'vitest';
import { openWal, WalCorruptionError, type Wal, type WalOptions } from '#kata/wal';
import type { Random } from '#support/seed';
import { SimFs, type CrashPolicy, type StoreFs } from '#support/simfs/index';

export const DIR = '/wal';
export const HEADER = 24;

/** `/wal/00000000000000000001.wal` */
export function seg(firstLsn: number | bigint, dir = DIR): string {
  return `${dir}/${String(firstLsn).padStart(20, '0')}.wal`;
}

const enc = new TextEncoder();
const dec = new TextDecoder();
export const text = (b: Uint8Array) => dec.decode(b);
export const bytes = (s: string) => enc.encode(s);

/** The payload of the i-th append (0-based) of a workload: 3 to ~45 bytes, told apart by content. */
export function payload(i: number): Uint8Array {
  return bytes(`r${i}:${'abcdefghij'.repeat(4).slice(0, (i * 7) % 41)}`);
}

export const crc32c = (data: Uint8Array) => CRC32C.buf(data, 0) >>> 0;

export interface DiskRecord {
  offset: number;
  size: number;
  crc: number;
  length: number;
  lsn: bigint;
  synced: bigint;
  payload: Uint8Array;
}

/** Decodes a whole segment by the README's format; throws on anything that does not fit exactly. */
export function parseSegment(file: Uint8Array): DiskRecord[] {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const out: DiskRecord[] = [];
  for (let at = 0; at < file.length; ) {
    if (at + HEADER > file.length) throw new Error(`segment: ${file.length - at} stray bytes at offset ${at}`);
    const length = view.getUint32(at + 4, true);
    const size = HEADER + length;
    if (at + size > file.length) throw new Error(`segment: record at ${at} claims ${length} payload bytes, the file ends first`);
    const crc = view.getUint32(at, true);
    const want = crc32c(file.subarray(at + 4, at + size));
    if (crc !== want) throw new Error(`segment: record at ${at} stores CRC ${crc.toString(16)}, CRC-32C of bytes 4..${size} is ${want.toString(16)}`);
    out.push({ offset: at, size, crc, length, lsn: view.getBigUint64(at + 8, true), synced: view.getBigUint64(at + 16, true), payload: file.slice(at + HEADER, at + size) });
    at += size;
  }
  return out;
}

/** Every record from `from` on. */
export async function readAll(wal: Wal, from?: bigint): Promise<Array<{ lsn: bigint; data: Uint8Array }>> {
  const out: Array<{ lsn: bigint; data: Uint8Array }> = [];
  for await (const r of from === undefined ? wal.read() : wal.read(from)) out.push({ lsn: r.lsn, data: r.data });
  return out;
}

/** Records as `lsn:text` strings: easy to compare and to print. */
export async function readTexts(wal: Wal, from?: bigint): Promise<string[]> {
  return (await readAll(wal, from)).map((r) => `${r.lsn}:${text(r.data)}`);
}

/** What workload append i (0-based, on a fresh log) must come back as. */
export const expected = (i: number) => `${i + 1}:${text(payload(i))}`;

/**
 * Opens the log and reads everything. Corruption may be reported by openWal or by the read: the
 * records yielded before the error come back too.
 */
export async function openAndRead(fs: StoreFs, opts: WalOptions = {}): Promise<{ records: string[]; error?: unknown }> {
  const records: string[] = [];
  let wal: Wal;
  try {
    wal = await openWal(DIR, { ...opts, fs });
  } catch (error) {
    return { records, error };
  }
  try {
    for await (const r of wal.read()) records.push(`${r.lsn}:${text(r.data)}`);
  } catch (error) {
    await wal.close().catch(() => undefined);
    return { records, error };
  }
  await wal.close();
  return { records };
}

/** Throws unless `records` are appends 0..n-1 of the workload in order (a prefix of what was issued). */
export function assertPrefix(records: string[], what: string): void {
  records.forEach((r, k) => {
    if (r !== expected(k)) throw new Error(`${what}: record ${k} is ${JSON.stringify(r)}, expected ${JSON.stringify(expected(k))}: not a prefix of the appends issued`);
  });
}

export interface Workload {
  appends: number;
  /** Concurrent writers, each appending in a loop (1: one append at a time). */
  writers: number;
  sync: 'always' | 'batch' | 'none';
  segmentBytes: number;
}

/**
 * Appends payload(0 .. appends-1) to a fresh log from `writers` concurrent loops and records in
 * `acked` the LSN of every append whose promise resolved. Appends are issued in index order, so on
 * a fresh log append i gets LSN i + 1.
 */
export async function runWorkload(fs: StoreFs, w: Workload, acked: bigint[]): Promise<void> {
  const wal = await openWal(DIR, { fs, sync: w.sync, segmentBytes: w.segmentBytes });
  let next = 0;
  await Promise.all(
    Array.from({ length: w.writers }, async () => {
      while (next < w.appends) {
        const i = next++;
        const lsn = await wal.append(payload(i));
        acked.push(lsn);
        // a little think time, different per writer: appends then arrive while a group is being
        // written or fsynced, not only between groups
        for (let k = 0; k < i % 4; k++) await Promise.resolve();
      }
    }),
  );
  await wal.close();
}

/**
 * Recovers a crashed disk and checks FAULTS.md invariants 1–4 and 6: open succeeds; what comes back
 * is a prefix of the appends issued, with every acknowledged one (`mustHave` records at least);
 * a second open returns the same (`twice`); an append after recovery gets the next LSN, and a third
 * open returns the recovered records plus that one.
 */
export async function checkRecovery(fs: StoreFs, opts: WalOptions, mustHave: number, what: string, twice = true): Promise<string[]> {
  const first = await openAndRead(fs, opts);
  if (first.error) throw new Error(`${what}: recovery failed: ${String((first.error as Error)?.message ?? first.error)}`, { cause: first.error });
  assertPrefix(first.records, what);
  if (first.records.length < mustHave) {
    throw new Error(`${what}: ${mustHave} appends were acknowledged but only ${first.records.length} came back (lost: LSN ${first.records.length + 1} ..)`);
  }
  const wal = await openWal(DIR, { ...opts, fs });
  if (twice) {
    const again = await readTexts(wal);
    if (again.join('|') !== first.records.join('|')) throw new Error(`${what}: a second recovery returned ${again.length} records, the first ${first.records.length}: recovery is not idempotent`);
  }
  const lsn = await wal.append(bytes('after-recovery'));
  if (lsn !== BigInt(first.records.length + 1)) throw new Error(`${what}: the first append after recovering ${first.records.length} records got LSN ${lsn}`);
  await wal.close();
  const after = await openAndRead(fs, opts);
  const want = [...first.records, `${lsn}:after-recovery`];
  if (after.error || after.records.join('|') !== want.join('|')) {
    throw new Error(`${what}: after recovery and one append, reopening gave ${after.error ? String(after.error) : `${after.records.length} records`}, expected ${want.length}`);
  }
  return first.records;
}

/** The seeded torn variant tried at every crash point besides the plain power cut. */
export function tornPolicy(random: Random): CrashPolicy {
  const fill = random.pick(['absent', 'zeros', 'garbage'] as const);
  return { unsynced: 'prefix', tear: { fill }, ...(random.bool() ? { grow: random.pick(['zeros', 'garbage'] as const) } : {}) };
}

/**
 * Crash at every call of the workload (the power goes before call n, for every n), then recover
 * two crash images of each point and check the invariants: the plain power cut (nothing unsynced
 * survives) and a seeded in-order write-back with the last write torn (rest absent, zeros or
 * garbage; lost appends may leave the file grown). Returns how many crash states it checked.
 * With `part`, only that share of the calls.
 * Throws on the first violation, naming the call, the crash image and the trace.
 */
export async function crashAtEveryOp(w: Workload, random: Random, part: { of: number; index: number } = { of: 1, index: 0 }): Promise<number> {
  const dry = new SimFs({ seed: 1 });
  await runWorkload(dry.fs, w, []);
  const total = dry.calls;
  const opts = { sync: w.sync, segmentBytes: w.segmentBytes };
  let states = 0;
  // `part` splits the calls into `of` contiguous ranges and takes range `index` (so no single test runs too long)
  const from = Math.floor((total * part.index) / part.of) + 1;
  const to = Math.floor((total * (part.index + 1)) / part.of);
  for (let n = from; n <= to; n++) {
    const sim = new SimFs({ random });
    const acked: bigint[] = [];
    sim.armCrash({ nth: n });
    const run = await sim.runUntilCrash(() => runWorkload(sim.fs, w, acked));
    if (!run.crashed) throw new Error(`the workload made ${total} calls in a dry run but finished before call ${n}`);
    const mustHave = acked.length === 0 ? 0 : Number(acked.reduce((a, b) => (a > b ? a : b)));
    const drop = sim.crashStates('drop')[0]!;
    const torn = sim.crash(tornPolicy(random));
    for (const [disk, label] of [
      [drop.boot(), drop.label],
      [sim, torn.description],
    ] as const) {
      try {
        await checkRecovery(disk.fs, opts, mustHave, `power cut before call ${n} of ${total}`, false);
      } catch (err) {
        throw new Error(`${(err as Error).message}\ncrash image: ${label}\n${sim.traceTail(12)}`, { cause: err });
      }
      states++;
    }
  }
  return states;
}

/** Expects `result` to be a WalCorruptionError for `segment` at `offset`, with no record at or after `badLsn` returned. */
export function expectCorruption(result: { records: string[]; error?: unknown }, segment: string, offset: number, badLsn: number, what: string): void {
  const { records, error } = result;
  if (!(error instanceof WalCorruptionError)) {
    throw new Error(
      `${what}: expected a WalCorruptionError, got ${error === undefined ? `${records.length} records and no error` : String(error)}` +
        (error === undefined ? ' (the damage was skipped or cut off as if it were a torn tail)' : ''),
    );
  }
  expect(error.code, what).toBe('WAL_CORRUPT');
  expect({ segment: error.segment, offset: error.offset }, what).toEqual({ segment, offset });
  assertPrefix(records, what);
  expect(records.length, `${what}: records returned past the damaged one`).toBeLessThan(badLsn);
}

/** A record in the README's format (for building torn tails and hand-made segments). */
export function encodeRecord(lsn: bigint, synced: bigint, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(HEADER + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(4, data.length, true);
  view.setBigUint64(8, lsn, true);
  view.setBigUint64(16, synced, true);
  out.set(data, HEADER);
  view.setUint32(0, crc32c(out.subarray(4)), true);
  return out;
}

/**
 * The error a promise rejects with, or a string saying what it resolved to. Assert on this, not
 * on `.rejects`: a failure report must not carry a raw BigInt (an LSN), which the grader's
 * reporter cannot serialize.
 */
export async function settle(p: Promise<unknown> | (() => Promise<unknown>)): Promise<unknown> {
  try {
    const v = await (typeof p === 'function' ? p() : p);
    return `resolved to ${typeof v === 'bigint' ? `${v}n` : Array.isArray(v) ? `an array of ${v.length}` : String(v)}`;
  } catch (err) {
    return err;
  }
}
