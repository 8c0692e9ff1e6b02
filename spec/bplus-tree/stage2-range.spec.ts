import { describe, expect, it } from 'vitest';
import { BPlusTree } from '#kata/bplus-tree';
import { checkProperty, fc } from '#support/property';
import { forEachSeed } from '#support/seed';
import { counting, modelRuns, numeric, opsArb, prefilled, replay, sameEntries, shuffled, SortedArrayModel } from './model.ts';

const ORDERS = [3, 4, 5, 32] as const;

const MODEL_RUNS = [
  { order: 3, keySpace: 40, maxOps: 250, runs: 30 },
  { order: 4, keySpace: 60, maxOps: 250, runs: 30 },
  { order: 5, keySpace: 80, maxOps: 250, runs: 30 },
  { order: 32, keySpace: 3000, maxOps: 1500, runs: 5 },
];

/** Keys 0, 2, 4, ..., 2(n-1) inserted in a scrambled order; value = key * 10. */
function evens(n: number, order: number): BPlusTree<number, number> {
  const tree = new BPlusTree<number, number>({ order });
  for (let i = 0; i < n; i++) {
    const k = ((i * 7919) % n) * 2;
    tree.set(k, k * 10);
  }
  return tree;
}

const entries = (keys: number[]) => keys.map((k): [number, number] => [k, k * 10]);
const evensBetween = (lo: number, hi: number) => {
  const out: number[] = [];
  for (let k = lo + (lo % 2 === 0 ? 0 : 1); k <= hi; k += 2) out.push(k);
  return out;
};

describe('stage 2: range scans', () => {
  for (const order of ORDERS) {
    it(`range() with no bounds yields every entry in ascending order at order ${order}`, async () => {
      await forEachSeed(1, (random) => {
        const keys = Array.from({ length: 1000 }, (_, i) => i * 3);
        const tree = new BPlusTree<number, number>({ order });
        for (const k of shuffled(keys, (lo, hi) => random.int(lo, hi))) tree.set(k, k * 10);
        expect([...tree.range()]).toEqual(entries(keys));
      });
    });
  }

  it('both bounds are inclusive', () => {
    const tree = evens(100, 4);
    expect([...tree.range(10, 20)]).toEqual(entries([10, 12, 14, 16, 18, 20]));
    expect([...tree.range(0, 0)]).toEqual(entries([0]));
    expect([...tree.range(198, 198)]).toEqual(entries([198]));
    expect([...tree.range(0, 198)]).toEqual(entries(evensBetween(0, 198)));
  });

  it('bounds that are not keys: the range holds the keys between them', () => {
    const tree = evens(100, 4);
    expect([...tree.range(11, 19)]).toEqual(entries([12, 14, 16, 18]));
    expect([...tree.range(-5, 3)]).toEqual(entries([0, 2]));
    expect([...tree.range(195, 1000)]).toEqual(entries([196, 198]));
  });

  it('a missing bound is open: range(lo) runs to the end, range(undefined, hi) from the start', () => {
    const tree = evens(100, 3);
    expect([...tree.range(190)]).toEqual(entries([190, 192, 194, 196, 198]));
    expect([...tree.range(191)]).toEqual(entries([192, 194, 196, 198]));
    expect([...tree.range(undefined, 8)]).toEqual(entries([0, 2, 4, 6, 8]));
    expect([...tree.range(undefined, 7)]).toEqual(entries([0, 2, 4, 6]));
  });

  it('empty ranges: lo above hi, a gap between keys, past either end, and an empty tree', () => {
    const tree = evens(100, 3);
    expect([...tree.range(20, 10)]).toEqual([]);
    expect([...tree.range(11, 11)]).toEqual([]);
    expect([...tree.range(199, 500)]).toEqual([]);
    expect([...tree.range(-10, -1)]).toEqual([]);
    expect([...tree.range(1000)]).toEqual([]);
    expect([...tree.range(undefined, -1)]).toEqual([]);
    const empty = new BPlusTree<number, number>({ order: 3 });
    expect([...empty.range()]).toEqual([]);
    expect([...empty.range(1, 5)]).toEqual([]);
  });

  it('every (lo, hi) pair over a small order-3 tree matches the model, including starts past the end of a leaf', () => {
    const tree = evens(21, 3); // keys 0..40, many 1- and 2-key leaves
    const model = new SortedArrayModel<number, number>(numeric);
    for (const k of evensBetween(0, 40)) model.set(k, k * 10);
    for (let lo = -1; lo <= 42; lo++) {
      for (let hi = -1; hi <= 42; hi++) sameEntries([...tree.range(lo, hi)], model.range(lo, hi), `range(${lo}, ${hi})`);
      sameEntries([...tree.range(lo)], model.range(lo), `range(${lo})`);
      sameEntries([...tree.range(undefined, lo)], model.range(undefined, lo), `range(undefined, ${lo})`);
    }
  });

  for (const { order, keySpace, maxOps, runs } of MODEL_RUNS) {
    it(`random set/get/range sequences at order ${order} agree with a sorted-array model, invariants after every op`, async () => {
      await checkProperty(
        fc.property(fc.nat({ max: keySpace / 2 }), opsArb(keySpace, { set: 6, get: 1, range: 2 }, maxOps), (prefill, ops) => {
          const { tree, model } = prefilled(order, keySpace, prefill);
          replay(tree, model, ops, { fullScanEvery: order > 5 ? 50 : 1 });
        }),
        modelRuns(runs),
      );
    });
  }

  it('range() is lazy: taking 5 entries of range(5000, 15000) from 20,000 keys makes O(log n) comparisons, not a scan', () => {
    const counter = counting(numeric);
    const tree = new BPlusTree<number, number>({ order: 8, compare: counter.compare });
    for (let k = 0; k < 20_000; k++) tree.set((k * 7919) % 20_000, k);
    counter.reset();
    const it = tree.range(5000, 15_000);
    const first = [it.next(), it.next(), it.next(), it.next(), it.next()].map((r) => r.value?.[0]);
    expect(first).toEqual([5000, 5001, 5002, 5003, 5004]);
    expect(counter.calls, 'comparisons for range() and 5 next() calls').toBeLessThanOrEqual(120);
  });

  it('the iterator is its own iterable, can be left early, and stays done once done', () => {
    const tree = evens(50, 4);
    const it = tree.range(10, 14);
    expect(it[Symbol.iterator]()).toBe(it);
    expect(Array.from(it)).toEqual(entries([10, 12, 14]));
    expect(it.next().done).toBe(true);
    expect(it.next().done).toBe(true);
    const taken: number[] = [];
    for (const [k] of tree.range(20)) {
      if (k > 26) break;
      taken.push(k);
    }
    expect(taken).toEqual([20, 22, 24, 26]);
    // Two iterators over the same tree do not share a position.
    const a = tree.range(0, 4);
    const b = tree.range(0, 4);
    expect([a.next().value, a.next().value, b.next().value]).toEqual(entries([0, 2, 0]));
  });

  it('a custom compare orders the scan, and bounds follow that order: descending numbers', () => {
    const tree = new BPlusTree<number, string>({ order: 3, compare: (a, b) => b - a });
    for (let k = 0; k < 100; k++) tree.set((k * 37) % 100, `v${(k * 37) % 100}`);
    const keys = (it: Iterable<[number, string]>) => [...it].map(([k]) => k);
    expect(keys(tree.range())).toEqual(Array.from({ length: 100 }, (_, i) => 99 - i));
    expect(keys(tree.range(60, 55))).toEqual([60, 59, 58, 57, 56, 55]);
    expect(keys(tree.range(55, 60))).toEqual([]);
    expect(keys(tree.range(2))).toEqual([2, 1, 0]);
    expect(keys(tree.range(undefined, 97))).toEqual([99, 98, 97]);
  });

  it('the default compare orders strings by UTF-16 code unit', () => {
    const tree = new BPlusTree<string, number>({ order: 3 });
    ['b', 'B', 'aa', 'a', 'A', 'ab', ''].forEach((k, i) => tree.set(k, i));
    expect([...tree.range()].map(([k]) => k)).toEqual(['', 'A', 'B', 'a', 'aa', 'ab', 'b']);
  });

  it('with a case-insensitive collator, keys equal under compare share one entry and the first stored key is kept', () => {
    const collator = new Intl.Collator('en', { sensitivity: 'base' });
    const tree = new BPlusTree<string, number>({ order: 3, compare: collator.compare });
    tree.set('apple', 1);
    tree.set('Banana', 2);
    tree.set('APPLE', 3);
    tree.set('cherry', 4);
    tree.set('banana', 5);
    expect(tree.size).toBe(3);
    expect(tree.get('Apple')).toBe(3);
    expect([...tree.range()]).toEqual([
      ['apple', 3],
      ['Banana', 5],
      ['cherry', 4],
    ]);
    expect([...tree.range('BANANA', 'CHERRY')].map(([k]) => k)).toEqual(['Banana', 'cherry']);
  });
});
