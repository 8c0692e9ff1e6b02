/**
 * `npm run bench lsm-tree`: the kata's LSM tree beside classic-level (LevelDB) on the real disk, in
 * one process, same keys and values.
 *
 *   fill      N awaited puts of 16-byte keys and 100-byte values, in random order
 *   get       awaited gets of random present keys
 *   scan      range scans of 100 consecutive keys from random starting points
 *   durable   a few hundred awaited puts, each synced to disk before the next
 *
 * Durability settings: fill/get/scan use sync 'none' (LSM) and sync: false (classic-level, its
 * default: the log is written, not synced); durable uses sync 'always' and sync: true.
 * Both run with a 1 MiB memtable / write buffer and 4 KiB blocks. The ratio column is the first
 * case's ops/s over each case's: above 1, the kata's LSM tree is faster.
 * Then the LSM's own statistics: write amplification after the fill and after a full compaction,
 * and the read amplification of gets.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { ClassicLevel } from 'classic-level';
import { openLsm } from '#kata/lsm-tree';
import { formatOps, printTable } from '#support/bench';
import { Random } from '#support/seed';

const N = Number(process.env.LSM_BENCH_N ?? 50_000);
const DURABLE = 200;
/** Memtable (LSM) and write buffer (LevelDB) size: small enough that the fill flushes and compacts. */
const MEMTABLE = 1 << 20;
const random = new Random(20_240_611);
const keys = Array.from({ length: N }, (_, i) => Buffer.from(`key-${String(i).padStart(12, '0')}`));
const values = Array.from({ length: N }, () => Buffer.from(random.bytes(100)));
const order = Array.from({ length: N }, (_, i) => i);
for (let i = N - 1; i > 0; i--) {
  const j = random.int(0, i);
  [order[i], order[j]] = [order[j]!, order[i]!];
}
const picks = Array.from({ length: 1 << 16 }, () => random.int(0, N - 1));

interface AsyncCase {
  name: string;
  run: (n: number) => Promise<unknown>;
}

/** ops/s of each case: batches interleaved across cases, median of `rounds`. */
async function measure(title: string, cases: AsyncCase[], batch: number, rounds = 5): Promise<number[]> {
  for (const c of cases) await c.run(Math.min(batch, 500)); // warm up
  const rates = cases.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) {
    for (const [i, c] of cases.entries()) {
      const t0 = performance.now();
      await c.run(batch);
      rates[i]!.push((batch * 1000) / (performance.now() - t0));
    }
  }
  const med = rates.map((xs) => xs.sort((a, b) => a - b)[xs.length >> 1]!);
  printTable(title, ['case', 'ops/s', `${cases[0]!.name} ÷ case`], cases.map((c, i) => [c.name, formatOps(med[i]!), i === 0 ? '1.00×' : `${(med[0]! / med[i]!).toFixed(2)}×`]));
  return med;
}

const root = await mkdtemp(path.join(os.tmpdir(), 'lsm-bench-'));
try {
  console.log(`LSM tree vs classic-level: ${N.toLocaleString('en')} keys of 16 bytes, values of 100 bytes, node ${process.version}, ${root}`);
  const lsm = await openLsm(path.join(root, 'lsm'), { sync: 'none', memtableBytes: MEMTABLE, blockBytes: 4096 });
  const level = new ClassicLevel<Buffer, Buffer>(path.join(root, 'level'), { keyEncoding: 'buffer', valueEncoding: 'buffer', writeBufferSize: MEMTABLE, blockSize: 4096 });
  await level.open();

  // ---- fill
  const fills: Array<[string, () => Promise<void>]> = [
    ['lsm-tree', async () => { for (const i of order) await lsm.put(keys[i]!, values[i]!); }],
    ['classic-level', async () => { for (const i of order) await level.put(keys[i]!, values[i]!); }],
  ];
  const rows: string[][] = [];
  let first = 0;
  for (const [name, fill] of fills) {
    const t0 = performance.now();
    await fill();
    const ms = performance.now() - t0;
    const rate = (N * 1000) / ms;
    first ||= rate;
    rows.push([name, formatOps(rate), `${(first / rate).toFixed(2)}×`, `${(ms / 1000).toFixed(2)} s`]);
  }
  printTable(`fill: ${N.toLocaleString('en')} awaited puts in random order (no fsync)`, ['case', 'ops/s', 'lsm-tree ÷ case', 'total'], rows);
  const afterFill = lsm.stats();

  // ---- random gets
  let p = 0;
  let blocks = 0;
  let gets = 0;
  await measure('get: awaited gets of random present keys', [
    { name: 'lsm-tree', run: async (n) => { for (let i = 0; i < n; i++) { if (!(await lsm.get(keys[picks[p++ & 0xffff]!]!))) throw new Error('lsm: missing key'); blocks += lsm.stats().readAmplification; gets++; } } },
    { name: 'classic-level', run: async (n) => { for (let i = 0; i < n; i++) if (!(await level.get(keys[picks[p++ & 0xffff]!]!))) throw new Error('level: missing key'); } },
  ], 10_000);

  // ---- range scans
  const SCAN = 100;
  let s = 0;
  await measure(`scan: ${SCAN} consecutive keys from a random start (one op = one scan)`, [
    { name: 'lsm-tree', run: async (n) => { for (let i = 0; i < n; i++) { const lo = Math.min(picks[s++ & 0xffff]!, N - SCAN); let c = 0; for await (const _ of lsm.scan(keys[lo]!, keys[lo + SCAN]!)) c++; if (c !== SCAN) throw new Error(`lsm: scan gave ${c}`); } } },
    { name: 'classic-level', run: async (n) => { for (let i = 0; i < n; i++) { const lo = Math.min(picks[s++ & 0xffff]!, N - SCAN); let c = 0; for await (const _ of level.iterator({ gte: keys[lo]!, lt: keys[lo + SCAN]! })) c++; if (c !== SCAN) throw new Error(`level: scan gave ${c}`); } } },
  ], 300);

  await lsm.compact();
  const afterCompact = lsm.stats();
  await lsm.close();
  await level.close();

  // ---- durable puts
  const lsmSync = await openLsm(path.join(root, 'lsm-sync'), { sync: 'always' });
  const levelSync = new ClassicLevel<Buffer, Buffer>(path.join(root, 'level-sync'), { keyEncoding: 'buffer', valueEncoding: 'buffer' });
  await levelSync.open();
  let q = 0;
  await measure(`durable: awaited puts, each on disk before the next (${DURABLE} per round)`, [
    { name: "lsm-tree sync 'always'", run: async (n) => { for (let i = 0; i < n; i++, q++) await lsmSync.put(keys[q % N]!, values[q % N]!); } },
    { name: 'classic-level sync: true', run: async (n) => { for (let i = 0; i < n; i++, q++) await levelSync.put(keys[q % N]!, values[q % N]!, { sync: true }); } },
  ], DURABLE, 3);
  await lsmSync.close();
  await levelSync.close();

  printTable('lsm-tree amplification', ['measure', 'value'], [
    ['write amplification after the fill (WAL + flushes + compactions)', afterFill.writeAmplification.toFixed(2)],
    ['tables per level after the fill', afterFill.levels.join(' / ')],
    ['write amplification after compact()', afterCompact.writeAmplification.toFixed(2)],
    ['read amplification: blocks read per get (mean)', (blocks / Math.max(1, gets)).toFixed(2)],
  ]);
} finally {
  await rm(root, { recursive: true, force: true });
}
