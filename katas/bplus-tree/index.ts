/**
 * B+ tree — an ordered map whose data lives in linked leaves under a shallow index.
 *
 * Read katas/bplus-tree/README.md first: it defines `order`, the occupancy rules and what
 * checkInvariants() must check. Run `npm run grade bplus-tree` to see which stage you are on, and
 * `npm run hint bplus-tree` when stuck.
 *
 * The shape of the nodes is yours to choose. One layout that works well in JavaScript:
 *
 *   leaf:      { isLeaf: true,  keys: K[], values: V[], next: Leaf | null }
 *   internal:  { isLeaf: false, keys: K[], children: Node[] }   // children.length === keys.length + 1
 *
 * with keys[i] of an internal node separating children[i] (all keys < keys[i]) from
 * children[i + 1] (all keys >= keys[i]). Plain arrays and binary search are fast; splice() is fine
 * for nodes of a few dozen keys.
 */
import { todo } from '../not-implemented.ts';

/** A total order: negative when a < b, zero when equal, positive when a > b. */
export type Compare<K> = (a: K, b: K) => number;

export interface BPlusTreeOptions<K> {
  /**
   * Maximum number of children of an internal node; a leaf holds at most `order - 1` entries.
   * An integer >= 3 (anything else is a RangeError). Default: your choice — 32 to 128 is fast.
   */
  order?: number;
  /** Key order. Default: `<` and `>` (numbers numerically, strings by UTF-16 code unit). */
  compare?: Compare<K>;
}

export class BPlusTree<K, V> {
  /**
   * An empty tree: a single empty leaf as the root.
   * @throws RangeError when `order` is not an integer >= 3.
   */
  constructor(opts: BPlusTreeOptions<K> = {}) {
    // TODO: validate the order, remember order and compare (default: `a < b ? -1 : a > b ? 1 : 0`),
    // work out the occupancy limits once (see README: floor(order/2) entries per leaf,
    // ceil(order/2) children per internal node), and start with an empty leaf as the root.
    void opts;
    todo('bplus-tree', 'constructor');
  }

  /**
   * Stage 4. Builds a tree from entries sorted strictly ascending by `compare`, bottom-up in O(n):
   * fill leaves left to right (order - 1 entries each, linked), then build each level of parents
   * over the level below until one node is left. If the last node of a level would be underfull,
   * share the last two nodes' contents evenly.
   * @throws RangeError when an entry is not greater than the one before it (unsorted or duplicate
   * input), or when `order` is not an integer >= 3.
   */
  static fromSorted<K, V>(entries: Iterable<readonly [K, V]>, opts: BPlusTreeOptions<K> = {}): BPlusTree<K, V> {
    // TODO: check the order while collecting, build the leaves, then the levels above them. Each
    // parent needs, for every child but the first, the smallest key under that child.
    void entries;
    void opts;
    return todo('bplus-tree', 'fromSorted');
  }

  /** Number of entries. */
  get size(): number {
    // TODO: keep a counter; do not walk the tree.
    return todo('bplus-tree', 'size');
  }

  /** The value stored under `key` (equal by `compare`), or undefined. O(log n) comparisons. */
  get(key: K): V | undefined {
    // TODO: descend from the root: in an internal node, go to the child whose separator range holds
    // the key (a key equal to a separator lives on its right); in the leaf, binary-search the key.
    void key;
    return todo('bplus-tree', 'get');
  }

  /**
   * Inserts the entry, or overwrites the value when an equal key is present (the stored key stays).
   * Stage 1: an overfull leaf splits and copies its right half's first key up; an overfull internal
   * node splits and pushes its middle key up; a root split adds a level on top.
   */
  set(key: K, value: V): void {
    // TODO: a recursive insert that returns the split (separator + new right node) for the parent.
    void key;
    void value;
    todo('bplus-tree', 'set');
  }

  /**
   * Stage 3. Removes the entry with this key; true when there was one. A node that falls below its
   * minimum borrows from a sibling that can spare one (updating the parent's separator), or else
   * merges with a sibling (dropping a separator from the parent, and for leaves fixing the leaf
   * link). A root left with a single child is replaced by that child.
   */
  delete(key: K): boolean {
    // TODO: a recursive remove; on the way back up, rebalance the child you came from if underfull.
    void key;
    return todo('bplus-tree', 'delete');
  }

  /**
   * Stage 2. Entries with lo <= key <= hi (by `compare`; either bound may be left out), ascending.
   * Descend once to the leaf where lo belongs, then follow the leaf links; compute each entry only
   * when `next()` asks for it. The returned iterator is its own iterable.
   */
  range(lo?: K, hi?: K): IterableIterator<[K, V]> {
    // TODO: find the start position, then return an iterator (a generator function works; a small
    // class with next() and [Symbol.iterator]() is faster).
    void lo;
    void hi;
    return todo('bplus-tree', 'range');
  }

  /**
   * Throws an Error naming the first broken rule; returns quietly on a valid tree. Checks: keys
   * strictly ascending in every node; every key within the bounds its parent's separators set;
   * children.length === keys.length + 1 in internal nodes; every leaf at the same depth; occupancy
   * (leaves: floor(order/2) to order - 1 entries, internal nodes: ceil(order/2) to order children;
   * the root is exempt from the minimums but an internal root needs 2 children); the leaf links
   * visit every leaf left to right and end in null; and the entries add up to `size`.
   */
  checkInvariants(): void {
    // TODO: a recursive walk carrying (lower bound, upper bound, depth); collect the leaves in order
    // and compare them with the chain of `next` links.
    todo('bplus-tree', 'checkInvariants');
  }
}
