/**
 * `npm run bench bitcask`: the kata's Bitcask beside classic-level (LevelDB) and lmdb (LMDB) on the
 * real disk, in one process, same keys and values.
 *
 *   fill      N awaited puts of 16-byte keys and 100-byte values, one after another
 *   get       awaited gets of random present keys (lmdb's get is synchronous: it reads a memory map)
 *   durable   a few hundred awaited puts, each synced to disk before the next
 *   open      Bitcask start-up: scanning the data files, then from hint files after a merge
 *
 * Durability settings, as each store calls them:
 *   fill/get: Bitcask sync 'none' (a write() per put, no fsync); classic-level sync: false (the
 *             default: LevelDB's log written, not synced); lmdb noSync: true (commits not flushed).
 *   durable:  Bitcask sync 'always' (fdatasync per put); classic-level sync: true; lmdb default
 *             (each awaited put waits for its commit to be flushed).
 * The ratio column is the first case's ops/s over each case's: above 1, Bitcask is faster.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { ClassicLevel } from 'classic-level';
import { open as openLmdb } from 'lmdb';
import { openBitcask } from '#kata/bitcask';
import { formatOps, printTable } from '#support/bench';
import { Random } from '#support/seed';

const N = Number(process.env.BITCASK_BENCH_N ?? 50_000);
const DURABLE = 300;
const random = new Random(20_240_601);
const keys = Array.from({ length: N }, (_, i) => Buffer.from(`key-${String(i).padStart(12, '0')}`));
const values = Array.from({ length: N }, () => Buffer.from(random.bytes(100)));
const picks = Array.from({ length: 1 << 16 }, () => keys[random.int(0, N - 1)]!);

interface AsyncCase {
  name: string;
  /** Runs `n` operations. */
  run: (n: number) => Promise<unknown>;
}

/** ops/s of each case: batches interleaved across cases, median of `rounds`. */
async function measure(title: string, cases: AsyncCase[], batch: number, rounds = 5): Promise<number[]> {
  for (const c of cases) await c.run(Math.min(batch, 1000)); // warm up
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

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const v = await fn();
  return [v, performance.now() - t0];
}

const root = await mkdtemp(path.join(os.tmpdir(), 'bitcask-bench-'));
try {
  console.log(`Bitcask vs classic-level and lmdb: ${N.toLocaleString('en')} keys of 16 bytes, values of 100 bytes, node ${process.version}, ${root}`);

  // ---- fill
  const bc = await openBitcask(path.join(root, 'bitcask'), { sync: 'none' });
  const level = new ClassicLevel<Buffer, Buffer>(path.join(root, 'level'), { keyEncoding: 'buffer', valueEncoding: 'buffer' });
  await level.open();
  const lmdb = openLmdb<Buffer, Buffer>({ path: path.join(root, 'lmdb'), encoding: 'binary', keyEncoding: 'binary', noSync: true, compression: false });
  const fills: Array<[string, () => Promise<void>]> = [
    ['bitcask', async () => { for (let i = 0; i < N; i++) await bc.put(keys[i]!, values[i]!); }],
    ['classic-level', async () => { for (let i = 0; i < N; i++) await level.put(keys[i]!, values[i]!); }],
    ['lmdb', async () => { for (let i = 0; i < N; i++) await lmdb.put(keys[i]!, values[i]!); }],
  ];
  const fillRates: string[][] = [];
  let first = 0;
  for (const [name, fill] of fills) {
    const [, ms] = await timed(fill);
    const rate = (N * 1000) / ms;
    first ||= rate;
    fillRates.push([name, formatOps(rate), `${(first / rate).toFixed(2)}×`, `${(ms / 1000).toFixed(2)} s`]);
  }
  printTable(`fill: ${N.toLocaleString('en')} awaited puts (no fsync)`, ['case', 'ops/s', 'bitcask ÷ case', 'total'], fillRates);

  // ---- random gets
  let p = 0;
  await measure(
    'get: awaited gets of random present keys',
    [
      { name: 'bitcask', run: async (n) => { for (let i = 0; i < n; i++) if (!(await bc.get(picks[p++ & 0xffff]!))) throw new Error('bitcask: missing key'); } },
      { name: 'classic-level', run: async (n) => { for (let i = 0; i < n; i++) if (!(await level.get(picks[p++ & 0xffff]!))) throw new Error('level: missing key'); } },
      { name: 'lmdb (sync get)', run: async (n) => { for (let i = 0; i < n; i++) if (!lmdb.get(picks[p++ & 0xffff]!)) throw new Error('lmdb: missing key'); } },
    ],
    20_000,
  );
  await bc.close();
  await level.close();
  await lmdb.close();

  // ---- durable puts
  const bcSync = await openBitcask(path.join(root, 'bitcask-sync'), { sync: 'always' });
  const levelSync = new ClassicLevel<Buffer, Buffer>(path.join(root, 'level-sync'), { keyEncoding: 'buffer', valueEncoding: 'buffer' });
  await levelSync.open();
  const lmdbSync = openLmdb<Buffer, Buffer>({ path: path.join(root, 'lmdb-sync'), encoding: 'binary', keyEncoding: 'binary', compression: false });
  let q = 0;
  await measure(
    `durable: awaited puts, each on disk before the next (${DURABLE} per round)`,
    [
      { name: "bitcask sync 'always'", run: async (n) => { for (let i = 0; i < n; i++, q++) await bcSync.put(keys[q % N]!, values[q % N]!); } },
      { name: 'classic-level sync: true', run: async (n) => { for (let i = 0; i < n; i++, q++) await levelSync.put(keys[q % N]!, values[q % N]!, { sync: true }); } },
      { name: 'lmdb (flushed commits)', run: async (n) => { for (let i = 0; i < n; i++, q++) { await lmdbSync.put(keys[q % N]!, values[q % N]!); await lmdbSync.flushed; } } },
    ],
    DURABLE,
    3,
  );
  await bcSync.close();
  await levelSync.close();
  await lmdbSync.close();

  // ---- Bitcask start-up: scan vs hints
  const dir = path.join(root, 'bitcask');
  const [scanned, scanMs] = await timed(() => openBitcask(dir));
  await scanned.merge();
  await scanned.close();
  const [hinted, hintMs] = await timed(() => openBitcask(dir));
  if (!(await hinted.get(keys[0]!))) throw new Error('bitcask: key missing after merge');
  await hinted.close();
  printTable(`bitcask open with ${N.toLocaleString('en')} keys`, ['how', 'ms'], [
    ['scan the data files', scanMs.toFixed(1)],
    ['read the hint file (after merge)', hintMs.toFixed(1)],
  ]);
} finally {
  await rm(root, { recursive: true, force: true });
}
