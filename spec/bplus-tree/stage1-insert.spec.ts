import { describe, expect, it } from 'vitest';
import { BPlusTree } from '#kata/bplus-tree';
import { checkProperty, fc } from '#support/property';
import { forEachSeed } from '#support/seed';
import { checked, counting, modelRuns, numeric, opsArb, prefilled, replay, same, shuffled } from './model.ts';

const ORDERS = [3, 4, 5, 32] as const;

/**
 * Model runs per order. Each run starts from 0..keySpace keys already set (fast-check picks how
 * many), so order 32 starts up to 3 levels deep; small orders split on nearly every insert.
 */
const MODEL_RUNS = [
  { order: 3, keySpace: 40, maxOps: 250, runs: 40 },
  { order: 4, keySpace: 60, maxOps: 250, runs: 40 },
  { order: 5, keySpace: 80, maxOps: 250, runs: 40 },
  { order: 32, keySpace: 4000, maxOps: 1500, runs: 5 },
];

interface Box {
  id: number;
}
const byId = (a: Box, b: Box) => a.id - b.id;

describe('stage 1: search and insert', () => {
  it('an empty tree has size 0, finds nothing and passes checkInvariants', () => {
    const tree = new BPlusTree<number, string>({ order: 4 });
    expect(tree.size).toBe(0);
    expect(tree.get(1)).toBeUndefined();
    tree.checkInvariants();
  });

  it('set then get returns the value; keys never set give undefined', () => {
    const tree = new BPlusTree<number, string>({ order: 4 });
    tree.set(5, 'five');
    tree.set(1, 'one');
    tree.set(9, 'nine');
    expect(tree.size).toBe(3);
    expect([tree.get(1), tree.get(5), tree.get(9)]).toEqual(['one', 'five', 'nine']);
    expect([tree.get(0), tree.get(4), tree.get(10)]).toEqual([undefined, undefined, undefined]);
    tree.checkInvariants();
  });

  it('set on a present key overwrites its value and leaves size alone', () => {
    const tree = new BPlusTree<number, string>({ order: 3 });
    for (let k = 0; k < 20; k++) tree.set(k, `v${k}`);
    tree.set(7, 'seven');
    tree.set(0, 'zero');
    tree.set(19, 'nineteen');
    expect(tree.size).toBe(20);
    expect([tree.get(0), tree.get(7), tree.get(19), tree.get(8)]).toEqual(['zero', 'seven', 'nineteen', 'v8']);
    tree.checkInvariants();
  });

  it('falsy values (0, empty string, false, null, NaN) are stored and returned as given', () => {
    const tree = new BPlusTree<number, unknown>({ order: 3 });
    const values = [0, '', false, null, Number.NaN];
    values.forEach((v, k) => tree.set(k, v));
    expect(tree.size).toBe(values.length);
    values.forEach((v, k) => expect(tree.get(k)).toBe(v));
  });

  for (const order of ORDERS) {
    it(`ascending, descending and shuffled inserts of 600 keys at order ${order} keep every key findable and the invariants after each insert`, async () => {
      await forEachSeed(1, (random) => {
        const keys = Array.from({ length: 600 }, (_, i) => i * 2);
        const patterns = { ascending: keys, descending: [...keys].reverse(), shuffled: shuffled(keys, (lo, hi) => random.int(lo, hi)) };
        for (const [name, sequence] of Object.entries(patterns)) {
          const tree = new BPlusTree<number, number>({ order });
          sequence.forEach((k, i) => {
            tree.set(k, k * 10);
            same(tree.size, i + 1, `${name}: size after ${i + 1} inserts`);
            checked(tree, `${name} inserts, #${i} set(${k})`);
          });
          for (const k of keys) same(tree.get(k), k * 10, `${name}: get(${k})`);
          for (const k of [-1, 1, 599, 1199, 1200]) same(tree.get(k), undefined, `${name}: get(${k}), never set`);
        }
      });
    });
  }

  for (const { order, keySpace, maxOps, runs } of MODEL_RUNS) {
    it(`random set/get sequences at order ${order} agree with a sorted-array model, invariants after every op`, async () => {
      await checkProperty(
        fc.property(fc.nat({ max: keySpace / 2 }), opsArb(keySpace, { set: 6, get: 2 }, maxOps), (prefill, ops) => {
          const { tree, model } = prefilled(order, keySpace, prefill);
          replay(tree, model, ops, { useRange: false, keySpace, fullScanEvery: 100 });
        }),
        modelRuns(runs),
      );
    });
  }

  it('the default order holds 20,000 shuffled keys', async () => {
    await forEachSeed(1, (random) => {
      const keys = shuffled(
        Array.from({ length: 20_000 }, (_, i) => i),
        (lo, hi) => random.int(lo, hi),
      );
      const tree = new BPlusTree<number, number>();
      for (const k of keys) tree.set(k, -k);
      expect(tree.size).toBe(20_000);
      tree.checkInvariants();
      for (let k = 0; k < 20_000; k++) same(tree.get(k), -k, `get(${k})`);
      expect(tree.get(20_000)).toBeUndefined();
    });
  });

  it('orders below 3 and non-integer orders are a RangeError', () => {
    for (const order of [2, 1, 0, -3, 3.5, Number.NaN]) {
      expect(() => new BPlusTree<number, number>({ order }), `order ${order}`).toThrow(RangeError);
    }
    expect(new BPlusTree<number, number>({ order: 3 }).size).toBe(0);
  });

  it('keys are found by compare, not by identity: object keys with a custom compare', () => {
    // `<` on objects is always false: a tree that ignores `compare` cannot find these.
    const tree = new BPlusTree<Box, number>({ order: 4, compare: byId });
    const ids = Array.from({ length: 300 }, (_, i) => (i * 7919) % 300);
    for (const id of ids) tree.set({ id }, id * 3);
    tree.checkInvariants();
    expect(tree.size).toBe(300);
    for (let id = 0; id < 300; id++) same(tree.get({ id }), id * 3, `get({ id: ${id} })`);
    expect(tree.get({ id: 300 })).toBeUndefined();
    tree.set({ id: 42 }, -1);
    expect(tree.size).toBe(300);
    expect(tree.get({ id: 42 })).toBe(-1);
  });

  it('a descending compare works the same way', async () => {
    await checkProperty(
      fc.property(fc.uniqueArray(fc.integer({ min: -1000, max: 1000 }), { maxLength: 300, size: 'max' }), (keys) => {
        const tree = new BPlusTree<number, number>({ order: 3, compare: (a, b) => b - a });
        for (const k of keys) tree.set(k, k + 1);
        tree.checkInvariants();
        expect(tree.size).toBe(keys.length);
        for (const k of keys) same(tree.get(k), k + 1, `get(${k})`);
      }),
      modelRuns(20),
    );
  });

  it('get makes O(log n) comparisons: at most 100 for any of 20,000 keys at order 8', () => {
    const counter = counting(numeric);
    const tree = new BPlusTree<number, number>({ order: 8, compare: counter.compare });
    for (let k = 0; k < 20_000; k++) tree.set((k * 7919) % 20_000, k);
    let worst = 0;
    for (let k = -1; k <= 20_000; k += 13) {
      counter.reset();
      tree.get(k);
      worst = Math.max(worst, counter.calls);
    }
    expect(worst, 'most comparisons one get made').toBeLessThanOrEqual(100);
    expect(worst, 'most comparisons one get made').toBeGreaterThan(0);
  });

  it('checkInvariants throws once a key object is mutated out of order behind the tree', () => {
    for (const position of [0, 1, 150, 298, 299]) {
      const boxes = Array.from({ length: 300 }, (_, id) => ({ id }));
      const tree = new BPlusTree<Box, number>({ order: 4, compare: byId });
      for (const box of shuffled(boxes, (lo, hi) => (lo + hi) >>> 1)) tree.set(box, box.id);
      expect(() => tree.checkInvariants(), 'before the mutation').not.toThrow();
      boxes[position]!.id = position < 150 ? 1000 : -1000;
      expect(() => tree.checkInvariants(), `key at position ${position} moved out of order`).toThrow();
    }
  });

  it('checkInvariants throws once the compare function reverses its order', () => {
    let sign = 1;
    const tree = new BPlusTree<number, number>({ order: 5, compare: (a, b) => sign * (a - b) });
    for (let k = 0; k < 200; k++) tree.set(k, k);
    expect(() => tree.checkInvariants(), 'before the reversal').not.toThrow();
    sign = -1;
    expect(() => tree.checkInvariants(), 'after the reversal').toThrow();
  });
});
