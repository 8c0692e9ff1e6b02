/**
 * `npm run bench atomic-write`: a 100 MiB checked file replaced by writeFileAtomic, by
 * writeFileNaive and by Node's fs.promises.writeFile (the peer: what most programs call). Two
 * tables:
 *
 * 1. Throughput, in this process on the disk under os.tmpdir(): MB/s per writer, medians of
 *    alternating rounds. The atomic writer fsyncs the file and the directory; the other two leave
 *    the data in the page cache, which is why they look faster.
 * 2. Killed mid-write: for each writer, a child process replaces the file and is SIGKILLed at a
 *    seeded moment within the time its write takes. What the file holds afterwards is counted:
 *    the old content, the new, a partial file (a prefix of the new), or something else. Each
 *    write is a single call, so a kill lands inside the write(2) itself.
 *
 * ATOMIC_WRITE_BENCH_MIB (default 100), ATOMIC_WRITE_BENCH_KILLS (kills per writer, default 12),
 * ATOMIC_WRITE_BENCH_DIR (default os.tmpdir()), ATOMIC_WRITE_BENCH_SEED.
 */
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { writeFileAtomic, writeFileNaive } from '#kata/atomic-write';
import { printTable } from '#support/bench';
import { Random } from '#support/seed';
import { runAndKill } from '#support/sigkill';
import { frame, outcome, payloadFor, type Outcome } from './helpers.ts';

const MIB = Number(process.env.ATOMIC_WRITE_BENCH_MIB ?? 100);
const KILLS = Number(process.env.ATOMIC_WRITE_BENCH_KILLS ?? 12);
const SEED = Number(process.env.ATOMIC_WRITE_BENCH_SEED ?? Math.floor(Math.random() * 0x7fffffff));
const ROUNDS = 3;
const root = await mkdtemp(path.join(process.env.ATOMIC_WRITE_BENCH_DIR ?? os.tmpdir(), 'atomic-write-bench-'));
const script = new URL('./kill-child.ts', import.meta.url);

type Writer = 'atomic' | 'naive' | 'writeFile';
const WRITERS: Array<{ writer: Writer; label: string; write: (file: string, data: Uint8Array) => Promise<void> }> = [
  { writer: 'atomic', label: 'writeFileAtomic', write: (f, d) => writeFileAtomic(f, d) },
  { writer: 'naive', label: 'writeFileNaive', write: (f, d) => writeFileNaive(f, d) },
  { writer: 'writeFile', label: 'fs.promises.writeFile (peer)', write: (f, d) => writeFile(f, d) },
];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

try {
  console.log(`building two ${MIB} MiB checked files in ${root} (seed ${SEED})`);
  const oldBytes = frame(payloadFor('old', MIB * 1024 * 1024));
  const newBytes = frame(payloadFor('new', MIB * 1024 * 1024 + 12345));
  const source = path.join(root, 'new.src');
  await writeFile(source, newBytes);
  const file = path.join(root, 'data.chk');

  // 1. throughput, rounds alternating between the writers
  const times = new Map<Writer, number[]>(WRITERS.map((w) => [w.writer, []]));
  for (let round = 0; round <= ROUNDS; round++) {
    for (const w of WRITERS) {
      await writeFile(file, oldBytes);
      const t0 = performance.now();
      await w.write(file, newBytes);
      const ms = performance.now() - t0;
      if (round > 0) times.get(w.writer)!.push(ms); // round 0 warms up
    }
  }
  const mbps = (ms: number) => newBytes.length / 1e6 / (ms / 1000);
  const peer = median(times.get('writeFile')!);
  printTable(
    `replacing a ${MIB} MiB file (median of ${ROUNDS} rounds)`,
    ['writer', 'ms', 'MB/s', 'vs fs.writeFile', 'durable when it resolves'],
    WRITERS.map((w) => {
      const ms = median(times.get(w.writer)!);
      return [w.label, ms.toFixed(0), mbps(ms).toFixed(0), `${(peer / ms).toFixed(2)}×`, w.writer === 'atomic' ? 'yes (file + directory fsync)' : 'no (page cache only)'];
    }),
  );

  // 2. killed mid-write
  const random = new Random(SEED);
  const rows: string[][] = [];
  for (const w of WRITERS) {
    const counts: Record<Outcome, number> = { old: 0, new: 0, partial: 0, other: 0, absent: 0 };
    let killed = 0;
    let temps = 0;
    const spanMs = Math.max(5, median(times.get(w.writer)!));
    for (let k = 0; k < KILLS; k++) {
      await writeFile(file, oldBytes);
      const result = await runAndKill({ script, args: [file, w.writer, source, '0', '0'], afterMs: [0, Math.round(spanMs * 1.1)], random, timeoutMs: 120_000 });
      if (result.killed) killed++;
      const got = await readFile(file).catch(() => undefined);
      counts[outcome(got, oldBytes, newBytes)]++;
      for (const name of await readdir(root)) {
        if (name.startsWith('.data.chk.')) {
          temps++;
          await rm(path.join(root, name), { force: true });
        }
      }
    }
    rows.push([w.label, String(KILLS), String(killed), String(counts.old), String(counts.new), String(counts.partial), String(counts.other + counts.absent), String(temps)]);
  }
  printTable(
    `a child replacing the ${MIB} MiB file, SIGKILLed at a random moment within its write time (${KILLS} runs each)`,
    ['writer', 'runs', 'killed', 'old', 'new', 'partial', 'other', 'temp files left'],
    rows,
  );
  console.log('\nold / new: a whole file (the checked format decodes it). partial: a prefix of the new file; readFileChecked says PartialFileError.');
  console.log('A kill loses nothing the kernel already has, so the page-cache writers look fast and, unkilled, complete; a power cut is worse (see the spec, stage 3).');
} finally {
  await rm(root, { recursive: true, force: true });
}
