/**
 * `npm run bench bplus-tree`: the B+ tree beside `sorted-btree` (a widely used B+ tree for JS) on
 * the same 200k random integer keys, in one process. The first case of each table is the kata's
 * tree; the ratio column is kata ops/s ÷ peer ops/s (above 1: the kata is faster).
 *
 * Goals: get >= 1.2×, set and range >= 1.0× sorted-btree. Each tree runs with its own default
 * node size (sorted-btree: 32; the reference solution: order 128).
 *
 * On a shared or busy machine the numbers move by 10–30% between runs; the cases of each table are
 * measured in interleaved rounds, so their ratio is steadier than their ops/s.
 */
import BTreeImport from 'sorted-btree';
import { bulkLoad } from 'sorted-btree/extended/bulkLoad';
import { BPlusTree } from '#kata/bplus-tree';
import { compare } from '#support/bench';
import { Random } from '#support/seed';

// sorted-btree is CommonJS with `exports.default`; Node's ESM loader may hand over module.exports.
const BTree = (BTreeImport as unknown as { default?: typeof BTreeImport }).default ?? BTreeImport;

const N = 200_000;
const BATCH = 1000;
const SCAN = 100;
const random = new Random(20_240_601);

// N distinct random integers in random order, and the same keys sorted.
const seen = new Set<number>();
while (seen.size < N) seen.add(random.int(0, 2 ** 31 - 1));
const keys = [...seen];
const sorted = [...keys].sort((a, b) => a - b);

const ours = new BPlusTree<number, number>();
const theirs = new BTree<number, number>();
for (const k of keys) {
  ours.set(k, k);
  theirs.set(k, k);
}

// Precomputed random picks, so both trees see the same operations and the RNG is not measured.
const picks = Array.from({ length: 1 << 16 }, () => keys[random.int(0, N - 1)]!);
const starts = Array.from({ length: 1 << 12 }, () => random.int(0, N - SCAN));
let p = 0;
let s = 0;

console.log(`B+ tree vs sorted-btree, ${N.toLocaleString('en')} random integer keys, node ${process.version}`);

const results: Record<string, number> = {};
// compare() reports the first case's ops/s over each other case's: kata ÷ peer.
const ratio = (title: string, rows: { ratio: number }[]) => (results[title] = rows[1]!.ratio);

ratio(
  'get',
  compare(
    `get (batches of ${BATCH} random present keys)`,
    [
      {
        name: 'bplus-tree',
        fn: () => {
          let sum = 0;
          for (let i = 0; i < BATCH; i++) sum += ours.get(picks[p++ & 0xffff]!)!;
          return sum;
        },
      },
      {
        name: 'sorted-btree',
        fn: () => {
          let sum = 0;
          for (let i = 0; i < BATCH; i++) sum += theirs.get(picks[p++ & 0xffff]!)!;
          return sum;
        },
      },
    ],
    { opsPerCall: BATCH },
  ),
);

ratio(
  'set (insert)',
  compare(
    `set: insert all ${N.toLocaleString('en')} keys into an empty tree`,
    [
      {
        name: 'bplus-tree',
        fn: () => {
          const t = new BPlusTree<number, number>();
          for (let i = 0; i < N; i++) t.set(keys[i]!, i);
          return t.size;
        },
      },
      {
        name: 'sorted-btree',
        fn: () => {
          const t = new BTree<number, number>();
          for (let i = 0; i < N; i++) t.set(keys[i]!, i);
          return t.size;
        },
      },
    ],
    { opsPerCall: N, minMs: 3000 },
  ),
);

ratio(
  'set (overwrite)',
  compare(
    `set: overwrite (batches of ${BATCH} random present keys)`,
    [
      {
        name: 'bplus-tree',
        fn: () => {
          for (let i = 0; i < BATCH; i++) ours.set(picks[p++ & 0xffff]!, i);
        },
      },
      {
        name: 'sorted-btree',
        fn: () => {
          for (let i = 0; i < BATCH; i++) theirs.set(picks[p++ & 0xffff]!, i);
        },
      },
    ],
    { opsPerCall: BATCH },
  ),
);

// A scan of SCAN consecutive keys from a random start; sorted-btree through its callback API
// (forRange, its fastest) and through its iterator (entries(lo), the same shape as range()).
const scanRows = compare(
  `range: scans of ${SCAN} consecutive keys from random starts (ops = scans)`,
  [
    {
      name: 'bplus-tree range()',
      fn: () => {
        const at = starts[s++ & 0xfff]!;
        let sum = 0;
        for (const [, v] of ours.range(sorted[at]!, sorted[at + SCAN - 1]!)) sum += v;
        return sum;
      },
    },
    {
      name: 'sorted-btree forRange()',
      fn: () => {
        const at = starts[s++ & 0xfff]!;
        let sum = 0;
        theirs.forRange(sorted[at]!, sorted[at + SCAN - 1]!, true, (_k, v) => {
          sum += v;
        });
        return sum;
      },
    },
    {
      name: 'sorted-btree entries()',
      fn: () => {
        const at = starts[s++ & 0xfff]!;
        const hi = sorted[at + SCAN - 1]!;
        let sum = 0;
        for (const [k, v] of theirs.entries(sorted[at]!)) {
          if (k > hi) break;
          sum += v;
        }
        return sum;
      },
    },
  ],
);
results['range (vs forRange)'] = scanRows[1]!.ratio;
results['range (vs entries)'] = scanRows[2]!.ratio;

ratio(
  'delete + re-insert',
  compare(
    `delete ${BATCH} random present keys, then set them back`,
    [
      {
        name: 'bplus-tree',
        fn: () => {
          const at = p;
          for (let i = 0; i < BATCH; i++) ours.delete(picks[(at + i) & 0xffff]!);
          for (let i = 0; i < BATCH; i++) ours.set(picks[(at + i) & 0xffff]!, i);
          p += BATCH;
        },
      },
      {
        name: 'sorted-btree',
        fn: () => {
          const at = p;
          for (let i = 0; i < BATCH; i++) theirs.delete(picks[(at + i) & 0xffff]!);
          for (let i = 0; i < BATCH; i++) theirs.set(picks[(at + i) & 0xffff]!, i);
          p += BATCH;
        },
      },
    ],
    { opsPerCall: 2 * BATCH },
  ),
);

const entries = sorted.map((k) => [k, k] as [number, number]);
const cmpNum = (a: number, b: number) => a - b;
ratio(
  'bulk load',
  compare(
    `bulk load ${N.toLocaleString('en')} sorted entries`,
    [
      { name: 'bplus-tree fromSorted()', fn: () => BPlusTree.fromSorted(entries).size },
      { name: 'sorted-btree bulkLoad()', fn: () => bulkLoad(sorted, sorted, 32, cmpNum).size },
    ],
    { opsPerCall: N },
  ),
);

const goals: Record<string, number> = { get: 1.2, 'set (insert)': 1.0, 'set (overwrite)': 1.0, 'range (vs entries)': 1.0 };
console.log('\nkata ÷ sorted-btree (goal)');
for (const [name, r] of Object.entries(results)) {
  const goal = goals[name];
  console.log(`  ${name.padEnd(22)} ${r.toFixed(2)}×${goal ? `  (goal >= ${goal.toFixed(1)}×: ${r >= goal ? 'met' : 'missed'})` : ''}`);
}
