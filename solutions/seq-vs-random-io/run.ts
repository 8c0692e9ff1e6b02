/**
 * Running one case on a file system: prepare the file (untimed), then the timed accesses, then
 * the statistics. What is measured, exactly, is spelled out in the README ("What a case does").
 */
import path from 'node:path';
import { nodeFs, type StoreFs } from '../../katas/store-fs.ts';
import { BenchConfigError, ShortFileError } from './errors.ts';
import { checkPlan, countSeeks, mulberry32, planAccesses, type Pattern } from './plan.ts';
import { summarize, type Measurement } from './stats.ts';

export type IoMode = 'read' | 'write';
export type FsyncMode = 'none' | 'each' | 'end';

export interface CaseOptions {
  /** Directory for the test file (created if missing). */
  dir: string;
  mode: IoMode;
  pattern: Pattern;
  blockBytes: number;
  fileBytes: number;
  ops: number;
  /** Writes only: fsync after every access, once after the last, or never. Reads take 'none'. */
  fsync: FsyncMode;
  seed: number;
  /** Default: the real disk. */
  fs?: StoreFs;
  /** Nanosecond clock (default process.hrtime.bigint); tests pass a fake one. */
  clock?: () => bigint;
  /** Called once the file is prepared and closed, before the timed part: the place to drop caches. */
  beforeMeasure?: (file: string) => void | Promise<void>;
  /** Leave the test file in place (default: it is unlinked at the end). */
  keepFile?: boolean;
}

export interface CaseResult extends Measurement {
  mode: IoMode;
  pattern: Pattern;
  blockBytes: number;
  fileBytes: number;
  fsync: FsyncMode;
  seed: number;
  /** The test file, `<dir>/io-bench.dat`. */
  file: string;
  /** countSeeks of the plan the case ran. */
  seeks: number;
}

/** The test file's name inside `dir`. */
export const FILE_NAME = 'io-bench.dat';
/** Preparation writes the file in pieces of at most this size. */
export const FILL_CHUNK = 1024 * 1024;

const MODES: readonly string[] = ['read', 'write'];
const FSYNCS: readonly string[] = ['none', 'each', 'end'];

/** Validates every option of a case before anything touches the disk. */
export function checkCase(o: CaseOptions): void {
  if (typeof o !== 'object' || o === null) throw new BenchConfigError('options', 'must be an object');
  if (typeof o.dir !== 'string' || o.dir === '') throw new BenchConfigError('dir', 'must be a non-empty path');
  if (!MODES.includes(o.mode)) throw new BenchConfigError('mode', `must be 'read' or 'write', got ${JSON.stringify(o.mode)}`);
  if (!FSYNCS.includes(o.fsync)) throw new BenchConfigError('fsync', `must be 'none', 'each' or 'end', got ${JSON.stringify(o.fsync)}`);
  if (o.mode === 'read' && o.fsync !== 'none') {
    throw new BenchConfigError('fsync', `a read case has nothing to sync: use fsync 'none', got ${JSON.stringify(o.fsync)}`);
  }
  checkPlan(o);
  if (o.clock !== undefined && typeof o.clock !== 'function') throw new BenchConfigError('clock', 'must be a function returning nanoseconds as a bigint');
}

/** `n` incompressible bytes from a seed, so a compressing or deduplicating file system cannot cheat. */
function noise(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  const rand = mulberry32(seed >>> 0);
  for (let i = 0; i < n; i += 4) {
    let word = Math.floor(rand() * 4294967296);
    for (let b = i; b < Math.min(n, i + 4); b++, word >>>= 8) out[b] = word & 0xff;
  }
  return out;
}

/** Writes `buf[0, len)` at `position`, looping over short writes. */
async function writeFully(fs: StoreFs, fd: number, file: string, buf: Uint8Array, len: number, position: number): Promise<number> {
  for (let done = 0; done < len; ) {
    const n = await fs.write(fd, buf, done, len - done, position + done);
    if (!(n > 0)) throw new Error(`write of ${file} at ${position + done} made no progress (returned ${n})`);
    done += n;
  }
  return len;
}

/**
 * Writes the whole file with real bytes and fsyncs it. Real bytes, not ftruncate: a file extended
 * by truncate is a hole, and the first write into a hole allocates blocks, updates the extent tree
 * and journals it. A write benchmark on a sparse file measures allocation, not overwrite.
 */
async function prepare(fs: StoreFs, file: string, fileBytes: number, seed: number): Promise<void> {
  const chunk = noise(Math.min(fileBytes, FILL_CHUNK), seed ^ 0x5bd1e995);
  const fd = await fs.open(file, 'w');
  try {
    for (let pos = 0; pos < fileBytes; ) {
      pos += await writeFully(fs, fd, file, chunk, Math.min(chunk.length, fileBytes - pos), pos);
    }
    await fs.fsync(fd);
  } finally {
    await fs.close(fd);
  }
}

export async function runCase(o: CaseOptions): Promise<CaseResult> {
  checkCase(o);
  const fs = o.fs ?? nodeFs;
  const clock = o.clock ?? process.hrtime.bigint;
  const { mode, blockBytes } = o;
  const plan = planAccesses(o);
  const file = path.join(o.dir, FILE_NAME);

  await fs.mkdir(o.dir, { recursive: true });
  await prepare(fs, file, o.fileBytes, o.seed);
  await o.beforeMeasure?.(file);

  // One buffer for the whole run: reads land in it (and are thrown away), writes send the same
  // incompressible block every time. Every access is a real read or write call on the file; the
  // harness never answers a read from memory of its own.
  const buf = mode === 'write' ? noise(blockBytes, o.seed ^ 0x9e3779b9) : new Uint8Array(blockBytes);
  const fd = await fs.open(file, mode === 'read' ? 'r' : 'r+');
  let measurement: Measurement;
  try {
    const syncEach = o.fsync === 'each';
    const syncAtEnd = o.fsync === 'end';
    const latenciesNs = new Array<bigint>(plan.length);
    let bytes = 0;
    const start = clock();
    let t0 = start;
    for (let k = 0; k < plan.length; k++) {
      const offset = plan[k]!;
      for (let done = 0; done < blockBytes; ) {
        const n =
          mode === 'read'
            ? await fs.read(fd, buf, done, blockBytes - done, offset + done)
            : await fs.write(fd, buf, done, blockBytes - done, offset + done);
        if (!(n > 0)) {
          if (mode === 'read') throw new ShortFileError(file, offset, blockBytes, done);
          throw new Error(`write of ${file} at ${offset + done} made no progress (returned ${n})`);
        }
        done += n;
        bytes += n; // what the call returned: a short read or write counts what it moved, the retry the rest
      }
      if (syncEach) await fs.fsync(fd);
      const t1 = clock();
      latenciesNs[k] = t1 - t0; // the access and its fsync: what a caller waiting on it would see
      t0 = t1;
    }
    if (syncAtEnd) await fs.fsync(fd);
    const elapsedNs = clock() - start; // the final fsync is part of the work: without it, the writes may sit in the page cache
    measurement = summarize({ bytes, ops: plan.length, elapsedNs, latenciesNs });
  } finally {
    await fs.close(fd);
  }
  if (!o.keepFile) await fs.unlink(file);
  return {
    mode,
    pattern: o.pattern,
    blockBytes,
    fileBytes: o.fileBytes,
    fsync: o.fsync,
    seed: o.seed,
    file,
    seeks: countSeeks(plan, blockBytes),
    ...measurement,
  };
}

/**
 * Runs the cases one after another (never two at once: they would measure each other) and
 * returns one row per case, in order. Every case is validated before the first one runs.
 */
export async function runMatrix(cases: readonly CaseOptions[], onResult?: (row: CaseResult, index: number) => void): Promise<CaseResult[]> {
  if (!Array.isArray(cases)) throw new BenchConfigError('cases', 'must be an array of case options');
  cases.forEach((c, i) => {
    try {
      checkCase(c);
    } catch (err) {
      if (err instanceof BenchConfigError) throw new BenchConfigError(`cases[${i}].${err.field}`, err.reason);
      throw err;
    }
  });
  const rows: CaseResult[] = [];
  for (let i = 0; i < cases.length; i++) {
    const row = await runCase(cases[i]!);
    rows.push(row);
    onResult?.(row, i);
  }
  return rows;
}
