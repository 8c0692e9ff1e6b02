/**
 * Consistent hashing: nodes own points on a ring of 2^32 positions, and a key belongs to the
 * first point at or after its own position (wrapping past the top to the first point).
 *
 * The ring is two parallel arrays sorted by (position, node name): `positions` (a Uint32Array,
 * so the binary search in get() compares plain integers) and `owners` (the node of each point).
 * add() and remove() rebuild them in one linear pass; get() is one hash and one binary search.
 *
 * To make that search short, `starts` indexes the sorted positions by their top bits (about one
 * bucket per point): bucket b holds the points at indexes starts[b] .. starts[b+1]-1, so get()
 * only searches the one bucket its hash falls in, usually zero to two points, instead of
 * branching ~log2(n) times across the whole array.
 */
import { murmur3 } from './murmur3.ts';

/** Points per node at weight 1 (libketama's 40 hashes × 4 points, also 160). */
const DEFAULT_VNODES = 160;

export class HashRing {
  readonly #vnodes: number;
  readonly #hash: (s: string) => number;
  /** node → its weight, for nodes() and duplicate checks. */
  readonly #weights = new Map<string, number>();
  #positions = new Uint32Array(0);
  #owners: string[] = [];
  /** Bucket b of the index covers hashes whose top bits (h >>> shift) equal b. */
  #shift = 31;
  #starts = new Uint32Array(3);

  /**
   * @param opts.vnodes points per node at weight 1 (a positive integer, default 160)
   * @param opts.hash string → uint32; hashes both the point labels `${node}#${i}` and the keys
   *   (default: MurmurHash3 x86_32, seed 0, of the UTF-8 bytes)
   */
  constructor(opts: { vnodes?: number; hash?: (s: string) => number } = {}) {
    const vnodes = opts.vnodes ?? DEFAULT_VNODES;
    if (!Number.isInteger(vnodes) || vnodes < 1) {
      throw new RangeError(`HashRing: vnodes must be a positive integer, got ${vnodes}`);
    }
    const hash = opts.hash ?? murmur3;
    if (typeof hash !== 'function') throw new TypeError('HashRing: hash must be a function (s: string) => uint32');
    this.#vnodes = vnodes;
    this.#hash = hash;
  }

  /**
   * Puts `node` on the ring with `round(vnodes × weight)` points (at least one), labelled
   * `${node}#0`, `${node}#1`, ... Throws RangeError, leaving the ring unchanged, if the node is
   * already there or the weight is not a finite number > 0.
   */
  add(node: string, weight = 1): void {
    if (this.#weights.has(node)) {
      throw new RangeError(`HashRing: node "${node}" is already on the ring; remove it first to change its weight`);
    }
    if (typeof weight !== 'number' || !Number.isFinite(weight) || weight <= 0) {
      throw new RangeError(`HashRing: weight must be a finite number > 0, got ${weight}`);
    }
    // A tiny weight still gets one point: a node on the ring that can never be chosen would be
    // a surprise, not a feature.
    const count = Math.max(1, Math.round(this.#vnodes * weight));
    const mine = new Uint32Array(count);
    for (let i = 0; i < count; i++) mine[i] = this.#hash(`${node}#${i}`) >>> 0;
    mine.sort(); // typed arrays sort numerically

    // Merge the node's sorted points into the ring's. Equal positions are ordered by node name,
    // so the ring (and every lookup) is the same whatever order the nodes were added in.
    const old = this.#positions;
    const oldOwners = this.#owners;
    const positions = new Uint32Array(old.length + count);
    const owners: string[] = new Array<string>(old.length + count);
    let i = 0;
    let j = 0;
    let k = 0;
    while (i < old.length && j < count) {
      const p = old[i]!;
      const q = mine[j]!;
      if (p < q || (p === q && oldOwners[i]! < node)) {
        positions[k] = p;
        owners[k++] = oldOwners[i++]!;
      } else {
        positions[k] = q;
        owners[k++] = node;
        j++;
      }
    }
    for (; i < old.length; i++, k++) {
      positions[k] = old[i]!;
      owners[k] = oldOwners[i]!;
    }
    for (; j < count; j++, k++) {
      positions[k] = mine[j]!;
      owners[k] = node;
    }
    this.#positions = positions;
    this.#owners = owners;
    this.#weights.set(node, weight);
    this.#reindex();
  }

  /** Takes `node` and all its points off the ring; a node that is not there is ignored. */
  remove(node: string): void {
    if (!this.#weights.delete(node)) return;
    // Filtering keeps the remaining points in order, so the ring is exactly what it was before
    // the node was added.
    const keep: number[] = [];
    for (let i = 0; i < this.#owners.length; i++) if (this.#owners[i] !== node) keep.push(i);
    const positions = new Uint32Array(keep.length);
    const owners = new Array<string>(keep.length);
    for (let k = 0; k < keep.length; k++) {
      positions[k] = this.#positions[keep[k]!]!;
      owners[k] = this.#owners[keep[k]!]!;
    }
    this.#positions = positions;
    this.#owners = owners;
    this.#reindex();
  }

  /** Rebuilds the bucket index over the sorted positions: about one bucket per point. */
  #reindex(): void {
    const positions = this.#positions;
    const n = positions.length;
    const bits = Math.min(16, Math.max(1, Math.ceil(Math.log2(n || 1))));
    const shift = 32 - bits;
    const buckets = 1 << bits;
    const starts = new Uint32Array(buckets + 1);
    // starts[b] = the first index whose bucket is >= b; starts[buckets] = n.
    let j = 0;
    for (let b = 0; b <= buckets; b++) {
      while (j < n && positions[j]! >>> shift < b) j++;
      starts[b] = j;
    }
    this.#shift = shift;
    this.#starts = starts;
  }

  /** The node owning `key`: the first point at or after hash(key), wrapping; undefined if empty. */
  get(key: string): string | undefined {
    const positions = this.#positions;
    const n = positions.length;
    if (n === 0) return undefined;
    const h = this.#hash(key) >>> 0;
    // Lower bound: the first index whose position is >= h (n if there is none). Points in earlier
    // buckets are all < h and points in later ones all > h, so only h's bucket needs searching;
    // if none of its points is >= h, the answer is the first point after it, starts[b + 1].
    const b = h >>> this.#shift;
    let lo = this.#starts[b]!;
    let hi = this.#starts[b + 1]!;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (positions[mid]! < h) lo = mid + 1;
      else hi = mid;
    }
    // Past the last point the ring wraps around to the first.
    return this.#owners[lo === n ? 0 : lo];
  }

  /** The nodes on the ring, sorted by name (code-unit order); a fresh array. */
  nodes(): string[] {
    return [...this.#weights.keys()].sort();
  }
}
