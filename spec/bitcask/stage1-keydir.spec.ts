/** Stage 1: put, get, delete and keys over one data file, with the keydir in memory. */
import { describe, expect, it } from 'vitest';
import { BitcaskClosedError, openBitcask } from '#kata/bitcask';
import { checkProperty, fc } from '#support/property';
import { SimFs } from '#support/simfs';
import { DIR, dump, hex, show, text } from './helpers.ts';

const open = (sim = new SimFs({ seed: 1 })) => openBitcask(DIR, { fs: sim.fs });

describe('stage 1: keydir', () => {
  it('put then get returns the value; a key never put gives undefined', async () => {
    const db = await open();
    await db.put('apple', 'red');
    await db.put('banana', 'yellow');
    expect(text(await db.get('apple'))).toBe('red');
    expect(text(await db.get('banana'))).toBe('yellow');
    expect(await db.get('cherry')).toBeUndefined();
    expect((await db.get('apple'))).toBeInstanceOf(Uint8Array);
    await db.close();
  });

  it('keys and values may be strings or bytes; a string means its UTF-8 bytes', async () => {
    const db = await open();
    await db.put('clé', 'valeur é');
    await db.put(Buffer.from('bytes-key'), Uint8Array.of(0xe2, 0x82, 0xac)); // "€"
    expect(text(await db.get(Buffer.from('clé', 'utf8')))).toBe('valeur é');
    expect(text(await db.get('bytes-key'))).toBe('€');
    // A view at a non-zero offset is the bytes it shows, not its whole buffer.
    const backing = Buffer.from('xxbytes-keyyy');
    expect(text(await db.get(backing.subarray(2, 11)))).toBe('€');
    await db.close();
  });

  it('put overwrites, delete removes, and deleting a key that is not there is a no-op', async () => {
    const db = await open();
    await db.put('k', 'one');
    await db.put('k', 'two');
    expect(text(await db.get('k'))).toBe('two');
    await db.delete('k');
    expect(await db.get('k')).toBeUndefined();
    await db.delete('k');
    await db.delete('never-there');
    expect(await db.get('k')).toBeUndefined();
    await db.put('k', 'three');
    expect(text(await db.get('k'))).toBe('three');
    await db.close();
  });

  it('an empty value is a value, not a delete; an empty key is a key', async () => {
    const db = await open();
    await db.put('empty', '');
    await db.put('', 'for the empty key');
    const v = await db.get('empty');
    expect(v).toBeDefined();
    expect(v!.length).toBe(0);
    expect(text(await db.get(''))).toBe('for the empty key');
    expect(show(await dump(db))).toBe(show(new Map([['', 'for the empty key'], ['empty', '']])));
    await db.close();
  });

  it('keys() lists every live key exactly once, as bytes', async () => {
    const db = await open();
    for (const k of ['a', 'b', 'c', 'd']) await db.put(k, `${k}1`);
    await db.put('b', 'b2');
    await db.delete('c');
    const keys: string[] = [];
    for await (const k of db.keys()) {
      expect(k).toBeInstanceOf(Uint8Array);
      keys.push(text(k)!);
    }
    expect(keys.sort()).toEqual(['a', 'b', 'd']);
    await db.close();
  });

  it('binary keys and values round-trip: every byte value, zeros, 0xff runs', async () => {
    const db = await open();
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const zeros = new Uint8Array(100);
    const ones = new Uint8Array(64).fill(0xff);
    await db.put(all, zeros);
    await db.put(zeros.subarray(0, 5), ones);
    await db.put(ones.subarray(0, 4), all);
    expect(hex((await db.get(all))!)).toBe(hex(zeros));
    expect(hex((await db.get(new Uint8Array(5)))!)).toBe(hex(ones));
    expect(hex((await db.get(Uint8Array.of(255, 255, 255, 255)))!)).toBe(hex(all));
    expect(await db.get(new Uint8Array(4))).toBeUndefined();
    const keys: string[] = [];
    for await (const k of db.keys()) keys.push(hex(k));
    expect(keys.sort()).toEqual([hex(all), hex(new Uint8Array(5)), 'ffffffff'].sort());
    await db.close();
  });

  it('a key over 64 KiB is a RangeError; exactly 64 KiB is fine', async () => {
    const db = await open();
    await expect(db.put(new Uint8Array(64 * 1024 + 1), 'x')).rejects.toThrow(RangeError);
    await db.put(new Uint8Array(64 * 1024).fill(7), 'big key');
    expect(text(await db.get(new Uint8Array(64 * 1024).fill(7)))).toBe('big key');
    await db.close();
  });

  it('after close every call rejects with BitcaskClosedError; close twice is fine', async () => {
    const db = await open();
    await db.put('k', 'v');
    await db.close();
    await db.close();
    await expect(db.get('k')).rejects.toThrow(BitcaskClosedError);
    await expect(db.put('k', 'v')).rejects.toThrow(BitcaskClosedError);
    await expect(db.delete('k')).rejects.toThrow(BitcaskClosedError);
    await expect(db.merge()).rejects.toThrow(BitcaskClosedError);
    await expect((async () => {
      for await (const _ of db.keys()) void _;
    })()).rejects.toThrow(BitcaskClosedError);
  });

  it('puts issued without waiting land in call order', async () => {
    const db = await open();
    await Promise.all(Array.from({ length: 20 }, (_, i) => db.put('same', `v${i}`)));
    expect(text(await db.get('same'))).toBe('v19');
    await Promise.all([db.put('x', '1'), db.delete('x'), db.put('y', '1'), db.put('x', '2'), db.delete('y')]);
    expect(show(await dump(db))).toBe(show(new Map([['same', 'v19'], ['x', '2']])));
    await db.close();
  });

  it('model: random put/get/delete sequences agree with a Map', async () => {
    const key = fc.constantFrom('a', 'b', 'c', 'd', 'e', '', 'ключ');
    const op = fc.oneof(
      fc.record({ t: fc.constant('put' as const), key, value: fc.string({ maxLength: 20 }) }),
      fc.record({ t: fc.constant('del' as const), key }),
      fc.record({ t: fc.constant('get' as const), key }),
    );
    await checkProperty(
      fc.asyncProperty(fc.array(op, { maxLength: 60 }), async (ops) => {
        const sim = new SimFs({ seed: 2 });
        const db = await open(sim);
        const model = new Map<string, string>();
        for (const o of ops) {
          if (o.t === 'put') {
            await db.put(o.key, o.value);
            model.set(o.key, o.value);
          } else if (o.t === 'del') {
            await db.delete(o.key);
            model.delete(o.key);
          } else {
            expect(text(await db.get(o.key))).toBe(model.get(o.key));
          }
        }
        expect(show(await dump(db))).toBe(show(model));
        await db.close();
      }),
      { numRuns: 60 },
    );
  });
});
