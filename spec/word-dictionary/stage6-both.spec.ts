/**
 * Stage 6: both formats and the lookup command. The shipped word list imported from CSV into the
 * log answers the same in both formats; the command line works on either.
 */
import { copyFile, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CsvDictionary, LogDictionary, importCsv, lookupMain } from '#kata/word-dictionary';
import { spawnTarget } from '#support/child';
import { forEachSeed } from '#support/seed';
import { SimFs, withSimFs } from '#support/simfs';
import { FIXTURE_CSV, FIXTURE_WORDS, decodeLog, randomOps } from './helpers.ts';

let tmp = '';
let csvPath = '';
let logDir = '';

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'word-dictionary-'));
  csvPath = path.join(tmp, 'words.csv');
  logDir = path.join(tmp, 'words');
  await copyFile(FIXTURE_CSV, csvPath);
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawnTarget(new URL('./lookup-cli.ts', import.meta.url), args);
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

let imported: Promise<number> | undefined;
/** The shipped list imported into logDir, once for the whole file. */
const ensureImported = () => (imported ??= importCsv(csvPath, logDir));

function capture() {
  const io = { out: '', err: '', stdout: (s: string) => void (io.out += s), stderr: (s: string) => void (io.err += s) };
  return io;
}

describe('stage 6: both formats and the CLI', () => {
  it('imports the shipped word list into the log, and both formats answer the same for every word', async () => {
    expect(await ensureImported()).toBe(FIXTURE_WORDS.length);
    const csv = await CsvDictionary.open(csvPath);
    const log = await LogDictionary.open(logDir);
    try {
      expect(log.size).toBe(csv.size);
      expect(await log.words()).toEqual(await csv.words());
      expect(await log.words()).toEqual(FIXTURE_WORDS.map(([w]) => w).sort());
      for (const [word, meaning] of FIXTURE_WORDS) {
        const [a, b] = [await csv.get(word), await log.get(word)];
        expect(a, `csv ${word}`).toBe(meaning);
        expect(b, `log ${word}`).toBe(meaning);
      }
      for (const absent of ['Apple', 'cafe', 'comma', 'comma,', '中', '"scare quotes', 'zzz']) {
        if (FIXTURE_WORDS.some(([w]) => w === absent)) continue;
        expect(await csv.get(absent), absent).toBeUndefined();
        expect(await log.get(absent), absent).toBeUndefined();
      }
    } finally {
      await csv.close();
      await log.close();
    }
  });

  it('both formats stay in agreement under the same random changes (and after reopening)', async () => {
    await forEachSeed(3, async (random) => {
      await withSimFs(random, async (sim) => {
        await sim.fs.mkdir('/d');
        let csv = await CsvDictionary.open('/d/words.csv', { fs: sim.fs });
        let log = await LogDictionary.open('/d/log', { fs: sim.fs });
        for (const o of randomOps(random, 30)) {
          if (o.op === 'put') await Promise.all([csv.put(o.word, o.meaning), log.put(o.word, o.meaning)]);
          else if (o.op === 'delete') expect(await csv.delete(o.word)).toBe(await log.delete(o.word));
          else expect(await csv.get(o.word)).toBe(await log.get(o.word));
        }
        await Promise.all([csv.close(), log.close()]);
        csv = await CsvDictionary.open('/d/words.csv', { fs: sim.fs });
        log = await LogDictionary.open('/d/log', { fs: sim.fs });
        expect(await log.words()).toEqual(await csv.words());
        for (const w of await csv.words()) expect(await log.get(w)).toBe(await csv.get(w));
      });
    });
  });

  it('importCsv writes one put record per word with one sync, on the simulated disk too', async () => {
    const sim = new SimFs({ files: { '/in/words.csv': 'word,meaning\r\nb,"two, lines\r\nhere"\r\na,one\r\n' } });
    expect(await importCsv('/in/words.csv', '/out', { fs: sim.fs })).toBe(2);
    expect(decodeLog(sim.peekDurable('/out/words.log')!).map((r) => [r.kind, r.word, r.meaning])).toEqual([
      ['put', 'b', 'two, lines\r\nhere'],
      ['put', 'a', 'one'],
    ]);
  });

  it('lookup (a real process): 0 with the meaning, 1 when not found, 2 on a usage error', { timeout: 60_000 }, async () => {
    await ensureImported();
    const [multiLine, notFound, usage] = await Promise.all([run([logDir, 'haiku']), run([csvPath, 'no-such-word']), run([csvPath])]);
    expect(multiLine).toMatchObject({ code: 0, stdout: 'a short poem:\nfive syllables,\nseven,\nthen five\n' });
    expect(notFound).toMatchObject({ code: 1, stdout: '' });
    expect(notFound.stderr).toContain('no-such-word: not found');
    expect(usage).toMatchObject({ code: 2, stdout: '' });
    expect(usage.stderr).toMatch(/usage/i);
  });

  it('lookupMain answers from either format, and reports missing or unreadable dictionaries with 2', async () => {
    await ensureImported();
    let io = capture();
    expect(await lookupMain([csvPath, 'comma, splice'], io)).toBe(0);
    expect(io.out).toBe('two clauses joined by only a comma, like this one\n');
    io = capture();
    expect(await lookupMain([logDir, '中文'], io)).toBe(0);
    expect(io.out).toBe('the Chinese language (Zhōngwén)\n');
    io = capture();
    expect(await lookupMain([logDir, 'zzz'], io)).toBe(1);
    expect([io.out, io.err]).toEqual(['', 'zzz: not found\n']);
    io = capture();
    expect(await lookupMain([path.join(tmp, 'nope.csv'), 'apple'], io)).toBe(2);
    expect(io.out).toBe('');
    expect(await readdir(tmp)).not.toContain('nope.csv');
    const bad = path.join(tmp, 'bad.csv');
    await writeFile(bad, 'word,meaning\napple,"never closed\n');
    io = capture();
    expect(await lookupMain([bad, 'apple'], io)).toBe(2);
    expect(io.err).toMatch(/line 2/);
    const empty = path.join(tmp, 'empty-dir');
    await mkdir(empty);
    io = capture();
    expect(await lookupMain([empty, 'apple'], io)).toBe(2);
    expect(await readdir(empty)).toEqual([]);
    io = capture();
    expect(await lookupMain([csvPath, 'blank'], io)).toBe(0);
    expect(io.out).toBe('\n');
    io = capture();
    expect(await lookupMain([csvPath, 'a', 'b'], io)).toBe(2);
    expect(io.out).toBe('');
  });
});
