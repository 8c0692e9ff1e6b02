/**
 * Consistent hashing: a hash ring with virtual nodes and weights.
 *
 * Picture the 32-bit hash space 0 ..= 2^32 - 1 bent into a circle. Every node puts several points
 * on it (its virtual nodes); a key hashes to a position and belongs to the node of the first point
 * at or after that position, wrapping around past the top to the very first point. Adding a node
 * only takes over the arcs just before its new points, so only about 1/(N+1) of the keys move, and
 * they all move onto the new node. Read katas/consistent-hashing/README.md first.
 */
import { todo } from '../not-implemented.ts';
import { murmur3 } from './murmur3.ts';

/** Points per node at weight 1 (libketama also puts 160 points per server on its ring). */
const DEFAULT_VNODES = 160;

export class HashRing {
  // TODO: choose your state. A layout that makes get() fast:
  //   - a Map<string, number> from node name to weight (for nodes() and duplicate checks);
  //   - the ring's points sorted by (position, node name), as two parallel arrays:
  //     positions (a Uint32Array: the binary search compares plain integers) and owners (string[]).

  /**
   * @param opts.vnodes points per node at weight 1: a positive integer, default 160. Anything else
   *   (0, -1, 1.5, NaN, Infinity) is a RangeError.
   * @param opts.hash string → unsigned 32-bit integer. It hashes both the point labels and the
   *   keys. Default: MurmurHash3 x86_32, seed 0, of the string's UTF-8 bytes (./murmur3.ts).
   */
  constructor(opts: { vnodes?: number; hash?: (s: string) => number } = {}) {
    // TODO: validate vnodes (Number.isInteger, >= 1; default DEFAULT_VNODES) and keep it and the
    // hash (default murmur3).
    return todo('consistent-hashing', 'HashRing constructor');
  }

  /**
   * Puts `node` on the ring with `Math.max(1, Math.round(vnodes × weight))` points. Point i is at
   * `hash(`${node}#${i}`)`, for i = 0, 1, ..., count - 1.
   *
   * Throws RangeError, and leaves the ring exactly as it was, when `node` is already on the ring
   * (remove it first to change its weight) or `weight` is not a finite number > 0.
   *
   * TODO: validate first, then compute the node's points, sort them and merge them into the ring.
   * Points with the same position are ordered by node name (`a < b` on strings), so the ring does
   * not depend on the order in which nodes were added.
   */
  add(node: string, weight = 1): void {
    return todo('consistent-hashing', 'add');
  }

  /**
   * Takes `node` and every one of its points off the ring. Removing a node that is not on the ring
   * does nothing. Afterwards every key maps exactly as it did before the node was added.
   *
   * TODO: drop the points whose owner is `node`, keeping the others in order.
   */
  remove(node: string): void {
    return todo('consistent-hashing', 'remove');
  }

  /**
   * The node that owns `key`: the owner of the first point whose position is >= hash(key) (a point
   * exactly at the key's hash owns it), or of the first point on the ring when hash(key) is past
   * the last point. Undefined when the ring is empty.
   *
   * TODO: a binary search for the lower bound (first index with position >= h), then wrap.
   */
  get(key: string): string | undefined {
    return todo('consistent-hashing', 'get');
  }

  /** The nodes on the ring, sorted by name (default `Array.prototype.sort` order), as a fresh array. */
  nodes(): string[] {
    return todo('consistent-hashing', 'nodes');
  }
}
