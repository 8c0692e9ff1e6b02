/**
 * B+ tree: the reference solution.
 *
 * Shape (order m, see README):
 *   - internal nodes hold `keys` (separators) and `children`, children.length === keys.length + 1,
 *     between ceil(m/2) and m children (the root: at least 2);
 *   - leaves hold `keys` and `values` side by side, between floor(m/2) and m-1 entries (the root
 *     leaf: 0 to m-1), and a `next` link to the leaf on their right;
 *   - every leaf is at the same depth.
 * Separator keys[i] of an internal node bounds its children: every key in children[i] is < keys[i]
 * and every key in children[i+1] is >= keys[i]. A leaf split copies its right half's first key up
 * (the key stays in the leaf); an internal split pushes its middle key up (it leaves the node).
 *
 * Speed: keys and values live in plain arrays searched by binary search, so `get` allocates
 * nothing. The default order is 128: 200k keys fit in 3 levels, a range scan crosses few leaves,
 * and splice() on arrays of up to 127 elements is still a short memmove. (Measured on 200k random
 * keys against orders 64 and 256: 128 and 256 were close, 64 was slower at get, set and range.)
 */

/** A total order: negative when a < b, zero when equal, positive when a > b. */
export type Compare<K> = (a: K, b: K) => number;

export interface BPlusTreeOptions<K> {
  /** Maximum number of children of an internal node; leaves hold at most order - 1 entries. Integer >= 3, default 128. */
  order?: number;
  /** Key order; default compares with < and > (numbers, strings, bigints). */
  compare?: Compare<K>;
}

const DEFAULT_ORDER = 128;

/** `<` and `>` on primitives: numbers numerically, strings by UTF-16 code unit. */
function naturalCompare<K>(a: K, b: K): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

class Leaf<K, V> {
  readonly isLeaf = true as const;
  next: Leaf<K, V> | null = null;
  constructor(
    public keys: K[],
    public values: V[],
  ) {}
}

class Internal<K, V> {
  readonly isLeaf = false as const;
  constructor(
    public keys: K[],
    public children: Node<K, V>[],
  ) {}
}

type Node<K, V> = Leaf<K, V> | Internal<K, V>;

/** What a node that split hands to its parent: the key between the halves and the new right half. */
interface Split<K, V> {
  separator: K;
  right: Node<K, V>;
}

/** First index whose key is >= key (keys.length when none is): where key is, or would go, in a leaf. */
function lowerBound<K>(keys: K[], key: K, cmp: Compare<K>): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cmp(keys[mid]!, key) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * First index whose key is > key: the child of an internal node that holds key. A key equal to a
 * separator lives to the separator's right, because a leaf split copies the right half's first key up.
 */
function upperBound<K>(keys: K[], key: K, cmp: Compare<K>): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cmp(keys[mid]!, key) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Sizes of the groups that n items are cut into, at most `max` each: all full except the last two,
 * which share the remainder evenly when the last alone would hold fewer than `min`.
 */
function groupSizes(n: number, max: number, min: number): number[] {
  const sizes: number[] = [];
  for (let rest = n; rest > 0; rest -= max) sizes.push(Math.min(max, rest));
  const last = sizes.length - 1;
  if (last > 0 && sizes[last]! < min) {
    // Full + short >= max + 1, so both halves of the pair get at least floor((max + 1) / 2) >= min.
    const both = sizes[last - 1]! + sizes[last]!;
    sizes[last - 1] = Math.ceil(both / 2);
    sizes[last] = both - sizes[last - 1]!;
  }
  return sizes;
}

class RangeIterator<K, V> implements IterableIterator<[K, V]> {
  private leaf: Leaf<K, V> | null;
  private index: number;
  /** Where the scan ends in `leaf`: its length, or the index of its first key above hi. */
  private stop: number;

  constructor(
    leaf: Leaf<K, V>,
    index: number,
    private readonly hi: K | undefined,
    private readonly hasHi: boolean,
    private readonly cmp: Compare<K>,
  ) {
    this.leaf = leaf;
    this.index = index;
    this.stop = this.stopIn(leaf);
  }

  /**
   * The end of the scan inside `leaf`. A leaf whose last key is <= hi is read whole, after one
   * comparison; only the leaf where the range ends pays for a binary search. Comparing every key
   * against hi would call the comparator once per entry returned.
   */
  private stopIn(leaf: Leaf<K, V>): number {
    const keys = leaf.keys;
    if (!this.hasHi || keys.length === 0) return keys.length;
    if (this.cmp(keys[keys.length - 1]!, this.hi as K) <= 0) return keys.length;
    return upperBound(keys, this.hi as K, this.cmp);
  }

  next(): IteratorResult<[K, V]> {
    while (this.index >= this.stop) {
      const leaf = this.leaf;
      // Stopped short of the leaf's end: the next key is above hi and so is everything after it.
      if (leaf === null || this.stop < leaf.keys.length) return this.finish();
      // Step along the leaf chain (the start position may be past the end of the first leaf).
      const next = leaf.next;
      if (next === null) return this.finish();
      this.leaf = next;
      this.index = 0;
      this.stop = this.stopIn(next);
    }
    const leaf = this.leaf!;
    const i = this.index++;
    return { done: false, value: [leaf.keys[i]!, leaf.values[i] as V] };
  }

  [Symbol.iterator](): IterableIterator<[K, V]> {
    return this;
  }

  private finish(): IteratorResult<[K, V]> {
    // Once done, always done.
    this.leaf = null;
    this.index = this.stop = 0;
    return { done: true, value: undefined };
  }
}

export class BPlusTree<K, V> {
  private root: Node<K, V>;
  private count = 0;
  private readonly order: number;
  private readonly cmp: Compare<K>;
  /** order - 1 */
  private readonly maxLeafKeys: number;
  /** floor(order / 2): what a full leaf keeps after a split, the least a non-root leaf may hold. */
  private readonly minLeafKeys: number;
  /** ceil(order / 2): the least children a non-root internal node may have. */
  private readonly minChildren: number;

  constructor(opts: BPlusTreeOptions<K> = {}) {
    const order = opts.order ?? DEFAULT_ORDER;
    if (!Number.isInteger(order) || order < 3) {
      throw new RangeError(`BPlusTree: order must be an integer >= 3, got ${order}`);
    }
    this.order = order;
    this.cmp = opts.compare ?? naturalCompare;
    this.maxLeafKeys = order - 1;
    this.minLeafKeys = Math.floor(order / 2);
    this.minChildren = Math.ceil(order / 2);
    this.root = new Leaf<K, V>([], []);
  }

  /**
   * Builds a tree from entries sorted strictly ascending by `compare`, bottom-up in O(n): full
   * leaves left to right, then each level of parents over the one below, until one node is left.
   */
  static fromSorted<K, V>(entries: Iterable<readonly [K, V]>, opts: BPlusTreeOptions<K> = {}): BPlusTree<K, V> {
    const tree = new BPlusTree<K, V>(opts);
    const cmp = tree.cmp;
    // An array is read in place; any other iterable is copied once. (Copying a large array into
    // two growing arrays of keys and values costs more than building the tree from it.)
    const input: readonly (readonly [K, V])[] = Array.isArray(entries) ? entries : Array.from(entries);
    for (let i = 1; i < input.length; i++) {
      if (cmp(input[i - 1]![0], input[i]![0]) >= 0) {
        throw new RangeError(
          `BPlusTree.fromSorted: entry ${i} is not greater than the entry before it; ` +
            'the input must be sorted ascending by compare, without duplicates',
        );
      }
    }
    if (input.length === 0) return tree;

    // Leaves, linked left to right. `mins[i]` is the smallest key under level[i]: the separator its
    // parent will need to the left of it.
    let level: Node<K, V>[] = [];
    let mins: K[] = [];
    let prev: Leaf<K, V> | null = null;
    let at = 0;
    for (const n of groupSizes(input.length, tree.maxLeafKeys, tree.minLeafKeys)) {
      const leaf = new Leaf<K, V>([], []);
      for (let i = at; i < at + n; i++) {
        leaf.keys.push(input[i]![0]);
        leaf.values.push(input[i]![1]);
      }
      if (prev !== null) prev.next = leaf;
      prev = leaf;
      level.push(leaf);
      mins.push(input[at]![0]);
      at += n;
    }
    while (level.length > 1) {
      const parents: Node<K, V>[] = [];
      const parentMins: K[] = [];
      at = 0;
      for (const n of groupSizes(level.length, tree.order, tree.minChildren)) {
        // Children at..at+n-1 are separated by the minimum keys of all but the first.
        parents.push(new Internal<K, V>(mins.slice(at + 1, at + n), level.slice(at, at + n)));
        parentMins.push(mins[at]!);
        at += n;
      }
      level = parents;
      mins = parentMins;
    }
    tree.root = level[0]!;
    tree.count = input.length;
    return tree;
  }

  get size(): number {
    return this.count;
  }

  get(key: K): V | undefined {
    const cmp = this.cmp;
    let node = this.root;
    while (!node.isLeaf) node = node.children[upperBound(node.keys, key, cmp)]!;
    const keys = node.keys;
    const i = lowerBound(keys, key, cmp);
    return i < keys.length && cmp(keys[i]!, key) === 0 ? node.values[i] : undefined;
  }

  set(key: K, value: V): void {
    const split = this.insert(this.root, key, value);
    // The root split: the tree grows one level, at the top (the only place a B+ tree grows).
    if (split !== null) this.root = new Internal<K, V>([split.separator], [this.root, split.right]);
  }

  delete(key: K): boolean {
    if (!this.remove(this.root, key)) return false;
    this.count--;
    const root = this.root;
    // A merge can leave the root with one child: that child becomes the root (the tree shrinks at the top).
    if (!root.isLeaf && root.children.length === 1) this.root = root.children[0]!;
    return true;
  }

  range(lo?: K, hi?: K): IterableIterator<[K, V]> {
    let leaf = this.root;
    if (lo === undefined) {
      while (!leaf.isLeaf) leaf = leaf.children[0]!;
      return new RangeIterator(leaf, 0, hi, hi !== undefined, this.cmp);
    }
    while (!leaf.isLeaf) leaf = leaf.children[upperBound(leaf.keys, lo, this.cmp)]!;
    // The first key >= lo is here or, when every key of this leaf is < lo, first in the next leaf.
    return new RangeIterator(leaf, lowerBound(leaf.keys, lo, this.cmp), hi, hi !== undefined, this.cmp);
  }

  checkInvariants(): void {
    const cmp = this.cmp;
    const fail = (what: string): never => {
      throw new Error(`B+ tree invariant broken: ${what}`);
    };
    const leaves: Leaf<K, V>[] = [];
    let leafDepth = -1;

    // lo (inclusive) and hi (exclusive) are the separator bounds the parent puts on this subtree.
    const visit = (node: Node<K, V>, path: string, depth: number, lo: K | undefined, hasLo: boolean, hi: K | undefined, hasHi: boolean): void => {
      const keys = node.keys;
      for (let i = 0; i < keys.length; i++) {
        if (i > 0 && !(cmp(keys[i - 1]!, keys[i]!) < 0)) fail(`${path}: keys[${i - 1}] and keys[${i}] are not strictly ascending`);
        if (hasLo && cmp(keys[i]!, lo as K) < 0) fail(`${path}: keys[${i}] is below the parent's separator on its left`);
        if (hasHi && !(cmp(keys[i]!, hi as K) < 0)) fail(`${path}: keys[${i}] is not below the parent's separator on its right`);
      }
      if (node.isLeaf) {
        if (node.values.length !== keys.length) fail(`${path}: ${keys.length} keys but ${node.values.length} values`);
        if (keys.length > this.maxLeafKeys) fail(`${path}: leaf holds ${keys.length} entries, more than order - 1 = ${this.maxLeafKeys}`);
        if (depth > 0 && keys.length < this.minLeafKeys) fail(`${path}: leaf holds ${keys.length} entries, fewer than floor(order / 2) = ${this.minLeafKeys}`);
        if (leafDepth === -1) leafDepth = depth;
        else if (depth !== leafDepth) fail(`${path}: leaf at depth ${depth}, another at depth ${leafDepth}`);
        leaves.push(node);
        return;
      }
      const children = node.children;
      if (children.length !== keys.length + 1) fail(`${path}: ${children.length} children for ${keys.length} separators`);
      if (children.length > this.order) fail(`${path}: ${children.length} children, more than order = ${this.order}`);
      const least = depth === 0 ? 2 : this.minChildren;
      if (children.length < least) fail(`${path}: ${children.length} children, fewer than ${least}`);
      for (let c = 0; c < children.length; c++) {
        visit(
          children[c]!,
          `${path}.children[${c}]`,
          depth + 1,
          c === 0 ? lo : keys[c - 1],
          c === 0 ? hasLo : true,
          c === keys.length ? hi : keys[c],
          c === keys.length ? hasHi : true,
        );
      }
    };
    visit(this.root, 'root', 0, undefined, false, undefined, false);

    // The leaf chain must link exactly the leaves of the tree, left to right, and end in null.
    let entries = 0;
    for (let i = 0; i < leaves.length; i++) {
      const leaf = leaves[i]!;
      const next = leaves[i + 1] ?? null;
      if (leaf.next !== next) fail(`leaf ${i} of ${leaves.length}: its next link does not point to the leaf on its right`);
      if (next !== null && leaf.keys.length > 0 && !(cmp(leaf.keys[leaf.keys.length - 1]!, next.keys[0]!) < 0)) {
        fail(`leaf ${i}: its last key is not below the first key of the next leaf`);
      }
      entries += leaf.keys.length;
    }
    if (entries !== this.count) fail(`size is ${this.count} but the leaves hold ${entries} entries`);
  }

  /** Inserts into the subtree at node; returns the split the parent must absorb, or null. */
  private insert(node: Node<K, V>, key: K, value: V): Split<K, V> | null {
    const cmp = this.cmp;
    if (node.isLeaf) {
      const i = lowerBound(node.keys, key, cmp);
      if (i < node.keys.length && cmp(node.keys[i]!, key) === 0) {
        node.values[i] = value; // overwrite: the stored key stays
        return null;
      }
      node.keys.splice(i, 0, key);
      node.values.splice(i, 0, value);
      this.count++;
      return node.keys.length > this.maxLeafKeys ? this.splitLeaf(node) : null;
    }
    const i = upperBound(node.keys, key, cmp);
    const split = this.insert(node.children[i]!, key, value);
    if (split === null) return null;
    node.keys.splice(i, 0, split.separator);
    node.children.splice(i + 1, 0, split.right);
    return node.children.length > this.order ? this.splitInternal(node) : null;
  }

  /** An overfull leaf (order entries) keeps floor(order/2) and moves the rest to a new right leaf. */
  private splitLeaf(leaf: Leaf<K, V>): Split<K, V> {
    const mid = leaf.keys.length >>> 1;
    const right = new Leaf<K, V>(leaf.keys.splice(mid), leaf.values.splice(mid));
    right.next = leaf.next;
    leaf.next = right;
    // Copy up: the right leaf's first key stays in the leaf and also becomes the separator.
    return { separator: right.keys[0]!, right };
  }

  /** An overfull internal node (order + 1 children) keeps ceil((order+1)/2) children. */
  private splitInternal(node: Internal<K, V>): Split<K, V> {
    const keep = (node.children.length + 1) >>> 1;
    const right = new Internal<K, V>(node.keys.splice(keep), node.children.splice(keep));
    // Push up: the middle key separates the halves and belongs to neither of them.
    const separator = node.keys.pop()!;
    return { separator, right };
  }

  /** Removes key from the subtree at node, fixing underfull children on the way back up. */
  private remove(node: Node<K, V>, key: K): boolean {
    if (node.isLeaf) {
      const i = lowerBound(node.keys, key, this.cmp);
      if (i === node.keys.length || this.cmp(node.keys[i]!, key) !== 0) return false;
      node.keys.splice(i, 1);
      node.values.splice(i, 1);
      // Removing a leaf's first key leaves the separator above it stale but still a valid bound.
      return true;
    }
    const i = upperBound(node.keys, key, this.cmp);
    const child = node.children[i]!;
    if (!this.remove(child, key)) return false;
    if (this.underfull(child)) this.rebalance(node, i);
    return true;
  }

  private underfull(node: Node<K, V>): boolean {
    return node.isLeaf ? node.keys.length < this.minLeafKeys : node.children.length < this.minChildren;
  }

  /** A sibling can lend an entry (or child) only if it stays at or above the minimum afterwards. */
  private canLend(node: Node<K, V>): boolean {
    return node.isLeaf ? node.keys.length > this.minLeafKeys : node.children.length > this.minChildren;
  }

  /** parent.children[i] fell one below the minimum: borrow from a sibling, else merge with one. */
  private rebalance(parent: Internal<K, V>, i: number): void {
    const child = parent.children[i]!;
    const left = i > 0 ? parent.children[i - 1]! : null;
    const right = i + 1 < parent.children.length ? parent.children[i + 1]! : null;
    if (left !== null && this.canLend(left)) this.borrowFromLeft(parent, i, left, child);
    else if (right !== null && this.canLend(right)) this.borrowFromRight(parent, i, child, right);
    else if (left !== null) this.merge(parent, i - 1, left, child);
    else this.merge(parent, i, child, right!);
  }

  private borrowFromLeft(parent: Internal<K, V>, i: number, left: Node<K, V>, child: Node<K, V>): void {
    if (child.isLeaf) {
      const from = left as Leaf<K, V>;
      child.keys.unshift(from.keys.pop()!);
      child.values.unshift(from.values.pop() as V);
      // The moved key is child's new smallest: the separator must come down to it.
      parent.keys[i - 1] = child.keys[0]!;
    } else {
      const from = left as Internal<K, V>;
      // Rotate through the parent: the separator comes down in front, left's last key goes up.
      child.keys.unshift(parent.keys[i - 1]!);
      child.children.unshift(from.children.pop()!);
      parent.keys[i - 1] = from.keys.pop()!;
    }
  }

  private borrowFromRight(parent: Internal<K, V>, i: number, child: Node<K, V>, right: Node<K, V>): void {
    if (child.isLeaf) {
      const from = right as Leaf<K, V>;
      child.keys.push(from.keys.shift()!);
      child.values.push(from.values.shift() as V);
      // The right sibling's smallest key changed: the separator must follow it.
      parent.keys[i] = from.keys[0]!;
    } else {
      const from = right as Internal<K, V>;
      child.keys.push(parent.keys[i]!);
      child.children.push(from.children.shift()!);
      parent.keys[i] = from.keys.shift()!;
    }
  }

  /** Folds parent.children[j + 1] (right) into parent.children[j] (left) and drops separator j. */
  private merge(parent: Internal<K, V>, j: number, left: Node<K, V>, right: Node<K, V>): void {
    if (left.isLeaf) {
      const from = right as Leaf<K, V>;
      left.keys.push(...from.keys);
      left.values.push(...from.values);
      left.next = from.next; // unlink the emptied leaf from the chain
    } else {
      const from = right as Internal<K, V>;
      // The separator between them comes down: it is the key between left's last child and right's first.
      left.keys.push(parent.keys[j]!, ...from.keys);
      left.children.push(...from.children);
    }
    parent.keys.splice(j, 1);
    parent.children.splice(j + 1, 1);
  }
}
