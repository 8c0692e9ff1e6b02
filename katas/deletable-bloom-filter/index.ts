/**
 * Counting and deletable Bloom filters.
 *
 * A Bloom filter cannot forget: resetting a key's bits may reset bits another key still needs, and
 * that key then reports absent — a false negative, the one error a Bloom filter must never make.
 * Here you build the two classic ways out:
 *
 *   stage 1  CountingBloomFilter    4-bit counters instead of bits, packed two per byte
 *   stage 2  DeletableBloomFilter   a bit array plus one "collision" bit per region (Rothenberg et al.)
 *   stage 3  expectedDeletability   the paper's estimate of how many keys a DlBF can delete
 *
 * Read README.md first. `./hash.ts` is given: it turns a key into its k cell indexes.
 * Every bad argument is a `RangeError` whose message names the function and the argument.
 */
import { todo } from '../not-implemented.ts';
import type { Key } from './hash.ts';
// You will want these two from './hash.ts':
//   fillIndexes(key, k, m, out: Uint32Array)  writes the k indexes into `out` (no allocation)
//   indexes(key, k, m): number[]              the same, as a fresh array

export type { Key } from './hash.ts';

/** The largest value a 4-bit counter holds. A counter that reaches it is saturated for good. */
export const COUNTER_MAX = 15;

/**
 * A counting Bloom filter with 4-bit counters.
 *
 * Storage is `ceil(cells / 2)` bytes: counter 2j lives in the LOW nibble of byte j, counter 2j+1 in
 * the HIGH nibble (`toBytes()` exposes exactly this layout).
 *
 * Saturation: a counter that reaches 15 stays at 15 forever — on add AND on remove. Its true count
 * is unknown once it has overflowed, so decrementing it could bring it to 0 while keys still need
 * it; leaving it stuck costs only a few false positives.
 */
export class CountingBloomFilter {
  /** Number of 4-bit counters. */
  readonly cells: number;
  /** Number of hash functions (cells per key). */
  readonly hashes: number;

  /**
   * @param cells  integer in [1, 2^32]
   * @param hashes integer in [1, 32]
   * @throws RangeError on anything else
   */
  constructor(cells: number, hashes: number) {
    // TODO: validate, allocate the packed counters (a Uint8Array of ceil(cells / 2) bytes) and a
    // reusable Uint32Array(hashes) for the indexes of the key at hand.
    this.cells = cells;
    this.hashes = hashes;
    return todo('deletable-bloom-filter', 'CountingBloomFilter constructor');
  }

  /** The `hashes` counter indexes of `key`, in [0, cells). Duplicates are possible; each counts. */
  positions(key: Key): number[] {
    return todo('deletable-bloom-filter', 'CountingBloomFilter.positions');
  }

  /**
   * The value of counter `index`, 0..15.
   * @throws RangeError when `index` is not an integer in [0, cells)
   */
  counter(index: number): number {
    // TODO: byte index >>> 1; even index → low nibble (b & 0x0f), odd → high nibble (b >>> 4).
    return todo('deletable-bloom-filter', 'CountingBloomFilter.counter');
  }

  /** Adds one copy of `key`: each of its counters goes up by one, unless it is already 15. */
  add(key: Key): void {
    // TODO: when writing a nibble, keep the other nibble of the byte: it is another counter.
    return todo('deletable-bloom-filter', 'CountingBloomFilter.add');
  }

  /** True if `key` may be present (all its counters above 0); false means certainly absent. */
  has(key: Key): boolean {
    return todo('deletable-bloom-filter', 'CountingBloomFilter.has');
  }

  /**
   * Removes one copy of `key`.
   *
   * If any counter of the key is 0 the key is certainly absent: return false and change NOTHING
   * (decrementing the others would steal counts from keys that are present). Otherwise decrement
   * every counter of the key except saturated ones (15 stays 15) and return true.
   *
   * Like any counting filter, removing a key that was never added but hits a false positive
   * corrupts the filter; callers remove only keys they added.
   */
  remove(key: Key): boolean {
    return todo('deletable-bloom-filter', 'CountingBloomFilter.remove');
  }

  /** How many counters are stuck at 15. */
  get saturated(): number {
    return todo('deletable-bloom-filter', 'CountingBloomFilter.saturated');
  }

  /** A copy of the packed counters (`ceil(cells / 2)` bytes, counter 2j in the low nibble of byte j). */
  toBytes(): Uint8Array {
    return todo('deletable-bloom-filter', 'CountingBloomFilter.toBytes');
  }
}

/**
 * The Deletable Bloom Filter (DlBF): `bits` bits split into `regions` equal regions of
 * `regionSize = bits / regions` bits (bit i is in region floor(i / regionSize)), plus a collision
 * bitmap of one bit per region.
 *
 * - add: set the key's bits; a bit that is ALREADY set (by anyone, including the same key) marks
 *   its region collided. Collided regions stay collided forever.
 * - remove: reset only the key's bits that lie in collision-free regions. Every set bit of a clean
 *   region was set by exactly one key, so no other key loses a bit: no false negatives, ever.
 */
export class DeletableBloomFilter {
  /** Number of bits in the filter (the collision bitmap is kept separately: `regions` more bits). */
  readonly bits: number;
  /** Number of hash functions (bits per key). */
  readonly hashes: number;
  /** Number of regions, i.e. bits in the collision bitmap. */
  readonly regions: number;
  /** Bits per region: `bits / regions`. */
  readonly regionSize: number;

  /**
   * @param bits    integer in [1, 2^32]
   * @param hashes  integer in [1, 32]
   * @param regions integer in [1, bits] that divides `bits`
   * @throws RangeError on anything else
   */
  constructor(bits: number, hashes: number, regions: number) {
    // TODO: validate; allocate the bit array and the collision bitmap (Uint8Array, 8 bits a byte).
    this.bits = bits;
    this.hashes = hashes;
    this.regions = regions;
    this.regionSize = bits / regions;
    return todo('deletable-bloom-filter', 'DeletableBloomFilter constructor');
  }

  /** The `hashes` bit indexes of `key`, in [0, bits). */
  positions(key: Key): number[] {
    return todo('deletable-bloom-filter', 'DeletableBloomFilter.positions');
  }

  /**
   * The region that holds bit `index`: floor(index / regionSize).
   * @throws RangeError when `index` is not an integer in [0, bits)
   */
  regionOf(index: number): number {
    return todo('deletable-bloom-filter', 'DeletableBloomFilter.regionOf');
  }

  /**
   * Whether bit `index` is set.
   * @throws RangeError when `index` is not an integer in [0, bits)
   */
  bitAt(index: number): boolean {
    return todo('deletable-bloom-filter', 'DeletableBloomFilter.bitAt');
  }

  /**
   * Whether region `region` is marked collided (its bits are never reset).
   * @throws RangeError when `region` is not an integer in [0, regions)
   */
  isCollided(region: number): boolean {
    return todo('deletable-bloom-filter', 'DeletableBloomFilter.isCollided');
  }

  /** How many regions are marked collided. */
  get collidedRegions(): number {
    return todo('deletable-bloom-filter', 'DeletableBloomFilter.collidedRegions');
  }

  /** Sets the key's bits; each bit found already set marks its region collided. */
  add(key: Key): void {
    return todo('deletable-bloom-filter', 'DeletableBloomFilter.add');
  }

  /** True if `key` may be present (all its bits set); false means certainly absent. */
  has(key: Key): boolean {
    return todo('deletable-bloom-filter', 'DeletableBloomFilter.has');
  }

  /** True if `key` is present and at least one of its bits lies in a collision-free region. */
  isDeletable(key: Key): boolean {
    return todo('deletable-bloom-filter', 'DeletableBloomFilter.isDeletable');
  }

  /**
   * Deletes `key` if it can. Returns false and changes NOTHING when the key is certainly absent
   * (some bit is 0) or every one of its bits lies in a collided region. Otherwise resets each of its
   * bits that lies in a collision-free region (leaving the others) and returns true: the key now
   * reports absent.
   */
  remove(key: Key): boolean {
    return todo('deletable-bloom-filter', 'DeletableBloomFilter.remove');
  }
}

/**
 * The expected fraction of n inserted elements that a DlBF of `bits` bits, `hashes` hash functions
 * and `regions` regions can delete (Rothenberg et al. 2010; README.md derives it):
 *
 *     P = 1 − (1 − p_c)^k
 *     p_c = (1 − 1/m)^(kn−1) · [ (1 − 1/m)^(kn) + (kn/m)·(1 − 1/m)^(kn−1) ]^(m/r − 1)
 *
 * with m = bits, k = hashes, r = regions.
 * @throws RangeError on bits/hashes/regions as for the constructor, or n not an integer ≥ 1
 */
export function expectedDeletability(bits: number, hashes: number, regions: number, n: number): number {
  return todo('deletable-bloom-filter', 'expectedDeletability');
}
