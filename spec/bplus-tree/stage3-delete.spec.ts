import { describe, expect, it } from 'vitest';
import { BPlusTree } from '#kata/bplus-tree';
import { checkProperty, fc } from '#support/property';
import { forEachSeed } from '#support/seed';
import { checked, modelRuns, numeric, type Op, opsArb, prefilled, replay, same, sameContent, shuffled, SortedArrayModel } from './model.ts';

const ORDERS = [3, 4, 5, 32] as const;

/**
 * Each run starts from half to all of the key space already set (fast-check picks how many); with
 * set:delete weighted 4:5 the tree then shrinks while it keeps splitting and merging. Order 32
 * needs thousands of keys to be three levels deep; random interleaved ops at that order rarely
 * merge internal nodes, which is what the delete-everything test below is for.
 */
const MODEL_RUNS = [
  { order: 3, keySpace: 40, maxOps: 300, runs: 30 },
  { order: 4, keySpace: 60, maxOps: 300, runs: 30 },
  { order: 5, keySpace: 80, maxOps: 300, runs: 30 },
  { order: 32, keySpace: 2000, maxOps: 2500, runs: 5 },
];

function filled(order: number, keys: number[]): { tree: BPlusTree<number, number>; model: SortedArrayModel<number, number> } {
  const tree = new BPlusTree<number, number>({ order });
  const model = new SortedArrayModel<number, number>(numeric);
  for (const k of keys) {
    tree.set(k, k * 10);
    model.set(k, k * 10);
  }
  return { tree, model };
}

describe('stage 3: delete', () => {
  it('delete returns true for a present key and false for an absent one, and size follows', () => {
    const { tree } = filled(4, [1, 2, 3, 4, 5, 6, 7, 8]);
    expect(tree.delete(4)).toBe(true);
    expect(tree.size).toBe(7);
    expect(tree.get(4)).toBeUndefined();
    expect(tree.delete(4)).toBe(false);
    expect(tree.delete(100)).toBe(false);
    expect(tree.delete(0)).toBe(false);
    expect(tree.size).toBe(7);
    expect([tree.get(3), tree.get(5)]).toEqual([30, 50]);
    tree.checkInvariants();
  });

  it('delete on an empty tree returns false and leaves it valid', () => {
    const tree = new BPlusTree<number, number>({ order: 3 });
    expect(tree.delete(1)).toBe(false);
    expect(tree.size).toBe(0);
    tree.checkInvariants();
  });

  for (const order of ORDERS) {
    // Order 32 needs ~1,000 keys for three levels; 3,000 makes every level borrow, merge and shrink.
    const n = order > 5 ? 3000 : 400;
    it(`deleting all ${n} keys in ascending, descending and random order at order ${order} keeps the invariants after each delete and leaves an empty, reusable tree`, async () => {
      await forEachSeed(1, (random) => {
        const keys = Array.from({ length: n }, (_, i) => i);
        const insertOrder = shuffled(keys, (lo, hi) => random.int(lo, hi));
        const deleteOrders = { ascending: keys, descending: [...keys].reverse(), random: shuffled(keys, (lo, hi) => random.int(lo, hi)) };
        for (const [name, sequence] of Object.entries(deleteOrders)) {
          const { tree, model } = filled(order, insertOrder);
          sequence.forEach((k, i) => {
            const where = `${name} deletes, #${i} delete(${k})`;
            same(tree.delete(k), true, `${where}: its result`);
            model.delete(k);
            same(tree.size, n - i - 1, `${where}: size`);
            checked(tree, where);
            same(tree.get(k), undefined, `${where}: get(${k}) afterwards`);
            if (i % 50 === 0) sameContent(tree, model, where);
          });
          expect([...tree.range()], `${name}: scan of the emptied tree`).toEqual([]);
          for (const k of [5, 1, 9, 3]) tree.set(k, -k);
          tree.checkInvariants();
          expect([...tree.range()], `${name}: the emptied tree takes new keys`).toEqual([
            [1, -1],
            [3, -3],
            [5, -5],
            [9, -9],
          ]);
        }
      });
    });
  }

  for (const { order, keySpace, maxOps, runs } of MODEL_RUNS) {
    it(`random set/delete/get/range sequences at order ${order} agree with a sorted-array model, invariants after every op`, async () => {
      await checkProperty(
        fc.property(fc.integer({ min: keySpace / 2, max: keySpace }), opsArb(keySpace, { set: 4, delete: 5, get: 1, range: 1 }, maxOps), (prefill, ops) => {
          const { tree, model } = prefilled(order, keySpace, prefill);
          replay(tree, model, ops, { fullScanEvery: order > 5 ? 50 : 1 });
        }),
        modelRuns(runs),
      );
    });
  }

  it('a tree grown by random ops and then emptied in random order agrees with the model all the way down (orders 3 to 6)', async () => {
    await checkProperty(
      fc.property(
        fc.integer({ min: 3, max: 6 }),
        opsArb(80, { set: 3, delete: 1 }, 300),
        fc.infiniteStream(fc.nat()),
        (order, ops, picks) => {
          const tree = new BPlusTree<number, number>({ order });
          const model = new SortedArrayModel<number, number>(numeric);
          replay(tree, model, ops);
          const left = shuffled(
            model.entries.map(([k]) => k),
            (lo, hi) => lo + (picks.next().value! % (hi - lo + 1)),
          );
          replay(
            tree,
            model,
            left.map((key): Op => ({ kind: 'delete', key })),
          );
          expect(tree.size).toBe(0);
        },
      ),
      modelRuns(40),
    );
  });

  it('keys are deleted by compare, not by identity: object keys', () => {
    const byId = (a: { id: number }, b: { id: number }) => a.id - b.id;
    const tree = new BPlusTree<{ id: number }, number>({ order: 3, compare: byId });
    for (let id = 0; id < 100; id++) tree.set({ id }, id);
    for (let id = 0; id < 100; id += 2) expect(tree.delete({ id }), `delete({ id: ${id} })`).toBe(true);
    expect(tree.delete({ id: 0 })).toBe(false);
    tree.checkInvariants();
    expect(tree.size).toBe(50);
    expect([...tree.range()].map(([k]) => k.id)).toEqual(Array.from({ length: 50 }, (_, i) => 2 * i + 1));
  });

  it('delete under a descending compare keeps the scan in that order', () => {
    const compare = (a: number, b: number) => b - a;
    const tree = new BPlusTree<number, number>({ order: 4, compare });
    const model = new SortedArrayModel<number, number>(compare);
    for (let k = 0; k < 200; k++) {
      tree.set(k, k);
      model.set(k, k);
    }
    for (let k = 0; k < 200; k += 3) {
      expect(tree.delete(k)).toBe(model.delete(k));
      tree.checkInvariants();
    }
    expect([...tree.range()]).toEqual(model.entries);
    expect([...tree.range(150, 140)].map(([k]) => k)).toEqual([149, 148, 146, 145, 143, 142, 140]);
  });
});
