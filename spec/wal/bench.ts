/**
 * `npm run bench wal`: durable appends per second on the real disk, with 1, 8 and 64 concurrent
 * writers, sync 'batch' (group commit) and 'always' (an fsync per append). Beside each case is the
 * raw ceiling, measured in the same process on the same disk: a loop of one writev and one
 * fdatasync that writes, per fsync, as many records of the same size as the WAL's average group.
 * The ratio is WAL ÷ raw. The goal for group commit is >= 0.8×.
 *
 * WAL and raw rounds alternate, so a slow moment of the disk hurts both alike; the table shows the
 * medians. The disk is the one under os.tmpdir(); set WAL_BENCH_DIR to measure another. Each side
 * of a case runs for about WAL_BENCH_MS milliseconds (default 2000).
 */
import { mkdtemp, open, rm, type FileHandle } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { openWal, type Wal } from '#kata/wal';
import { formatOps, printTable } from '#support/bench';
import { nodeFs, type StoreFs } from '#support/simfs/index';

const PAYLOAD = 100; // bytes per record; 124 on disk with the 24-byte header
const RECORD = PAYLOAD + 24;
const MS = Number(process.env.WAL_BENCH_MS ?? 2000);
const ROUNDS = 5;
const root = await mkdtemp(path.join(process.env.WAL_BENCH_DIR ?? os.tmpdir(), 'wal-bench-'));

/** nodeFs that counts fsyncs, to know the WAL's average group size. */
function counting(): { fs: StoreFs; syncs: () => number } {
  let n = 0;
  const fs: StoreFs = {
    ...nodeFs,
    fsync: (fd) => (n++, nodeFs.fsync(fd)),
    fdatasync: (fd) => (n++, nodeFs.fdatasync(fd)),
  };
  return { fs, syncs: () => n };
}

/** Appends from `writers` concurrent loops for `ms`: appends/s and records per fsync. */
async function walRound(wal: Wal, syncs: () => number, writers: number, ms: number): Promise<{ opsPerSec: number; group: number }> {
  const data = new Uint8Array(PAYLOAD).fill(0x61);
  const s0 = syncs();
  let done = 0;
  const t0 = performance.now();
  const deadline = t0 + ms;
  await Promise.all(
    Array.from({ length: writers }, async () => {
      while (performance.now() < deadline) {
        await wal.append(data);
        done++;
      }
    }),
  );
  const took = performance.now() - t0;
  return { opsPerSec: (done * 1000) / took, group: done / Math.max(1, syncs() - s0) };
}

/** writev of `group` records + fdatasync, in a loop for `ms`: records/s. */
async function rawRound(fh: FileHandle, group: number, ms: number): Promise<number> {
  const bufs = Array.from({ length: group }, () => Buffer.alloc(RECORD, 0x62));
  let records = 0;
  const t0 = performance.now();
  const deadline = t0 + ms;
  while (performance.now() < deadline) {
    await fh.writev(bufs);
    await fh.datasync();
    records += group;
  }
  return (records * 1000) / (performance.now() - t0);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

/**
 * One case: a warm-up round finds the WAL's average group size; then WAL and raw rounds
 * alternate (ROUNDS each), so a slow moment of the disk hurts both alike; medians are compared.
 */
async function measure(writers: number, sync: 'batch' | 'always'): Promise<{ wal: number; raw: number; group: number }> {
  const dir = await mkdtemp(path.join(root, `${sync}-${writers}-`));
  const { fs, syncs } = counting();
  const wal = await openWal(dir, { fs, sync });
  const fh = await open(path.join(dir, 'raw'), 'w');
  try {
    const warm = await walRound(wal, syncs, writers, MS / ROUNDS);
    const group = Math.max(1, Math.round(warm.group));
    await rawRound(fh, group, MS / ROUNDS / 2);
    const w: number[] = [];
    const r: number[] = [];
    const groups: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const round = await walRound(wal, syncs, writers, MS / ROUNDS);
      w.push(round.opsPerSec);
      groups.push(round.group);
      r.push(await rawRound(fh, group, MS / ROUNDS));
    }
    return { wal: median(w), raw: median(r), group: median(groups) };
  } finally {
    await fh.close();
    await wal.close();
    await rm(dir, { recursive: true, force: true });
  }
}

try {
  const rows: string[][] = [];
  for (const writers of [1, 8, 64]) {
    for (const sync of ['batch', 'always'] as const) {
      const m = await measure(writers, sync);
      rows.push([`${sync}, ${writers} writer${writers === 1 ? '' : 's'}`, formatOps(m.wal), m.group.toFixed(1), formatOps(m.raw), `${(m.wal / m.raw).toFixed(2)}×`]);
    }
  }
  printTable(
    `durable ${PAYLOAD}-byte appends on ${root} (medians of ${ROUNDS} alternating rounds, ${MS} ms per side)`,
    ['case', 'appends/s', 'records/fsync', 'raw writev+fdatasync', 'WAL ÷ raw'],
    rows,
  );
  console.log('\nraw: the same records per fdatasync, written with one writev each; goal for batch: >= 0.80×');
} finally {
  await rm(root, { recursive: true, force: true });
}
