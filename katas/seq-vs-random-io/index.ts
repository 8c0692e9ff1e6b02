/**
 * A benchmark harness for sequential versus random IO.
 *
 * You build the tool that answers "how much slower is random IO than sequential on this disk, at
 * this block size, with and without fsync?": seeded access plans (stage 1), the statistics (stage
 * 2), a case runner that preallocates its file and times every access (stage 3), a matrix of cases
 * with a report and a chart (stage 4), and one run on the real disk (stage 5).
 *
 * Read katas/seq-vs-random-io/README.md first: it defines the plans, the exact calls a case makes
 * and the units. `npm run hint seq-vs-random-io` when stuck.
 *
 * Use only the `fs` you are given (a StoreFs) for the test file: the spec hands you a simulated
 * disk and records every call.
 */
import path from 'node:path';
import { todo } from '../not-implemented.ts';
import { nodeFs, type StoreFs } from '../store-fs.ts';

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/** An option of a case, a plan or a statistic is missing, of the wrong kind or out of range. */
export class BenchConfigError extends Error {
  readonly code = 'BENCH_CONFIG';
  constructor(
    /** The option at fault: `blockBytes`, `fileBytes`, `ops`, `seed`, `pattern`, `mode`, `fsync`, `dir`, `p`, ... */
    readonly field: string,
    /** What is wrong with it, in words. */
    readonly reason: string,
  ) {
    super(`benchmark option ${field}: ${reason}`);
    this.name = 'BenchConfigError';
  }
}

/**
 * A read returned 0 (end of file) before its block was complete. The harness preallocates the
 * file, so this means something else truncated it while the case ran: the measurement is void.
 */
export class ShortFileError extends Error {
  readonly code = 'SHORT_FILE';
  constructor(
    readonly file: string,
    /** Where the block starts. */
    readonly offset: number,
    /** The block size asked for. */
    readonly expected: number,
    /** The bytes read before the end of file. */
    readonly got: number,
  ) {
    super(
      `${file} ended ${got} bytes into the ${expected}-byte block at offset ${offset}: ` +
        'the file was preallocated, so something truncated it during the run; the measurement is void',
    );
    this.name = 'ShortFileError';
  }
}

// ---------------------------------------------------------------------------------------------
// Stage 1: access plans
// ---------------------------------------------------------------------------------------------

export type Pattern = 'sequential' | 'random';

export interface PlanOptions {
  /** Size of the file the plan runs over; a positive multiple of blockBytes. */
  fileBytes: number;
  /** Size of one access; every offset is a multiple of it. */
  blockBytes: number;
  pattern: Pattern;
  /** Number of accesses (at least 1). More than the file has blocks: the plan wraps around. */
  ops: number;
  /** Unsigned 32-bit integer; the only source of randomness. */
  seed: number;
}

/**
 * mulberry32, the generator every random choice comes from: returns a function that yields
 * floats in [0, 1). The README has the algorithm. Seeds outside [0, 2^32) or not integers:
 * BenchConfigError('seed').
 */
export function mulberry32(seed: number): () => number {
  // TODO (stage 1): a 32-bit state `a = seed >>> 0`; each call adds 0x6d2b79f5 and mixes with
  // Math.imul. Keep every intermediate unsigned (>>> 0) or the stream differs from the reference.
  return todo('seq-vs-random-io', 'mulberry32');
}

/**
 * The byte offsets of a case's accesses, in order. Always `ops` of them, each a multiple of
 * blockBytes with offset + blockBytes <= fileBytes.
 *
 * - sequential: access k is at block k mod blocks (0, B, 2B, ..., wrapping to 0).
 * - random: a seeded permutation, pass after pass. Each pass of `blocks` accesses is a forward
 *   Fisher–Yates shuffle of a = [0, 1, ..., blocks − 1] drawn from mulberry32(seed) (one generator
 *   for the whole plan): for i = 0, 1, ...: j = i + floor(rand() × (blocks − i)); swap a[i], a[j];
 *   access i of the pass is block a[i]. Every access consumes exactly one draw.
 *
 * Bad options: BenchConfigError naming the option (blockBytes, fileBytes, ops, pattern, seed).
 */
export function planAccesses(options: PlanOptions): number[] {
  // TODO (stage 1): validate, then the two patterns. The last pass of a random plan may be cut
  // short: stop drawing when you have `ops` accesses.
  return todo('seq-vs-random-io', 'planAccesses');
}

/**
 * How many accesses do not start where the previous one ended; the first access counts (the head
 * has to get there). [0, 4096, 8192] with 4096-byte blocks: 1. [0, 4096, 0]: 2.
 */
export function countSeeks(offsets: readonly number[], blockBytes: number): number {
  return todo('seq-vs-random-io', 'countSeeks');
}

// ---------------------------------------------------------------------------------------------
// Stage 2: statistics
// ---------------------------------------------------------------------------------------------

export interface Latencies {
  /** Median latency of one access, in microseconds. */
  p50: number;
  /** 99th percentile latency of one access, in microseconds. */
  p99: number;
}

export interface Measurement {
  /** Bytes actually transferred: the sum of what every read or write call returned. */
  bytes: number;
  /** Accesses (blocks) done; fsync calls are not counted. */
  ops: number;
  /** Wall time from before the first access to after the last one (and its fsync). */
  seconds: number;
  /** bytes / 10^6 / seconds: a megabyte is 10^6 bytes here, not 2^20. */
  mbPerSec: number;
  /** ops / seconds. */
  iops: number;
  latencies: Latencies;
}

export interface SummarizeInput {
  bytes: number;
  ops: number;
  /** Clock difference over the whole run, in nanoseconds (> 0). */
  elapsedNs: bigint;
  /** One entry per access, in nanoseconds. */
  latenciesNs: readonly bigint[];
}

/**
 * The nearest-rank percentile: rank = ceil(p × n / 100), the rank-th smallest value (1-based);
 * p = 0 gives the minimum. Always one of the values. Does not reorder `values`.
 * Empty or non-finite values, p outside [0, 100]: BenchConfigError ('values' / 'p').
 */
export function percentile(values: readonly number[], p: number): number {
  return todo('seq-vs-random-io', 'percentile');
}

/**
 * The numbers of a run: seconds, MB/s, IOPS, p50 and p99 latency in µs.
 * Bad input (negative bytes, ops < 1, elapsedNs <= 0, not one latency per op): BenchConfigError
 * naming the field.
 */
export function summarize(input: SummarizeInput): Measurement {
  return todo('seq-vs-random-io', 'summarize');
}

// ---------------------------------------------------------------------------------------------
// Stage 3: running a case
// ---------------------------------------------------------------------------------------------

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

/**
 * Runs one case and measures it. The README ("What a case does") lists the calls in order:
 *
 *   untimed   mkdir dir (recursive); open file 'w'; write the whole file front to back with
 *             pseudo-random bytes, in pieces of at most FILL_CHUNK; fsync; close;
 *             beforeMeasure(file)
 *   timed     open 'r' (read) or 'r+' (write) [untimed]; clock; for each offset of the plan: read
 *             or write blockBytes there (looping over short counts), fsync if 'each', clock;
 *             then fsync once if 'end'; clock
 *   untimed   close; unlink unless keepFile
 *
 * Every option is checked before anything touches the disk (BenchConfigError; a read case with
 * fsync other than 'none' too). A read that hits end of file: ShortFileError. A write that returns
 * 0: an Error saying it "made no progress".
 */
export async function runCase(options: CaseOptions): Promise<CaseResult> {
  // TODO (stage 3): const fs = options.fs ?? nodeFs; const clock = options.clock ?? process.hrtime.bigint;
  // const file = path.join(options.dir, FILE_NAME); ...
  return todo('seq-vs-random-io', 'runCase');
}

// ---------------------------------------------------------------------------------------------
// Stage 4: matrix, report and chart
// ---------------------------------------------------------------------------------------------

/**
 * Runs the cases one after another (never two at once) and returns one row per case, in order,
 * calling onResult(row, index) after each. Every case is checked before the first one runs; a bad
 * one is a BenchConfigError whose field is `cases[<index>].<field>`.
 */
export async function runMatrix(cases: readonly CaseOptions[], onResult?: (row: CaseResult, index: number) => void): Promise<CaseResult[]> {
  return todo('seq-vs-random-io', 'runMatrix');
}

/** `512 B`, `4 KiB`, `64 KiB`, `1 MiB`, `1.5 MiB`, `3 GiB` (up to two decimals, trailing zeros dropped). */
export function formatBytes(n: number): string {
  return todo('seq-vs-random-io', 'formatBytes');
}

export interface SeqRandomRatio {
  mode: IoMode;
  blockBytes: number;
  fsync: FsyncMode;
  /** MB/s of the sequential row. */
  sequential: number;
  /** MB/s of the random row. */
  random: number;
  /** sequential / random. Same block size, so it is also the IOPS ratio. */
  ratio: number;
}

/**
 * Pairs the first sequential row with the first random row of each (mode, blockBytes, fsync)
 * group, groups in order of first appearance; groups without both patterns are left out.
 */
export function compareSeqRandom(rows: readonly CaseResult[]): SeqRandomRatio[] {
  return todo('seq-vs-random-io', 'compareSeqRandom');
}

/** The report's columns, in order. */
export const REPORT_COLUMNS = ['mode', 'pattern', 'block', 'fsync', 'ops', 'bytes', 'seconds', 'MB/s', 'IOPS', 'p50 µs', 'p99 µs', 'seeks'] as const;

/**
 * A plain-text table: a header line (REPORT_COLUMNS), a rule of dashes, one line per row in the
 * order given; columns separated by at least two spaces. Cells: block via formatBytes, seconds
 * toFixed(3), MB/s toFixed(2), IOPS rounded to an integer, p50/p99 µs toFixed(1). Then, when
 * compareSeqRandom finds pairs, a blank line, `sequential ÷ random (MB/s):` and one line per pair:
 * `  write 4 KiB fsync=each: 12.35 / 4.10 = 3.01×`.
 */
export function formatReport(rows: readonly CaseResult[]): string {
  return todo('seq-vs-random-io', 'formatReport');
}

export interface ChartSeries {
  name: string;
  points: Array<[number, number]>;
}

/** A chart description; #support/chart's lineChart and terminalChart draw it. */
export interface ChartSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  logX: boolean;
  logY: boolean;
  series: ChartSeries[];
}

export type ChartMetric = 'mbPerSec' | 'iops';

/**
 * One series per (mode, pattern, fsync), named `<mode> <pattern> fsync=<fsync>`, in order of first
 * appearance; points [blockBytes / 1024, MB/s or IOPS], sorted by block size (stable); both axes
 * log. Title 'throughput vs block size' (MB/s) or 'IOPS vs block size'; xLabel
 * 'block size (KiB)'; yLabel 'MB/s' or 'IOPS'. Another metric: BenchConfigError('metric').
 */
export function chartReport(rows: readonly CaseResult[], metric: ChartMetric = 'mbPerSec'): ChartSpec {
  return todo('seq-vs-random-io', 'chartReport');
}
