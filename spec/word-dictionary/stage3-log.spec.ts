/** Stage 3: the log dictionary. The README's byte format, the keydir, tombstones, a Map model. */
import { describe, expect, it } from 'vitest';
import { DictionaryClosedError, LogDictionary } from '#kata/word-dictionary';
import { checkProperty, fc } from '#support/property';
import { forEachSeed } from '#support/seed';
import { SimFs, withSimFs } from '#support/simfs';
import { DIR, LOG, decodeLog, encodeRecord, expectSameAs, randomOps, runAgainstModel } from './helpers.ts';

const logBytes = (sim: SimFs) => sim.peek(LOG) ?? new Uint8Array();

describe('stage 3: log dictionary', () => {
  it('appends one framed record per put and delete, byte for byte as the README defines', async () => {
    const sim = new SimFs();
    const dict = await LogDictionary.open(DIR, { fs: sim.fs });
    expect(logBytes(sim).length).toBe(0);
    await dict.put('café', 'a small restaurant, "coffee"');
    await dict.put('中文', '🙂');
    expect(await dict.delete('café')).toBe(true);
    expect(await dict.delete('café')).toBe(false); // nothing to delete: nothing appended
    const expected = Buffer.concat([encodeRecord('café', 'a small restaurant, "coffee"'), encodeRecord('中文', '🙂'), encodeRecord('café', null)]);
    expect(Buffer.from(logBytes(sim)).toString('hex')).toBe(expected.toString('hex'));
    expect(dict.fileSize).toBe(expected.length);
    await dict.close();
  });

  it('reads a log written from the README (puts, overwrites, tombstones)', async () => {
    const log = Buffer.concat([encodeRecord('a', 'one'), encodeRecord('b', 'two'), encodeRecord('a', 'uno'), encodeRecord('b', null), encodeRecord('c', '')]);
    const sim = new SimFs({ files: { [LOG]: log } });
    const dict = await LogDictionary.open(DIR, { fs: sim.fs });
    expect(dict.size).toBe(2);
    expect(await dict.get('a')).toBe('uno');
    expect(await dict.get('b')).toBeUndefined();
    expect(await dict.get('c')).toBe('');
    expect(await dict.words()).toEqual(['a', 'c']);
  });

  it('a put of a word already there is what get returns, before and after reopening', async () => {
    const sim = new SimFs();
    const dict = await LogDictionary.open(DIR, { fs: sim.fs });
    await dict.put('apple', 'first');
    await dict.put('pear', 'a fruit');
    await dict.put('apple', 'second, longer than the first');
    expect(await dict.get('apple')).toBe('second, longer than the first');
    expect(dict.size).toBe(2);
    await dict.close();
    await expect(dict.get('apple')).rejects.toThrow(DictionaryClosedError);
    const again = await LogDictionary.open(DIR, { fs: sim.fs });
    expect(await again.get('apple')).toBe('second, longer than the first');
  });

  it('a deleted word stays deleted after reopening (the tombstone is read)', async () => {
    const sim = new SimFs();
    const dict = await LogDictionary.open(DIR, { fs: sim.fs });
    await dict.put('gone', 'soon');
    await dict.put('kept', 'here');
    await dict.delete('gone');
    await dict.close();
    const again = await LogDictionary.open(DIR, { fs: sim.fs });
    expect(await again.get('gone')).toBeUndefined();
    expect(await again.words()).toEqual(['kept']);
    expect(again.size).toBe(1);
    expect(decodeLog(logBytes(sim)).map((r) => r.kind)).toEqual(['put', 'put', 'delete']);
  });

  it('putMany writes all pairs with one fdatasync; later pairs win', async () => {
    const sim = new SimFs();
    const dict = await LogDictionary.open(DIR, { fs: sim.fs });
    const syncs = () => sim.trace.filter((t) => t.op === 'fsync' || t.op === 'fdatasync').length;
    const before = syncs();
    await dict.putMany([['x', '1'], ['y', '2'], ['x', '3']]);
    expect(syncs() - before).toBe(1);
    expect(await dict.get('x')).toBe('3');
    expect(decodeLog(sim.peekDurable(LOG)!).map((r) => `${r.word}=${r.meaning}`)).toEqual(['x=1', 'y=2', 'x=3']);
  });

  it('an acknowledged put is durable: synced before it resolves, the new log name too', async () => {
    const sim = new SimFs();
    const dict = await LogDictionary.open(DIR, { fs: sim.fs });
    await dict.put('durable', 'yes');
    sim.crash('drop');
    const again = await LogDictionary.open(DIR, { fs: sim.fs });
    expect(await again.get('durable')).toBe('yes');
  });

  it('rejects bad words and meanings with TypeError / RangeError', async () => {
    const dict = await LogDictionary.open(DIR, { fs: new SimFs().fs });
    expect(() => dict.put('', 'x')).toThrow(RangeError);
    expect(() => dict.put('ok', '\udc00')).toThrow(RangeError);
    expect(() => dict.put(null as unknown as string, 'x')).toThrow(TypeError);
    expect(() => dict.get(3 as unknown as string)).toThrow(TypeError);
  });

  it('agrees with a Map over random put / delete / get sequences, and after reopening', async () => {
    await forEachSeed(4, async (random) => {
      await withSimFs(random, async (sim) => {
        const model = new Map<string, string>();
        let dict = await LogDictionary.open(DIR, { fs: sim.fs });
        for (let round = 0; round < 3; round++) {
          await runAgainstModel(dict, model, randomOps(random, 30));
          await dict.close();
          dict = await LogDictionary.open(DIR, { fs: sim.fs });
          await expectSameAs(dict, model, `after reopen ${round}`);
        }
      });
    });
  });

  it('agrees with a Map for arbitrary words and meanings (fast-check)', async () => {
    const word = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 6 });
    const op = fc.oneof(
      fc.record({ op: fc.constant('put' as const), word, meaning: fc.string({ unit: 'grapheme' }) }),
      fc.record({ op: fc.constant('delete' as const), word }),
      fc.record({ op: fc.constant('get' as const), word }),
    );
    await checkProperty(
      fc.asyncProperty(fc.array(op, { maxLength: 25 }), async (ops) => {
        const sim = new SimFs({ seed: 1 });
        const model = new Map<string, string>();
        const dict = await LogDictionary.open(DIR, { fs: sim.fs });
        await runAgainstModel(dict, model, ops);
        await dict.close();
        await expectSameAs(await LogDictionary.open(DIR, { fs: sim.fs }), model, 'after reopen');
      }),
      { numRuns: 60 },
    );
  });
});
