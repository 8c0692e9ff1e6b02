/**
 * `npm run bench word-dictionary`: the same generated word list stored as CSV and as a log, on the
 * real disk, at 1e3, 1e4 and 1e5 words.
 *
 *   file size  bytes on disk (CSV: the file; log: words.log after importCsv)
 *   load       open(): CSV reads and parses the whole file and keeps every row; the log scans its
 *              records and keeps only the keydir (word → offset, size)
 *   lookup     mean latency of awaited get() of random present words: the CSV scans its rows
 *              (half the list on average), the log does one hash lookup and one pread of the
 *              record, its CRC checked
 *
 * The word list is generated from a fixed seed (WORD_BENCH_SEED to change it): pronounceable
 * words of 3-12 letters and meanings of 4-16 words, some with commas and quotes so the CSV
 * quoting is exercised.
 */
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { CsvDictionary, LogDictionary, formatCsv, importCsv } from '#kata/word-dictionary';
import { printTable } from '#support/bench';
import { Random } from '#support/seed';

const SIZES = [1_000, 10_000, 100_000];
const SEED = Number(process.env.WORD_BENCH_SEED ?? 20_240_601);
const SYLLABLES = ['ka', 'lo', 'mi', 'ner', 'tha', 'ul', 'be', 'qu', 'ris', 'so', 'fen', 'da', 'gro', 'vi', 'ez', 'pa'];
const FILLER = ['a', 'the', 'small', 'kind', 'of', 'bird', 'stone', 'that', 'moves', 'slowly', 'under', 'water', 'used', 'for', 'making', 'bread', 'light', 'old'];

/** `n` distinct words with meanings, seeded. */
function generateWords(n: number, random: Random): Array<[string, string]> {
  const seen = new Set<string>();
  const out: Array<[string, string]> = [];
  while (out.length < n) {
    let w = '';
    const parts = random.int(1, 4);
    for (let i = 0; i < parts; i++) w += random.pick(SYLLABLES);
    if (random.int(0, 9) === 0) w += String(random.int(0, 99));
    if (seen.has(w)) continue;
    seen.add(w);
    const words = Array.from({ length: random.int(4, 16) }, () => random.pick(FILLER));
    if (random.int(0, 4) === 0) words.splice(2, 0, 'or,');
    if (random.int(0, 9) === 0) words.push('("informal")');
    out.push([w, words.join(' ')]);
  }
  return out;
}

const fmtBytes = (n: number) => (n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(2)} MiB` : `${(n / 1024).toFixed(1)} KiB`);
const fmtMs = (ms: number) => (ms >= 1 ? `${ms.toFixed(1)} ms` : `${(ms * 1000).toFixed(0)} µs`);
const fmtUs = (ms: number) => `${(ms * 1000).toFixed(1)} µs`;

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const v = await fn();
  return [v, performance.now() - t0];
}

async function meanLookup(dict: { get(w: string): Promise<string | undefined> }, picks: string[]): Promise<number> {
  for (const w of picks.slice(0, 200)) await dict.get(w); // warm up
  const t0 = performance.now();
  for (const w of picks) if ((await dict.get(w)) === undefined) throw new Error(`bench: ${w} missing`);
  return (performance.now() - t0) / picks.length;
}

const dir = await mkdtemp(path.join(os.tmpdir(), 'word-dictionary-bench-'));
try {
  const rows: string[][] = [];
  for (const n of SIZES) {
    const random = new Random(SEED + n);
    const words = generateWords(n, random);
    const csvPath = path.join(dir, `words-${n}.csv`);
    const logDir = path.join(dir, `log-${n}`);
    await writeFile(csvPath, formatCsv([['word', 'meaning'], ...words]));
    await importCsv(csvPath, logDir);
    const csvSize = (await stat(csvPath)).size;
    const logSize = (await stat(path.join(logDir, 'words.log'))).size;
    const [csv, csvLoad] = await timed(() => CsvDictionary.open(csvPath));
    const [log, logLoad] = await timed(() => LogDictionary.open(logDir));
    // Fewer CSV lookups at large n: each one scans the rows.
    const picks = Array.from({ length: n >= 100_000 ? 2_000 : 10_000 }, () => random.pick(words)[0]);
    const csvGet = await meanLookup(csv, picks);
    const logGet = await meanLookup(log, picks);
    await csv.close();
    await log.close();
    rows.push([String(n), fmtBytes(csvSize), fmtBytes(logSize), fmtMs(csvLoad), fmtMs(logLoad), fmtUs(csvGet), fmtUs(logGet), `${(csvGet / logGet).toFixed(2)}×`]);
  }
  printTable(
    `CSV scan vs log keydir, real disk (${os.tmpdir()}), seed ${SEED}`,
    ['words', 'CSV size', 'log size', 'CSV load', 'log load', 'CSV lookup', 'log lookup', 'CSV ÷ log lookup'],
    rows,
  );
  console.log('\nlookup: mean of awaited get() of random present words; load: open() of the file or log.');
} finally {
  await rm(dir, { recursive: true, force: true });
}
