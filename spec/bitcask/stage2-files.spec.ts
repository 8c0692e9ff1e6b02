/** Stage 2: the documented file format, rotation at maxFileBytes, and a restart that scans the files. */
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openBitcask } from '#kata/bitcask';
import { checkProperty, fc } from '#support/property';
import { SimFs } from '#support/simfs';
import { DIR, dataIds, dataName, dataPath, decodeEntries, dump, encodeEntry, show, stateOf, text } from './helpers.ts';

describe('stage 2: files and restart', () => {
  it('after close and open every value and every delete is still there', async () => {
    const sim = new SimFs({ seed: 1 });
    const db = await openBitcask(DIR, { fs: sim.fs });
    await db.put('a', '1');
    await db.put('b', '2');
    await db.put('a', '3');
    await db.put('c', '4');
    await db.delete('b');
    await db.close();
    expect(show(await stateOf(sim.fs))).toBe(show(new Map([['a', '3'], ['c', '4']])));
  });

  it('the data file is the documented format, byte by byte: crc, keyCrc, timestamp, sizes, key, value; tombstones', async () => {
    const sim = new SimFs({ seed: 1 });
    const db = await openBitcask(DIR, { fs: sim.fs });
    await db.put('alpha', 'one');
    await db.put('beta', '');
    await db.put('alpha', 'uno');
    await db.delete('beta');
    await db.close();
    expect(await dataIds(sim.fs)).toEqual([1]);
    const entries = decodeEntries(await sim.fs.readFile(dataPath(1)), dataName(1)); // checks both CRCs
    expect(entries.map((e) => [e.key, e.value, e.keySize, e.valueSize])).toEqual([
      ['alpha', 'one', 5, 3],
      ['beta', '', 4, 0],
      ['alpha', 'uno', 5, 3],
      ['beta', null, 4, 0xffffffff], // a tombstone: valueSize 0xFFFFFFFF and no value bytes
    ]);
    expect(entries[3]!.size).toBe(24 + 4);
    // Timestamps: a logical clock, strictly increasing, starting above 0.
    const ts = entries.map((e) => e.timestamp);
    expect(ts[0]).toBeGreaterThan(0);
    for (let i = 1; i < ts.length; i++) expect(ts[i]).toBeGreaterThan(ts[i - 1]!);
  });

  it('opens a data file the spec wrote to the README format, tombstones and overwrites included', async () => {
    const file = Buffer.concat([
      encodeEntry('x', 'first', 1),
      encodeEntry('y', 'why', 2),
      encodeEntry('x', 'second', 3),
      encodeEntry('z', 'zed', 4),
      encodeEntry('y', null, 5),
      encodeEntry(Buffer.from([0, 1, 2]), Buffer.from([9, 9]), 6),
    ]);
    const sim = new SimFs({ seed: 1, files: { [dataPath(1)]: file } });
    const db = await openBitcask(DIR, { fs: sim.fs });
    expect(text(await db.get('x'))).toBe('second');
    expect(await db.get('y')).toBeUndefined();
    expect(text(await db.get('z'))).toBe('zed');
    expect([...(await db.get(Uint8Array.of(0, 1, 2)))!]).toEqual([9, 9]);
    // New entries go to the end of the same file, with a timestamp above every one seen.
    await db.put('w', 'new');
    await db.close();
    const entries = decodeEntries(await sim.fs.readFile(dataPath(1)));
    expect(entries).toHaveLength(7);
    expect(entries[6]!.key).toBe('w');
    expect(entries[6]!.timestamp).toBeGreaterThan(6);
  });

  it('opens the data files in id order: a later file wins over an earlier one', async () => {
    const sim = new SimFs({
      seed: 1,
      files: {
        [dataPath(1)]: Buffer.concat([encodeEntry('k', 'old', 1), encodeEntry('gone', 'here', 2)]),
        [dataPath(2)]: Buffer.concat([encodeEntry('k', 'mid', 3), encodeEntry('gone', null, 4)]),
        [dataPath(10)]: encodeEntry('k', 'new', 5), // 0000000010 sorts after 0000000002
        [`${DIR}/notes.txt`]: 'not a data file',
      },
    });
    expect(show(await stateOf(sim.fs))).toBe(show(new Map([['k', 'new']])));
  });

  it('rotation: no file grows past maxFileBytes (unless one entry alone is larger), ids count up, 10-digit names', async () => {
    const sim = new SimFs({ seed: 1 });
    const db = await openBitcask(DIR, { fs: sim.fs, maxFileBytes: 100 });
    for (let i = 0; i < 12; i++) await db.put(`key${i}`, `value-${i}`); // 24 + 4/5 + 7/8 bytes each
    await db.put('huge', 'x'.repeat(300));
    await db.put('after', 'huge');
    await db.close();
    const names = (await sim.fs.readdir(DIR)).filter((n) => n.endsWith('.data'));
    const ids = await dataIds(sim.fs);
    expect(names).toEqual(ids.map(dataName));
    expect(ids).toEqual(Array.from({ length: ids.length }, (_, i) => i + 1));
    expect(ids.length).toBeGreaterThanOrEqual(5);
    const all: string[] = [];
    for (const id of ids) {
      const data = await sim.fs.readFile(dataPath(id));
      const entries = decodeEntries(data, dataName(id));
      if (entries.some((e) => e.key === 'huge')) expect(entries).toHaveLength(1);
      else expect(data.length).toBeLessThanOrEqual(100);
      // A file is only closed when the next entry would not fit.
      all.push(...entries.map((e) => e.key));
    }
    expect(all).toEqual([...Array.from({ length: 12 }, (_, i) => `key${i}`), 'huge', 'after']);
    expect(text(await (async () => {
      const again = await openBitcask(DIR, { fs: sim.fs, maxFileBytes: 100 });
      const v = await again.get('key0');
      await again.close();
      return v;
    })())).toBe('value-0');
  });

  it('fills each file as far as maxFileBytes allows before rolling over', async () => {
    const sim = new SimFs({ seed: 1 });
    const entry = encodeEntry('kk', 'vvvvvv', 1).length; // 32 bytes
    const db = await openBitcask(DIR, { fs: sim.fs, maxFileBytes: entry * 3 });
    for (let i = 0; i < 7; i++) await db.put('kk', `vvvvv${i}`);
    await db.close();
    const sizes = [];
    for (const id of await dataIds(sim.fs)) sizes.push((await sim.fs.readFile(dataPath(id))).length);
    expect(sizes).toEqual([entry * 3, entry * 3, entry]);
  });

  it('reopening appends to the newest file and leaves the older ones untouched', async () => {
    const sim = new SimFs({ seed: 1 });
    let db = await openBitcask(DIR, { fs: sim.fs, maxFileBytes: 64 });
    for (let i = 0; i < 3; i++) await db.put(`k${i}`, `v${i}`); // 28 bytes each: 2 + 1 per file
    await db.close();
    const before = await dataIds(sim.fs);
    const older = await Promise.all(before.slice(0, -1).map((id) => sim.fs.readFile(dataPath(id))));
    const newestSize = (await sim.fs.readFile(dataPath(before.at(-1)!))).length;
    expect(newestSize).toBeLessThan(64 - 30);
    db = await openBitcask(DIR, { fs: sim.fs, maxFileBytes: 64 });
    await db.put('z', '1');
    await db.close();
    expect(await dataIds(sim.fs)).toEqual(before);
    for (const [i, id] of before.slice(0, -1).entries()) expect((await sim.fs.readFile(dataPath(id))).equals(older[i]!)).toBe(true);
    const newest = decodeEntries(await sim.fs.readFile(dataPath(before.at(-1)!)));
    expect(newest.at(-1)!.key).toBe('z');
  });

  it('model: random put/delete/reopen sequences with rotation agree with a Map', async () => {
    const key = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f');
    const op = fc.oneof(
      { weight: 5, arbitrary: fc.record({ t: fc.constant('put' as const), key, value: fc.string({ maxLength: 24 }) }) },
      { weight: 2, arbitrary: fc.record({ t: fc.constant('del' as const), key }) },
      { weight: 1, arbitrary: fc.record({ t: fc.constant('reopen' as const) }) },
    );
    await checkProperty(
      fc.asyncProperty(fc.array(op, { maxLength: 50 }), fc.integer({ min: 40, max: 200 }), async (ops, maxFileBytes) => {
        const sim = new SimFs({ seed: 3 });
        let db = await openBitcask(DIR, { fs: sim.fs, maxFileBytes });
        const model = new Map<string, string>();
        for (const o of ops) {
          if (o.t === 'put') {
            await db.put(o.key, o.value);
            model.set(o.key, o.value);
          } else if (o.t === 'del') {
            await db.delete(o.key);
            model.delete(o.key);
          } else {
            await db.close();
            db = await openBitcask(DIR, { fs: sim.fs, maxFileBytes });
          }
          expect(show(await dump(db))).toBe(show(model));
        }
        await db.close();
        expect(show(await stateOf(sim.fs, { maxFileBytes }))).toBe(show(model));
      }),
      { numRuns: 40 },
    );
  });

  it('works on the real disk by default: creates the directory, names files as documented, reopens', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'bitcask-'));
    try {
      const dir = path.join(root, 'nested', 'db');
      let db = await openBitcask(dir, { maxFileBytes: 80 });
      for (let i = 0; i < 6; i++) await db.put(`key-${i}`, `value-${i}`);
      await db.delete('key-2');
      await db.close();
      const names = (await readdir(dir)).filter((n) => n.endsWith('.data')).sort();
      expect(names.length).toBeGreaterThan(1);
      expect(names[0]).toBe('0000000001.data');
      const first = decodeEntries(await readFile(path.join(dir, names[0]!)));
      expect(first[0]!.key).toBe('key-0');
      db = await openBitcask(dir);
      const state = await dump(db);
      await db.close();
      expect(show(state)).toBe(show(new Map([0, 1, 3, 4, 5].map((i) => [`key-${i}`, `value-${i}`]))));
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
