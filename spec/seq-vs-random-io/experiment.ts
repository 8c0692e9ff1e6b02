/**
 * `npm run experiment seq-vs-random-io`: sequential vs random IO on this machine's disk.
 *
 * The full matrix: block sizes 4 KiB .. 1 MiB; reads (the file's pages dropped from the cache
 * before each, where that works), writes without fsync and writes with an fsync after every
 * access; sequential and random. A table with MB/s, IOPS and latency percentiles per case, the
 * sequential ÷ random ratio per group, and two charts (MB/s and IOPS against the block size) in
 * reports/ plus a rough one in the terminal.
 *
 * The matrix runs several rounds after a warm-up case (the first cases of a cold process pay for
 * the JIT), and each case reports its median round by MB/s: a busy moment of the machine then
 * hurts one sample of a case, not the case.
 *
 * Knobs (environment): EXPERIMENT_DIR (where the test file goes; default the OS temp directory:
 * point it at the disk you want to measure, not a tmpfs), EXPERIMENT_FILE_MIB (default 64),
 * EXPERIMENT_SEED (default 1), EXPERIMENT_ROUNDS (default 3), EXPERIMENT_QUICK=1 (one round, a
 * quarter of the accesses, for a smoke run).
 */
import { statfsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chartReport, compareSeqRandom, formatBytes, formatReport, runCase, runMatrix, type CaseOptions, type CaseResult } from '#kata/seq-vs-random-io';
import { lineChart, terminalChart, writeReport } from '#support/chart';
import { dropCache } from './helpers.ts';

const MiB = 1024 * 1024;
const FILE_BYTES = Number(process.env.EXPERIMENT_FILE_MIB ?? 64) * MiB;
const SEED = Number(process.env.EXPERIMENT_SEED ?? 1);
const QUICK = process.env.EXPERIMENT_QUICK === '1';
const ROUNDS = QUICK ? 1 : Math.max(1, Number(process.env.EXPERIMENT_ROUNDS ?? 3));
const BLOCKS = [4096, 16384, 65536, 262144, 1048576];
const base = process.env.EXPERIMENT_DIR ?? tmpdir();

/** Accesses per case: about `budget` bytes, at least `min` accesses, at most one pass over the file. */
function opsFor(block: number, budget: number, min: number): number {
  const ops = Math.max(min, Math.round(budget / block));
  return Math.max(1, Math.min(FILE_BYTES / block, QUICK ? Math.ceil(ops / 4) : ops));
}

const dir = await mkdtemp(path.join(base, 'seq-vs-random-io-'));
const fsType = (() => {
  try {
    const t = statfsSync(dir).type;
    return t === 0x01021994 ? 'tmpfs (memory: this measures RAM, not a disk)' : t === 0xef53 ? 'ext2/3/4' : t === 0x58465342 ? 'xfs' : t === 0x9123683e ? 'btrfs' : `type 0x${t.toString(16)}`;
  } catch {
    return 'unknown';
  }
})();
let drops = 0;
let dropFailures = 0;
const cold = (file: string) => {
  if (dropCache(file)) drops++;
  else dropFailures++;
};

const cases: CaseOptions[] = [];
for (const blockBytes of BLOCKS) {
  for (const pattern of ['sequential', 'random'] as const) {
    const common = { dir, pattern, blockBytes, fileBytes: FILE_BYTES, seed: SEED };
    cases.push({ ...common, mode: 'read', fsync: 'none', ops: opsFor(blockBytes, 16 * MiB, 64), beforeMeasure: cold });
    cases.push({ ...common, mode: 'write', fsync: 'none', ops: opsFor(blockBytes, 16 * MiB, 64) });
    cases.push({ ...common, mode: 'write', fsync: 'each', ops: opsFor(blockBytes, 2 * MiB, 32) });
  }
}

console.log(`test file: ${formatBytes(FILE_BYTES)} in ${dir} (${fsType}), seed ${SEED}, ${cases.length} cases × ${ROUNDS} round(s), one at a time`);
const samples: CaseResult[][] = cases.map(() => []);
try {
  // warm-up: JIT, the thread pool, the file system's allocator; not reported
  await runCase({ dir, mode: 'write', pattern: 'random', blockBytes: 4096, fileBytes: 8 * MiB, ops: 512, fsync: 'none', seed: SEED });
  for (let round = 1; round <= ROUNDS; round++) {
    await runMatrix(cases, (r, i) => {
      samples[i]!.push(r);
      console.log(
        `  round ${round} [${String(i + 1).padStart(2)}/${cases.length}] ${r.mode.padEnd(5)} ${r.pattern.padEnd(10)} ${formatBytes(r.blockBytes).padStart(8)} fsync=${r.fsync.padEnd(4)} ` +
          `${r.mbPerSec.toFixed(1).padStart(9)} MB/s ${Math.round(r.iops).toString().padStart(8)} IOPS`,
      );
    });
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
const rows = samples.map((s) => [...s].sort((a, b) => a.mbPerSec - b.mbPerSec)[s.length >> 1]!);

console.log(`\n${ROUNDS > 1 ? `median of ${ROUNDS} rounds per case (by MB/s)` : 'one round'}:\n${formatReport(rows)}`);
console.log(
  `\npage cache before each read case: ${drops > 0 && dropFailures === 0 ? 'dropped (dd iflag=nocache)' : `NOT dropped in ${dropFailures} case(s): those reads came from memory`}`,
);

const ratios = compareSeqRandom(rows);
const slower = ratios.filter((q) => q.ratio < 1);
console.log(
  slower.length === 0
    ? `sequential ≥ random in all ${ratios.length} groups (ratios ${Math.min(...ratios.map((q) => q.ratio)).toFixed(2)}× .. ${Math.max(...ratios.map((q) => q.ratio)).toFixed(2)}×)`
    : `random beat sequential in ${slower.length} of ${ratios.length} groups: ${slower.map((q) => `${q.mode} ${formatBytes(q.blockBytes)} fsync=${q.fsync} ${q.ratio.toFixed(2)}×`).join(', ')}`,
);

const mb = chartReport(rows, 'mbPerSec');
const iops = chartReport(rows, 'iops');
const files = [writeReport('seq-vs-random-io-throughput', lineChart(mb)), writeReport('seq-vs-random-io-iops', lineChart(iops))];
console.log(`\n${terminalChart(mb, 64, 16)}`);
console.log(`\ncharts: ${files.join(', ')}`);
