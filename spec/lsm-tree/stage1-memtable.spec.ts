/**
 * Stage 1: the memtable. A sorted map from byte keys to the newest value or a tombstone, walked in
 * byte order, with the byte count that decides when it is flushed.
 */
import { describe, expect, it } from 'vitest';
import { Memtable } from '#kata/lsm-tree';
import { checkProperty, fc } from '#support/property';
import { b, byteOrder, text } from './helpers.ts';

const pairs = (m: Memtable, lo?: string, hi?: string) =>
  [...m.entries(lo === undefined ? undefined : b(lo), hi === undefined ? undefined : b(hi))].map((e) => [text(e.key), e.value === null ? null : text(e.value)]);

describe('stage 1: memtable', () => {
  it('returns the newest value, null for a tombstone, undefined for a key it never saw', () => {
    const m = new Memtable();
    m.put(b('apple'), b('red'));
    m.put(b('pear'), b('green'));
    m.put(b('apple'), b('yellow'));
    m.put(b('fig'), null);
    expect(text(m.get(b('apple')))).toBe('yellow');
    expect(text(m.get(b('pear')))).toBe('green');
    expect(m.get(b('fig'))).toBeNull();
    expect(m.get(b('kiwi'))).toBeUndefined();
    expect(m.size).toBe(3);
    m.put(b('fig'), b('purple')); // a put after a delete brings the key back
    expect(text(m.get(b('fig')))).toBe('purple');
  });

  it('walks the entries in unsigned byte order, tombstones included, one per key', () => {
    const m = new Memtable();
    for (const k of ['b', 'a', 'ab', '', 'B', 'é', 'z', 'a']) m.put(b(k), b(`v-${k}`));
    m.put(Uint8Array.of(0xff), b('high'));
    m.put(Uint8Array.of(0x00), null);
    m.put(b('ab'), null);
    const keys = [...m.entries()].map((e) => Buffer.from(e.key).toString('hex'));
    // '' < 0x00 < 'B' < 'a' < 'ab' < 'b' < 'z' < 'é' (0xc3 0xa9) < 0xff
    expect(keys).toEqual(['', '00', '42', '61', '6162', '62', '7a', 'c3a9', 'ff']);
    expect(pairs(m).filter(([, v]) => v === null).map(([k]) => k)).toEqual(['\0', 'ab']);
  });

  it('serves a half-open range [lo, hi), either bound optional', () => {
    const m = new Memtable();
    for (const k of ['a', 'b', 'c', 'd', 'e']) m.put(b(k), b(k.toUpperCase()));
    expect(pairs(m, 'b', 'd')).toEqual([['b', 'B'], ['c', 'C']]);
    expect(pairs(m, 'bb', 'dd')).toEqual([['c', 'C'], ['d', 'D']]);
    expect(pairs(m, 'd')).toEqual([['d', 'D'], ['e', 'E']]);
    expect(pairs(m, undefined, 'b')).toEqual([['a', 'A']]);
    expect(pairs(m, 'c', 'c')).toEqual([]);
    expect(pairs(m, 'x')).toEqual([]);
  });

  it('counts key + value bytes held, replacing a key\'s old value size on overwrite', () => {
    const m = new Memtable();
    expect(m.bytes).toBe(0);
    m.put(b('key'), b('12345'));
    expect(m.bytes).toBe(8);
    m.put(b('key'), b('12'));
    expect(m.bytes).toBe(5);
    m.put(b('other'), null);
    expect(m.bytes).toBe(10);
    m.put(b('other'), b('xyz'));
    expect(m.bytes).toBe(13);
    expect(m.size).toBe(2);
  });

  it('matches a Map model, sorted by bytes, for any sequence of puts and deletes', async () => {
    const key = fc.oneof(fc.constantFrom('a', 'b', 'ab', 'ba', 'é', ''), fc.string({ maxLength: 4 }));
    const op = fc.record({ key, value: fc.option(fc.string({ maxLength: 6 }), { nil: null }) });
    await checkProperty(
      fc.property(fc.array(op, { maxLength: 60 }), key, key, (ops, lo, hi) => {
        const m = new Memtable();
        const model = new Map<string, string | null>();
        for (const o of ops) {
          m.put(b(o.key), o.value === null ? null : b(o.value));
          model.set(o.key, o.value);
        }
        for (const [k, v] of model) expect(m.get(b(k)) === null ? null : text(m.get(b(k)))).toBe(v);
        const sorted = [...model].sort(([x], [y]) => byteOrder(x, y));
        expect(pairs(m)).toEqual(sorted);
        expect(pairs(m, lo, hi)).toEqual(sorted.filter(([k]) => byteOrder(k, lo) >= 0 && byteOrder(k, hi) < 0));
        expect(m.bytes).toBe(sorted.reduce((n, [k, v]) => n + b(k).length + (v === null ? 0 : b(v).length), 0));
      }),
      { numRuns: 80 },
    );
  });
});
