/**
 * The model the specs hold the tree to: a sorted array of entries, obviously right and slow, plus
 * random operation lists (fast-check) that replay against tree and model side by side.
 */
import { fc } from '#support/property';
import { BPlusTree } from '#kata/bplus-tree';

export type Compare<K> = (a: K, b: K) => number;

export const numeric: Compare<number> = (a, b) => a - b;

/** A sorted array of [key, value]: the obvious implementation of the same API. */
export class SortedArrayModel<K, V> {
  readonly entries: [K, V][] = [];
  constructor(readonly compare: Compare<K>) {}

  /** Index of the first entry whose key is >= key. */
  private lowerBound(key: K): number {
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.compare(this.entries[mid]![0], key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private at(key: K): number {
    const i = this.lowerBound(key);
    return i < this.entries.length && this.compare(this.entries[i]![0], key) === 0 ? i : -1;
  }

  get size(): number {
    return this.entries.length;
  }
  get(key: K): V | undefined {
    const i = this.at(key);
    return i < 0 ? undefined : this.entries[i]![1];
  }
  set(key: K, value: V): void {
    const i = this.lowerBound(key);
    if (i < this.entries.length && this.compare(this.entries[i]![0], key) === 0) this.entries[i]![1] = value;
    else this.entries.splice(i, 0, [key, value]);
  }
  delete(key: K): boolean {
    const i = this.at(key);
    if (i < 0) return false;
    this.entries.splice(i, 1);
    return true;
  }
  range(lo?: K, hi?: K): [K, V][] {
    return this.entries.filter(
      ([k]) => (lo === undefined || this.compare(k, lo) >= 0) && (hi === undefined || this.compare(k, hi) <= 0),
    );
  }
}

/** Thrown by the cheap checks below: a short message, no diff of a thousand entries. */
export class MismatchError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MismatchError';
  }
}

/** Runs the tree's own checker; a failure says after which operation the tree broke. */
export function checked(tree: { checkInvariants(): void }, where: string): void {
  try {
    tree.checkInvariants();
  } catch (err) {
    throw new MismatchError(`${where}: checkInvariants() threw: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

/**
 * Object.is(actual, expected), or a MismatchError saying what differed. Cheaper than expect():
 * these checks run hundreds of thousands of times, and again for every step fast-check shrinks.
 */
export function same<T>(actual: T, expected: T, what: string): void {
  if (!Object.is(actual, expected)) throw new MismatchError(`${what}: got ${fc.stringify(actual)}, expected ${fc.stringify(expected)}`);
}

/** Entry lists equal element by element, or a MismatchError naming the first difference. */
export function sameEntries<K, V>(actual: readonly unknown[], expected: readonly (readonly [K, V])[], what: string): void {
  const n = Math.max(actual.length, expected.length);
  for (let i = 0; i < n; i++) {
    const a = actual[i];
    const e = expected[i];
    const ok = Array.isArray(a) && a.length === 2 && e !== undefined && Object.is(a[0], e[0]) && Object.is(a[1], e[1]);
    if (!ok) {
      const got = i < actual.length ? fc.stringify(a) : 'nothing (the scan ended)';
      const want = e !== undefined ? fc.stringify(e) : 'nothing (the scan should have ended)';
      throw new MismatchError(
        `${what}: ${actual.length} entries where ${expected.length} were expected; ` +
          `first difference at index ${i}: got ${got}, expected ${want}`,
      );
    }
  }
}

/**
 * A tree and a model holding the same `prefill` keys (a fixed scramble of 0..keySpace-1, value
 * -key-1), so that model runs start from a tree deep enough to split and merge at every level.
 */
export function prefilled(order: number, keySpace: number, prefill: number): { tree: BPlusTree<number, number>; model: SortedArrayModel<number, number> } {
  const tree = new BPlusTree<number, number>({ order });
  const model = new SortedArrayModel<number, number>(numeric);
  for (let i = 0; i < prefill; i++) {
    const k = (i * 7919) % keySpace;
    tree.set(k, -k - 1);
    model.set(k, -k - 1);
  }
  checked(tree, `after setting the first ${prefill} keys (the prefill)`);
  return { tree, model };
}

/**
 * fast-check parameters for the model tests. Shrinking a list of 2,000 operations can take
 * minutes; after 5 s fast-check stops and reports the smallest failing list it has found so far.
 * (A passing run takes well under a second; an implementation so slow that 5 s pass before all
 * runs are done gets fewer runs, not a failure.)
 */
export function modelRuns(numRuns: number): { numRuns: number; plugins: ReturnType<typeof fc.interruptAfterTimeLimit>[] } {
  return { numRuns, plugins: [fc.interruptAfterTimeLimit(5000)] };
}

/** One step of a random workload. Values are not generated: step i stores value i. */
export type Op =
  | { kind: 'set'; key: number }
  | { kind: 'delete'; key: number }
  | { kind: 'get'; key: number }
  | { kind: 'range'; lo: number | undefined; hi: number | undefined };

function show(op: Op): string {
  if (op.kind === 'range') return `range(${op.lo ?? ''}, ${op.hi ?? ''})`;
  return `${op.kind}(${op.key})`;
}

/** Ops print as `set(3)`, `delete(7)`, `range(2, 9)` in fast-check's counterexamples. */
function printable(op: Op): Op {
  return Object.defineProperty(op, fc.toStringMethod, { value: () => show(op), enumerable: false });
}

export interface Mix {
  set: number;
  delete?: number;
  get?: number;
  range?: number;
}

/** Random op lists over keys 0..keySpace-1, weighted by `mix`. */
export function opsArb(keySpace: number, mix: Mix, maxLength: number): fc.Arbitrary<Op[]> {
  const key = fc.integer({ min: 0, max: keySpace - 1 });
  const bound = fc.option(fc.integer({ min: -2, max: keySpace + 1 }), { freq: 5, nil: undefined });
  const choices: fc.WeightedArbitrary<Op>[] = [
    { weight: mix.set, arbitrary: key.map((k): Op => printable({ kind: 'set', key: k })) },
  ];
  if (mix.delete) choices.push({ weight: mix.delete, arbitrary: key.map((k): Op => printable({ kind: 'delete', key: k })) });
  if (mix.get) choices.push({ weight: mix.get, arbitrary: key.map((k): Op => printable({ kind: 'get', key: k })) });
  if (mix.range) {
    choices.push({
      weight: mix.range,
      arbitrary: fc.tuple(bound, bound).map(([lo, hi]): Op => printable({ kind: 'range', lo, hi })),
    });
  }
  // size 'max': without it fast-check keeps arrays to about 10 elements, far too few to split a node.
  return fc.array(fc.oneof(...choices), { maxLength, size: 'max' });
}

export interface ReplayOptions {
  /** Compare the whole content (a full range scan) with the model every this many ops (0: only at the end). */
  fullScanEvery?: number;
  /** Stage 1 has no range(): then the content is compared by get() over the whole key space. */
  keySpace?: number;
  useRange?: boolean;
}

/**
 * Applies ops to tree and model; after every op the results, size and checkInvariants() must
 * agree. Failures name the op number and the op.
 */
export function replay(tree: BPlusTree<number, number>, model: SortedArrayModel<number, number>, ops: Op[], opts: ReplayOptions = {}): void {
  const { fullScanEvery = 1, useRange = true, keySpace = 0 } = opts;
  ops.forEach((op, i) => {
    const where = `after op #${i} ${show(op)}`;
    switch (op.kind) {
      case 'set':
        tree.set(op.key, i);
        model.set(op.key, i);
        break;
      case 'delete':
        same(tree.delete(op.key), model.delete(op.key), `${where}: delete's result`);
        break;
      case 'get':
        same(tree.get(op.key), model.get(op.key), `${where}: get's result`);
        break;
      case 'range':
        sameEntries([...tree.range(op.lo, op.hi)], model.range(op.lo, op.hi), `${where}: range's entries`);
        break;
    }
    same(tree.size, model.size, `${where}: size`);
    checked(tree, where);
    if (op.kind !== 'get' && op.kind !== 'range') {
      same(tree.get(op.key), model.get(op.key), `${where}: get(${op.key})`);
    }
    if (fullScanEvery > 0 && (i + 1) % fullScanEvery === 0) sameContent(tree, model, where, useRange, keySpace);
  });
  sameContent(tree, model, 'after the last op', useRange, keySpace);
}

/** The tree holds exactly the model's entries (by a full scan, or by get over the key space). */
export function sameContent(
  tree: BPlusTree<number, number>,
  model: SortedArrayModel<number, number>,
  where: string,
  useRange = true,
  keySpace = 0,
): void {
  if (useRange) {
    sameEntries([...tree.range()], model.entries, `${where}: the full scan range()`);
    return;
  }
  for (let k = -1; k <= keySpace; k++) same(tree.get(k), model.get(k), `${where}: get(${k})`);
}

/** Fisher–Yates with fast-check's or a seeded RNG's integers. */
export function shuffled<T>(items: readonly T[], int: (lo: number, hi: number) => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = int(0, i);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Wraps a compare so tests can count how many comparisons an operation makes. */
export function counting<K>(compare: Compare<K>): { compare: Compare<K>; calls: number; reset(): void } {
  const c = {
    calls: 0,
    compare: (a: K, b: K) => {
      c.calls++;
      return compare(a, b);
    },
    reset() {
      c.calls = 0;
    },
  };
  return c;
}
