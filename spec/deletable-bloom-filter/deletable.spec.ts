import { describe, expect, test } from 'vitest';
import { DeletableBloomFilter } from '#kata/deletable-bloom-filter';
import { checkProperty, fc } from '#support/property';
import { findKey } from './helpers.ts';

/**
 * The DlBF, bit by bit, driven by the positions the filter under test reports. Regions are computed
 * here from the definition (bit i is in region floor(i / (bits / regions))), not from regionOf.
 */
class DlbfModel {
  readonly bits: boolean[];
  readonly collided: boolean[];
  readonly size: number;
  constructor(bits: number, regions: number) {
    this.bits = new Array<boolean>(bits).fill(false);
    this.collided = new Array<boolean>(regions).fill(false);
    this.size = bits / regions;
  }
  region(bit: number): number {
    return Math.floor(bit / this.size);
  }
  add(positions: number[]): void {
    for (const p of positions) {
      if (this.bits[p]) this.collided[this.region(p)] = true;
      else this.bits[p] = true;
    }
  }
  present(positions: number[]): boolean {
    return positions.every((p) => this.bits[p]);
  }
  remove(positions: number[]): boolean {
    if (!this.present(positions)) return false;
    let reset = false;
    for (const p of positions) {
      if (!this.collided[this.region(p)]) {
        this.bits[p] = false;
        reset = true;
      }
    }
    return reset;
  }
}

function bitsOf(f: DeletableBloomFilter): boolean[] {
  return Array.from({ length: f.bits }, (_, i) => f.bitAt(i));
}

function collidedOf(f: DeletableBloomFilter): boolean[] {
  return Array.from({ length: f.regions }, (_, j) => f.isCollided(j));
}

describe('stage 2: deletable filter', () => {
  test('the constructor rejects bad bits, hashes and regions with a RangeError', () => {
    for (const [bits, hashes, regions] of [
      [0, 3, 1],
      [-64, 3, 4],
      [64.5, 3, 4],
      [Number.NaN, 3, 4],
      [2 ** 32 + 1, 3, 1],
      [64, 0, 4],
      [64, 33, 4],
      [64, 1.5, 4],
      [64, 3, 0],
      [64, 3, -4],
      [64, 3, 2.5],
      [64, 3, 128], // more regions than bits
      [64, 3, 6], // 6 does not divide 64
      [100, 3, 8],
    ] as const) {
      expect(() => new DeletableBloomFilter(bits, hashes, regions), `bits=${bits} hashes=${hashes} regions=${regions}`).toThrow(RangeError);
    }
    const f = new DeletableBloomFilter(96, 4, 12);
    expect([f.bits, f.hashes, f.regions, f.regionSize]).toEqual([96, 4, 12, 8]);
  });

  test('positions() gives `hashes` integers in [0, bits), the same for the same key and for its UTF-8 bytes', () => {
    const f = new DeletableBloomFilter(999, 6, 9);
    for (const key of ['', 'b', 'bob', 'ünïcödé ✓', 'y'.repeat(500)]) {
      const p = f.positions(key);
      expect(p).toHaveLength(6);
      for (const i of p) expect(Number.isInteger(i) && i >= 0 && i < 999, `index ${i} of "${key}"`).toBe(true);
      expect(f.positions(key)).toEqual(p);
      expect(f.positions(new TextEncoder().encode(key)), `bytes of "${key}"`).toEqual(p);
    }
  });

  test('regionOf(i) is floor(i / (bits / regions)) for every bit', () => {
    for (const [bits, regions] of [
      [1000, 8],
      [1024, 64],
      [4096, 16],
      [96, 96],
      [50, 1],
      [210, 7],
    ] as const) {
      const f = new DeletableBloomFilter(bits, 3, regions);
      const size = bits / regions;
      expect(f.regionSize).toBe(size);
      const got = Array.from({ length: bits }, (_, i) => f.regionOf(i));
      const want = Array.from({ length: bits }, (_, i) => Math.floor(i / size));
      expect(got, `bits=${bits} regions=${regions}`).toEqual(want);
    }
  });

  test('regionOf, bitAt and isCollided reject out-of-range arguments with a RangeError', () => {
    const f = new DeletableBloomFilter(40, 2, 5);
    for (const i of [-1, 40, 2.5, Number.NaN]) {
      expect(() => f.regionOf(i), `regionOf(${i})`).toThrow(RangeError);
      expect(() => f.bitAt(i), `bitAt(${i})`).toThrow(RangeError);
    }
    for (const j of [-1, 5, 0.5]) expect(() => f.isCollided(j), `isCollided(${j})`).toThrow(RangeError);
    expect([f.regionOf(39), f.bitAt(39), f.isCollided(4)]).toEqual([4, false, false]);
  });

  test('an empty filter has no bit set, no collided region and reports every key absent', () => {
    const f = new DeletableBloomFilter(128, 3, 16);
    expect(bitsOf(f).some(Boolean)).toBe(false);
    expect(collidedOf(f).some(Boolean)).toBe(false);
    expect(f.collidedRegions).toBe(0);
    for (let i = 0; i < 50; i++) {
      expect(f.has(`nobody-${i}`)).toBe(false);
      expect(f.isDeletable(`nobody-${i}`)).toBe(false);
    }
  });

  test('add sets exactly the key’s bits; into an empty filter it marks no region when its bits differ', () => {
    const f = new DeletableBloomFilter(256, 5, 32);
    const key = findKey('fresh-', (k) => new Set(f.positions(k)).size === 5);
    f.add(key);
    const expected = new Array<boolean>(256).fill(false);
    for (const p of f.positions(key)) expected[p] = true;
    expect(bitsOf(f)).toEqual(expected);
    expect(f.collidedRegions).toBe(0);
    expect(f.has(key)).toBe(true);
    expect(f.isDeletable(key)).toBe(true);
  });

  test('adding a key whose bit is already set marks that bit’s region collided, and only such regions', () => {
    const f = new DeletableBloomFilter(240, 4, 24);
    const size = 10;
    const a = findKey('first-', (k) => new Set(f.positions(k)).size === 4);
    const aBits = new Set(f.positions(a));
    // b shares exactly one bit with a, and its other bits sit in regions a does not touch.
    const b = findKey('second-', (k) => {
      const p = f.positions(k);
      if (new Set(p).size !== 4) return false;
      const shared = p.filter((i) => aBits.has(i));
      const aRegions = new Set([...aBits].map((i) => Math.floor(i / size)));
      return shared.length === 1 && p.filter((i) => !aBits.has(i)).every((i) => !aRegions.has(Math.floor(i / size)));
    });
    f.add(a);
    expect(f.collidedRegions).toBe(0);
    f.add(b);
    const shared = f.positions(b).find((i) => aBits.has(i))!;
    const expected = new Array<boolean>(24).fill(false);
    expected[Math.floor(shared / size)] = true;
    expect(collidedOf(f)).toEqual(expected);
    expect(f.collidedRegions).toBe(1);
  });

  test('a key that lists the same bit twice spoils that bit’s region by itself', () => {
    // 8 hashes over 6 bits: some bit must repeat.
    const f = new DeletableBloomFilter(6, 8, 3);
    const key = 'repeats';
    const p = f.positions(key);
    const expected = [false, false, false];
    p.forEach((bit, i) => {
      if (p.indexOf(bit) < i) expected[Math.floor(bit / 2)] = true;
    });
    f.add(key);
    expect(collidedOf(f), `positions [${p}]`).toEqual(expected);
  });

  test('adding the same key twice makes it undeletable: remove returns false and the key stays', () => {
    const f = new DeletableBloomFilter(512, 4, 64);
    f.add('twice');
    f.add('twice');
    for (const p of f.positions('twice')) expect(f.isCollided(f.regionOf(p))).toBe(true);
    expect(f.isDeletable('twice')).toBe(false);
    expect(f.remove('twice')).toBe(false);
    expect(f.has('twice')).toBe(true);
  });

  test('remove resets only the bits in collision-free regions, and the key sharing a bit stays present', () => {
    const f = new DeletableBloomFilter(240, 4, 24);
    const size = 10;
    const a = findKey('left-', (k) => new Set(f.positions(k)).size === 4);
    const aBits = new Set(f.positions(a));
    const aRegions = new Set([...aBits].map((i) => Math.floor(i / size)));
    // b shares one bit with a; a keeps at least one bit in a region b does not touch.
    const b = findKey('right-', (k) => {
      const p = f.positions(k);
      const bRegions = new Set(p.map((i) => Math.floor(i / size)));
      return p.filter((i) => aBits.has(i)).length === 1 && [...aRegions].some((r) => !bRegions.has(r));
    });
    f.add(a);
    f.add(b);
    const shared = f.positions(b).find((i) => aBits.has(i))!;
    const before = bitsOf(f);
    expect(f.isDeletable(a)).toBe(true);
    expect(f.remove(a)).toBe(true);
    expect(f.has(a)).toBe(false);
    expect(f.bitAt(shared), `shared bit ${shared} sits in a collided region`).toBe(true);
    expect(f.has(b)).toBe(true);
    const expected = before.slice();
    for (const p of aBits) if (!f.isCollided(Math.floor(p / size))) expected[p] = false;
    expect(bitsOf(f)).toEqual(expected);
  });

  test('remove of a certainly-absent key returns false and changes no bit', () => {
    const f = new DeletableBloomFilter(128, 4, 16);
    f.add('present');
    const set = new Set(f.positions('present'));
    const absent = findKey('absent-', (k) => {
      const p = f.positions(k);
      return p.some((i) => set.has(i)) && p.some((i) => !set.has(i));
    });
    const before = bitsOf(f);
    expect(f.has(absent)).toBe(false);
    expect(f.remove(absent)).toBe(false);
    expect(bitsOf(f)).toEqual(before);
    expect(f.has('present')).toBe(true);
  });

  test('random add/remove sequences match the DlBF model bit for bit; no key that was not deleted goes missing', async () => {
    const op = fc.record({ remove: fc.boolean(), key: fc.nat({ max: 11 }) });
    await checkProperty(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 5 }),
        fc.array(op, { maxLength: 80 }),
        (regions, regionSize, hashes, ops) => {
          const bits = regions * regionSize;
          const f = new DeletableBloomFilter(bits, hashes, regions);
          const model = new DlbfModel(bits, regions);
          const present = new Set<string>();
          for (const [step, { remove, key: i }] of ops.entries()) {
            const key = `key-${i}`;
            const p = f.positions(key);
            const where = `bits=${bits} regions=${regions} step ${step}: ${remove ? 'remove' : 'add'} ${key} at [${p}]`;
            if (!remove) {
              f.add(key);
              model.add(p);
              present.add(key);
            } else if (present.has(key) || !model.present(p)) {
              const deletable = model.present(p) && p.some((b) => !model.collided[model.region(b)]);
              expect(f.isDeletable(key), where).toBe(deletable);
              const removed = model.remove(p);
              expect(f.remove(key), where).toBe(removed);
              if (removed) {
                present.delete(key);
                expect(f.has(key), `${where}: deleted, must report absent`).toBe(false);
              }
            } // else: a false positive; removing it would be the caller's bug, so skip.
            expect(bitsOf(f), where).toEqual(model.bits);
            expect(collidedOf(f), where).toEqual(model.collided);
            expect(f.collidedRegions, where).toBe(model.collided.filter(Boolean).length);
            for (const k of present) expect(f.has(k), `${where}: ${k} was not deleted`).toBe(true);
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
