import { describe, expect, it } from 'vitest';
import { BPlusTree } from '#kata/bplus-tree';
import { checkProperty, fc } from '#support/property';
import { counting, modelRuns, numeric, opsArb, replay, same, sameEntries, SortedArrayModel } from './model.ts';

/** [0, 0], [2, 20], [4, 40], ...: n sorted entries with gaps between keys. */
const sortedEntries = (n: number) => Array.from({ length: n }, (_, i): [number, number] => [2 * i, 20 * i]);

function expectHolds(tree: BPlusTree<number, number>, expected: [number, number][], where: string): void {
  tree.checkInvariants();
  same(tree.size, expected.length, `${where}: size`);
  sameEntries([...tree.range()], expected, `${where}: full scan`);
  for (const [k, v] of expected) same(tree.get(k), v, `${where}: get(${k})`);
  same(tree.get(-1), undefined, `${where}: get(-1)`);
  same(tree.get(2 * expected.length + 1), undefined, `${where}: get past the end`);
}

describe('stage 4: bulk load', () => {
  for (const order of [3, 4, 5]) {
    it(`fromSorted builds a valid tree of every size from 0 to 150 at order ${order}`, () => {
      for (let n = 0; n <= 150; n++) {
        const input = sortedEntries(n);
        expectHolds(BPlusTree.fromSorted(input, { order }), input, `order ${order}, ${n} entries`);
      }
    });
  }

  it('fromSorted builds a valid tree at order 32 for sizes around leaf and level boundaries', () => {
    // Leaves hold 16..31 entries, internal nodes 16..32 children: test one below, at and one above each step.
    const sizes = new Set<number>();
    for (const edge of [1, 16, 31, 32, 62, 63, 31 * 32, 31 * 33, 31 * 32 * 32, 31 * 32 * 33]) {
      for (let d = -1; d <= 1; d++) if (edge + d >= 0) sizes.add(edge + d);
    }
    for (const n of sizes) {
      const input = sortedEntries(n);
      expectHolds(BPlusTree.fromSorted(input, { order: 32 }), input, `order 32, ${n} entries`);
    }
  });

  it('fromSorted with the default order builds a valid tree of 50,000 entries', () => {
    const input = sortedEntries(50_000);
    const tree = BPlusTree.fromSorted(input);
    tree.checkInvariants();
    expect(tree.size).toBe(50_000);
    expect([...tree.range(99_990)]).toEqual(input.slice(49_995));
    for (let i = 0; i < 50_000; i++) same(tree.get(2 * i), 20 * i, `get(${2 * i})`);
  });

  it('fromSorted throws a RangeError on unsorted input', () => {
    expect(() => BPlusTree.fromSorted([[1, 1], [3, 3], [2, 2]], { order: 4 })).toThrow(RangeError);
    expect(() => BPlusTree.fromSorted([[2, 0], [1, 0]])).toThrow(RangeError);
    const late = [...sortedEntries(500), [3, 0] as [number, number]];
    expect(() => BPlusTree.fromSorted(late, { order: 5 })).toThrow(RangeError);
  });

  it('fromSorted throws a RangeError on duplicate keys, equal under compare counts as duplicate', () => {
    expect(() => BPlusTree.fromSorted([[1, 'a'], [2, 'b'], [2, 'c'], [3, 'd']], { order: 4 })).toThrow(RangeError);
    const collator = new Intl.Collator('en', { sensitivity: 'base' });
    expect(() => BPlusTree.fromSorted([['a', 1], ['A', 2]], { compare: collator.compare })).toThrow(RangeError);
  });

  it('fromSorted rejects an order below 3 with a RangeError', () => {
    expect(() => BPlusTree.fromSorted(sortedEntries(10), { order: 2 })).toThrow(RangeError);
  });

  it('fromSorted takes any iterable and leaves an input array as it was', () => {
    function* gen(): Generator<[number, number]> {
      for (let i = 0; i < 100; i++) yield [2 * i, 20 * i];
    }
    expectHolds(BPlusTree.fromSorted(gen(), { order: 4 }), sortedEntries(100), 'from a generator');
    const input = sortedEntries(100);
    const copy = structuredClone(input);
    const tree = BPlusTree.fromSorted(input, { order: 4 });
    tree.set(1, 1);
    tree.delete(0);
    expect(input, 'the input array after building and editing the tree').toEqual(copy);
  });

  it('fromSorted honours a custom compare: entries sorted descending under a descending compare', () => {
    const input = Array.from({ length: 200 }, (_, i): [number, string] => [199 - i, `v${199 - i}`]);
    const tree = BPlusTree.fromSorted(input, { order: 3, compare: (a, b) => b - a });
    tree.checkInvariants();
    expect([...tree.range()]).toEqual(input);
    expect([...tree.range(10, 7)].map(([k]) => k)).toEqual([10, 9, 8, 7]);
    expect(() => BPlusTree.fromSorted([[1, ''], [2, '']], { compare: (a, b) => b - a })).toThrow(RangeError);
  });

  it('fromSorted works bottom-up in O(n): fewer than 2 comparisons per entry for 20,000 entries, where inserting one by one costs n·log n', () => {
    const counter = counting(numeric);
    const tree = BPlusTree.fromSorted(sortedEntries(20_000), { order: 8, compare: counter.compare });
    expect(counter.calls, 'comparisons made by fromSorted').toBeLessThan(40_000);
    expect(tree.size).toBe(20_000);
  });

  for (const order of [3, 4, 5, 32]) {
    it(`a bulk-loaded tree at order ${order} then takes random set/delete/get/range ops like any other, agreeing with the model`, async () => {
      const keySpace = order > 5 ? 3000 : 80;
      await checkProperty(
        fc.property(
          fc.uniqueArray(fc.integer({ min: 0, max: keySpace - 1 }), { maxLength: keySpace, size: 'max' }),
          opsArb(keySpace, { set: 4, delete: 5, get: 1, range: 1 }, order > 5 ? 1500 : 200),
          (keys, ops) => {
            const input = [...keys].sort(numeric).map((k): [number, number] => [k, -k]);
            const tree = BPlusTree.fromSorted(input, { order });
            const model = new SortedArrayModel<number, number>(numeric);
            for (const [k, v] of input) model.set(k, v);
            tree.checkInvariants();
            sameEntries([...tree.range()], model.entries, 'the bulk-loaded tree');
            replay(tree, model, ops, { fullScanEvery: order > 5 ? 50 : 1 });
          },
        ),
        modelRuns(order > 5 ? 5 : 30),
      );
    });
  }
});
