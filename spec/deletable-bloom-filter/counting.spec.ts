import { describe, expect, test } from 'vitest';
import { COUNTER_MAX, CountingBloomFilter } from '#kata/deletable-bloom-filter';
import { checkProperty, fc } from '#support/property';
import { findKey, hex, packNibbles } from './helpers.ts';

/**
 * The reference behaviour of a counting filter, cell by cell, driven by the positions the filter
 * under test reports: add raises each listed counter by one (15 stays 15); remove of a key with a
 * zero counter changes nothing, otherwise lowers each listed counter by one except 15s.
 */
class CountingModel {
  readonly counts: number[];
  constructor(cells: number) {
    this.counts = new Array<number>(cells).fill(0);
  }
  add(positions: number[]): void {
    for (const p of positions) {
      const c = this.counts[p]!;
      this.counts[p] = c === 15 ? 15 : c + 1;
    }
  }
  certainlyAbsent(positions: number[]): boolean {
    return positions.some((p) => this.counts[p] === 0);
  }
  remove(positions: number[]): boolean {
    if (this.certainlyAbsent(positions)) return false;
    for (const p of positions) {
      const c = this.counts[p]!;
      if (c !== 15 && c > 0) this.counts[p] = c - 1;
    }
    return true;
  }
}

function counters(f: CountingBloomFilter): number[] {
  return Array.from({ length: f.cells }, (_, i) => f.counter(i));
}

describe('stage 1: counting filter', () => {
  test('the constructor rejects bad cells and hashes with a RangeError', () => {
    for (const [cells, hashes] of [
      [0, 3],
      [-8, 3],
      [10.5, 3],
      [Number.NaN, 3],
      [Number.POSITIVE_INFINITY, 3],
      [2 ** 32 + 1, 3],
      [64, 0],
      [64, 33],
      [64, 2.5],
      [64, -1],
    ] as const) {
      expect(() => new CountingBloomFilter(cells, hashes), `cells=${cells} hashes=${hashes}`).toThrow(RangeError);
    }
    const f = new CountingBloomFilter(1, 32);
    expect([f.cells, f.hashes]).toEqual([1, 32]);
  });

  test('positions() gives `hashes` integers in [0, cells), the same for the same key and for its UTF-8 bytes', () => {
    const f = new CountingBloomFilter(1000, 7);
    for (const key of ['', 'a', 'alice', 'héllo wörld ✓', 'x'.repeat(300)]) {
      const p = f.positions(key);
      expect(p).toHaveLength(7);
      for (const i of p) {
        expect(Number.isInteger(i) && i >= 0 && i < 1000, `index ${i} of "${key}"`).toBe(true);
      }
      expect(f.positions(key)).toEqual(p);
      expect(f.positions(new TextEncoder().encode(key)), `bytes of "${key}"`).toEqual(p);
    }
  });

  test('positions() spreads keys over every cell', () => {
    const f = new CountingBloomFilter(64, 4);
    const hits = new Array<number>(64).fill(0);
    for (let i = 0; i < 2000; i++) for (const p of f.positions(`spread-${i}`)) hits[p]!++;
    // 8000 indexes over 64 cells: 125 each on average; a real hash keeps every cell well inside.
    for (const [cell, n] of hits.entries()) expect(n, `cell ${cell}`).toBeGreaterThan(60);
    for (const [cell, n] of hits.entries()) expect(n, `cell ${cell}`).toBeLessThan(250);
  });

  test('an empty filter has every counter at 0, reports every key absent and packs to zero bytes', () => {
    const f = new CountingBloomFilter(9, 3);
    expect(counters(f)).toEqual(new Array(9).fill(0));
    expect(f.toBytes()).toEqual(new Uint8Array(5));
    expect(f.saturated).toBe(0);
    for (let i = 0; i < 50; i++) expect(f.has(`nobody-${i}`)).toBe(false);
  });

  test('counter() rejects an index outside [0, cells) with a RangeError', () => {
    const f = new CountingBloomFilter(10, 2);
    for (const i of [-1, 10, 11, 1.5, Number.NaN]) expect(() => f.counter(i), `index ${i}`).toThrow(RangeError);
    expect(f.counter(9)).toBe(0);
  });

  test('add raises each counter of the key by one per listed position and has() then reports it', () => {
    const f = new CountingBloomFilter(200, 5);
    const key = 'carol';
    const expected = new Array<number>(200).fill(0);
    for (let round = 1; round <= 3; round++) {
      f.add(key);
      for (const p of f.positions(key)) expected[p]!++;
      expect(counters(f), `after ${round} adds`).toEqual(expected);
      expect(f.has(key)).toBe(true);
    }
  });

  test('counters are packed two per byte: cell 2j in the low nibble of byte j, cell 2j+1 in the high nibble', () => {
    const f = new CountingBloomFilter(5, 1);
    const at = (cell: number) => findKey(`nib${cell}-`, (k) => f.positions(k)[0] === cell);
    const times = [1, 2, 3, 4, 15];
    for (const [cell, n] of times.entries()) {
      const key = at(cell);
      for (let i = 0; i < n; i++) f.add(key);
    }
    expect(counters(f)).toEqual(times);
    // byte 0 = cell 1 (high) | cell 0 (low), byte 1 = cell 3 | cell 2, byte 2 = (nothing) | cell 4
    expect(hex(f.toBytes())).toBe(hex(Uint8Array.of(0x21, 0x43, 0x0f)));
  });

  test('toBytes() returns a copy: writing to it does not change the filter', () => {
    const f = new CountingBloomFilter(16, 3);
    f.add('dave');
    const before = f.toBytes();
    const copy = f.toBytes();
    copy.fill(0);
    expect(f.toBytes()).toEqual(before);
    expect(f.has('dave')).toBe(true);
  });

  test('remove undoes add exactly and returns true', () => {
    const f = new CountingBloomFilter(128, 4);
    f.add('erin');
    const withErin = f.toBytes();
    f.add('frank');
    expect(f.remove('frank')).toBe(true);
    expect(f.toBytes()).toEqual(withErin);
    expect(f.remove('erin')).toBe(true);
    expect(f.toBytes()).toEqual(new Uint8Array(64));
    expect(f.has('erin')).toBe(false);
  });

  test('remove of a certainly-absent key returns false and changes no counter', () => {
    const f = new CountingBloomFilter(64, 4);
    f.add('grace');
    const grace = new Set(f.positions('grace'));
    // A key that shares some counters with grace but has at least one counter at 0.
    const other = findKey('partly-', (k) => {
      const p = f.positions(k);
      return p.some((i) => grace.has(i)) && p.some((i) => !grace.has(i));
    });
    const before = f.toBytes();
    expect(f.remove(other)).toBe(false);
    expect(hex(f.toBytes())).toBe(hex(before));
    expect(f.has('grace')).toBe(true);
  });

  test(`a counter saturates at ${COUNTER_MAX} and stays there however often it is added to`, () => {
    expect(COUNTER_MAX).toBe(15);
    const f = new CountingBloomFilter(64, 3);
    const key = findKey('sat-', (k) => new Set(f.positions(k)).size === 3);
    for (let i = 1; i <= 40; i++) {
      f.add(key);
      for (const p of f.positions(key)) expect(f.counter(p), `after ${i} adds`).toBe(Math.min(i, 15));
      expect(f.has(key), `after ${i} adds`).toBe(true);
      expect(f.saturated).toBe(i >= 15 ? 3 : 0);
    }
  });

  test('a saturated counter is never decremented, so removing other keys cannot cause a false negative', () => {
    // One cell, one hash: every key shares counter 0.
    const f = new CountingBloomFilter(1, 1);
    for (let i = 0; i < 15; i++) f.add('heavy');
    f.add('light'); // true count 16: the counter has overflowed and sticks at 15
    expect(f.counter(0)).toBe(15);
    expect(f.saturated).toBe(1);
    for (let i = 0; i < 15; i++) expect(f.remove('heavy')).toBe(true);
    expect(f.counter(0)).toBe(15);
    expect(f.has('light')).toBe(true);
  });

  test('random add/remove sequences match a multiset model: exact counters and packing, no false negatives', async () => {
    const op = fc.record({ remove: fc.boolean(), key: fc.nat({ max: 9 }) });
    await checkProperty(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 5 }), fc.array(op, { maxLength: 120 }), (cells, hashes, ops) => {
        const f = new CountingBloomFilter(cells, hashes);
        const model = new CountingModel(cells);
        const copies = new Map<string, number>();
        for (const [step, { remove, key: i }] of ops.entries()) {
          const key = `key-${i}`;
          const p = f.positions(key);
          const where = `step ${step}: ${remove ? 'remove' : 'add'} ${key} at [${p}]`;
          if (!remove) {
            f.add(key);
            model.add(p);
            copies.set(key, (copies.get(key) ?? 0) + 1);
          } else if ((copies.get(key) ?? 0) > 0 || model.certainlyAbsent(p)) {
            // Removing a present key, or a key the counters prove absent, is well defined.
            expect(f.remove(key), where).toBe(model.remove(p));
            if ((copies.get(key) ?? 0) > 0) copies.set(key, copies.get(key)! - 1);
          } // else: a false positive; removing it would be the caller's bug, so skip.
          expect(counters(f), where).toEqual(model.counts);
          expect(hex(f.toBytes()), where).toBe(hex(packNibbles(model.counts)));
          expect(f.saturated, where).toBe(model.counts.filter((c) => c === 15).length);
          for (const [k, n] of copies) if (n > 0) expect(f.has(k), `${where}: ${k} has ${n} copies`).toBe(true);
        }
      }),
      { numRuns: 150 },
    );
  });
});
