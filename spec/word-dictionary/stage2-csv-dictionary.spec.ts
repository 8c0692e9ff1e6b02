/** Stage 2: the dictionary in a CSV file. Lookups, changes that reach the file, bad files, a model. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CsvDictionary, CsvSyntaxError, DictionaryClosedError, parseCsv } from '#kata/word-dictionary';
import { checkProperty, fc } from '#support/property';
import { forEachSeed } from '#support/seed';
import { SimFs, withSimFs } from '#support/simfs';
import { FIXTURE_CSV, FIXTURE_WORDS, expectSameAs, randomOps, runAgainstModel } from './helpers.ts';

const FILE = '/data/words.csv';
const text = (sim: SimFs, path = FILE) => Buffer.from(sim.peek(path) ?? new Uint8Array()).toString('utf8');

describe('stage 2: CSV dictionary', () => {
  it('opens the shipped word list and finds every word, tricky ones included', async () => {
    const sim = new SimFs({ files: { [FILE]: readFileSync(FIXTURE_CSV) } });
    const dict = await CsvDictionary.open(FILE, { fs: sim.fs });
    expect(dict.size).toBe(FIXTURE_WORDS.length);
    for (const [w, m] of FIXTURE_WORDS) expect(await dict.get(w), w).toBe(m);
    expect(await dict.get('haiku')).toBe('a short poem:\nfive syllables,\nseven,\nthen five');
    expect(await dict.get('blank')).toBe('');
    expect(await dict.get('not-a-word')).toBeUndefined();
    expect(await dict.get('CAFÉ')).toBeUndefined();
    await dict.close();
  });

  it('writes changes to the file (header first, RFC 4180) and reads them back after reopening', async () => {
    const sim = new SimFs({ files: { '/data/.keep': '' } });
    const dict = await CsvDictionary.open(FILE, { fs: sim.fs });
    expect(dict.size).toBe(0);
    await dict.put('apple', 'a fruit, round');
    await dict.put('quote', 'say "hi"\nthen leave');
    await dict.put('apple', 'a round fruit');
    expect(await dict.delete('quote')).toBe(true);
    expect(await dict.delete('quote')).toBe(false);
    await dict.put('中文', '🙂');
    expect(parseCsv(text(sim))).toEqual([['word', 'meaning'], ['apple', 'a round fruit'], ['中文', '🙂']]);
    await dict.close();
    await expect(dict.get('apple')).rejects.toThrow(DictionaryClosedError);
    const again = await CsvDictionary.open(FILE, { fs: sim.fs });
    expect(again.entries()).toEqual([['apple', 'a round fruit'], ['中文', '🙂']]);
    expect(await again.words()).toEqual(['apple', '中文']);
  });

  it('a word listed twice takes its last meaning', async () => {
    const sim = new SimFs({ files: { [FILE]: 'word,meaning\nx,first\ny,other\nx,second\n' } });
    const dict = await CsvDictionary.open(FILE, { fs: sim.fs });
    expect(dict.size).toBe(2);
    expect(await dict.get('x')).toBe('second');
  });

  it('rejects a file that is not a dictionary with CsvSyntaxError, and bad words with TypeError / RangeError', async () => {
    const cases: Array<[string, number]> = [
      ['name,meaning\na,b\n', 1],
      ['word,meaning\na,b\nc\n', 3],
      ['word,meaning\na,"b\nc",d\n', 2],
      ['word,meaning\n,empty word\n', 2],
      ['word,meaning\na,b"c\n', 2],
    ];
    for (const [content, line] of cases) {
      const sim = new SimFs({ files: { [FILE]: content } });
      const err = await CsvDictionary.open(FILE, { fs: sim.fs }).then(() => undefined, (e: unknown) => e);
      expect(err, JSON.stringify(content)).toBeInstanceOf(CsvSyntaxError);
      expect((err as CsvSyntaxError).line, JSON.stringify(content)).toBe(line);
    }
    const sim = new SimFs({ files: { [FILE]: 'word,meaning\n' } });
    const dict = await CsvDictionary.open(FILE, { fs: sim.fs });
    expect(() => dict.put('', 'x')).toThrow(RangeError);
    expect(() => dict.put('\ud800', 'x')).toThrow(RangeError);
    expect(() => dict.put(7 as unknown as string, 'x')).toThrow(TypeError);
    expect(() => dict.put('w', undefined as unknown as string)).toThrow(TypeError);
    expect(() => dict.get('')).toThrow(RangeError);
    expect(() => dict.delete(5 as unknown as string)).toThrow(TypeError);
  });

  it('agrees with a Map over random put / delete / get sequences, and after reopening', async () => {
    await forEachSeed(4, async (random) => {
      await withSimFs(random, async (sim) => {
        const model = new Map<string, string>();
        let dict = await CsvDictionary.open(FILE, { fs: sim.fs });
        await sim.fs.mkdir('/data');
        for (let round = 0; round < 3; round++) {
          await runAgainstModel(dict, model, randomOps(random, 25));
          await dict.close();
          dict = await CsvDictionary.open(FILE, { fs: sim.fs });
          await expectSameAs(dict, model, `after reopen ${round}`);
        }
      });
    });
  });

  it('a saved change survives a power cut at any call of a later rewrite', async () => {
    await forEachSeed(2, async (random) => {
      const words: Array<[string, string]> = [['a', 'first, saved'], ['b', 'second "saved"']];
      const setup = async (sim: SimFs) => {
        await sim.fs.mkdir('/data');
        await sim.fs.fsyncDir('/');
        const dict = await CsvDictionary.open(FILE, { fs: sim.fs });
        for (const [w, m] of words) await dict.put(w, m);
        return dict;
      };
      const dry = new SimFs({ seed: 0 });
      const d0 = await setup(dry);
      const before = dry.calls;
      await d0.put('c', 'third');
      const total = dry.calls - before;
      for (let n = 1; n <= total; n++) {
        await withSimFs(random, async (sim) => {
          const dict = await setup(sim);
          sim.armCrash({ nth: n });
          const out = await sim.runUntilCrash(() => dict.put('c', 'third'));
          expect(out.crashed).toBe(true);
          sim.crash({ unsynced: 'prefix', tear: true });
          const again = await CsvDictionary.open(FILE, { fs: sim.fs });
          for (const [w, m] of words) expect(await again.get(w), `crash at call ${n} of ${total}`).toBe(m);
          expect([undefined, 'third']).toContain(await again.get('c'));
        });
      }
    });
  });

  it('round-trips arbitrary words and meanings through the file', async () => {
    const entry = fc.tuple(fc.string({ unit: 'grapheme', minLength: 1 }), fc.string({ unit: 'grapheme' }));
    await checkProperty(
      fc.asyncProperty(fc.uniqueArray(entry, { selector: (e) => e[0], maxLength: 8 }), async (entries) => {
        const sim = new SimFs({ seed: 1, files: { '/data/.keep': '' } });
        const dict = await CsvDictionary.open(FILE, { fs: sim.fs });
        for (const [w, m] of entries) await dict.put(w, m);
        const again = await CsvDictionary.open(FILE, { fs: sim.fs });
        expect(again.entries()).toEqual(entries);
      }),
      { numRuns: 60 },
    );
  });
});
