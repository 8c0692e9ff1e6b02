/**
 * Bloom filter kata: MurmurHash3, a Bloom filter with double hashing, sizing from (n, p) and the
 * false-positive estimate. Read README.md first; `npm run grade bloom-filter` runs the spec,
 * `npm run hint bloom-filter` shows a hint.
 */
import { todo } from '../not-implemented.ts';

// ---------------------------------------------------------------------------------------------
// Stage 1: MurmurHash3_x86_32
// ---------------------------------------------------------------------------------------------

/**
 * MurmurHash3_x86_32 of `data`, exactly as Austin Appleby's reference (SMHasher) computes it.
 *
 * - A string is hashed as its UTF-8 bytes (a lone surrogate as U+FFFD, like TextEncoder).
 * - A Uint8Array is hashed through its view: from `byteOffset`, `length` bytes.
 * - `seed` (default 0) is read as an unsigned 32-bit integer: −1 means 0xffffffff.
 * - The result is the unsigned 32-bit hash, 0 ≤ h < 2^32.
 *
 * @example murmur3_32('Hello, world!', 0x9747b28c) === 0x24884cba
 */
export function murmur3_32(data: Uint8Array | string, seed = 0): number {
  // TODO: constants c1 = 0xcc9e2d51, c2 = 0x1b873593.
  // TODO: for each 4-byte block, read little-endian as k; k *= c1; k = rotl(k, 15); k *= c2;
  //       h ^= k; h = rotl(h, 13); h = h * 5 + 0xe6546b64. Multiply with Math.imul, not `*`.
  // TODO: the 1-3 tail bytes: k = tail[0] | tail[1] << 8 | tail[2] << 16, scrambled the same
  //       way (c1, rotl 15, c2), then only h ^= k.
  // TODO: h ^= length in bytes; then fmix32: h ^= h >>> 16; h *= 0x85ebca6b; h ^= h >>> 13;
  //       h *= 0xc2b2ae35; h ^= h >>> 16. Return h >>> 0.
  return todo('bloom-filter', 'murmur3_32');
}

// ---------------------------------------------------------------------------------------------
// Stage 2: the filter, and stage 3: BloomFilter.create
// ---------------------------------------------------------------------------------------------

/**
 * A Bloom filter: m bits, k probes per key. `has` may say true for a key never added (a false
 * positive) but never says false for a key that was added.
 *
 * Probes come from two hashes by Kirsch–Mitzenmacher double hashing: g_i = h1 + i·h2 mod m for
 * i = 0..k−1, with h1 and h2 from murmur3_32 under two different seeds and a stride h2 mod m that
 * is never 0. A string key and its UTF-8 bytes are the same key.
 */
export class BloomFilter {
  /** m, the number of bits. */
  readonly bits: number;
  /** k, the number of probes per key. */
  readonly hashes: number;

  /**
   * Stage 3: a filter sized by `optimalParameters(expectedItems, falsePositiveRate)`.
   * Throws RangeError (naming `expectedItems` or `falsePositiveRate`) unless expectedItems > 0
   * and 0 < falsePositiveRate < 1.
   */
  static create(expectedItems: number, falsePositiveRate: number): BloomFilter {
    return todo('bloom-filter', 'BloomFilter.create');
  }

  /**
   * An empty filter of `bits` bits (1 ≤ bits ≤ 2^32) and `hashes` probes per key (an integer ≥ 1).
   * Throws RangeError naming `bits` or `hashes` for anything else (0, negative, fractional, NaN).
   */
  constructor(bits: number, hashes: number) {
    // TODO: validate, then keep the bits in a Uint32Array of ⌈bits / 32⌉ words:
    //       bit i is word i >>> 5, mask 1 << (i & 31).
    this.bits = bits;
    this.hashes = hashes;
    todo('bloom-filter', 'BloomFilter constructor');
  }

  /** Sets the k bits of `key`. */
  add(key: string | Uint8Array): void {
    // TODO: h1, h2 = two murmur3_32 hashes of the key's bytes; walk the k probes and set each bit.
    return todo('bloom-filter', 'BloomFilter.add');
  }

  /** False if one of the k bits of `key` is clear (never added); true if all are set. */
  has(key: string | Uint8Array): boolean {
    // TODO: the same k probes as add; return false at the first clear bit.
    return todo('bloom-filter', 'BloomFilter.has');
  }
}

// ---------------------------------------------------------------------------------------------
// Stage 3: sizing
// ---------------------------------------------------------------------------------------------

/**
 * The filter for n keys at false-positive rate p:
 *   bits   = ⌈−n · ln p / (ln 2)²⌉
 *   hashes = max(1, round(bits / n · ln 2))
 * Throws RangeError naming `n` unless n is a finite number > 0, naming `p` unless 0 < p < 1.
 *
 * @example optimalParameters(1000, 0.01) → { bits: 9586, hashes: 7 }
 */
export function optimalParameters(n: number, p: number): { bits: number; hashes: number } {
  return todo('bloom-filter', 'optimalParameters');
}

// ---------------------------------------------------------------------------------------------
// Stage 4: the false-positive rate
// ---------------------------------------------------------------------------------------------

/**
 * The expected false-positive rate of a filter of `bits` bits and `hashes` probes holding n keys:
 * (1 − e^(−k·n/m))^k. Throws RangeError naming `bits` or `hashes` unless each is an integer ≥ 1,
 * naming `n` unless n is a finite number ≥ 0.
 *
 * @example theoreticalFpr(9586, 7, 1000) ≈ 0.01003
 */
export function theoreticalFpr(bits: number, hashes: number, n: number): number {
  return todo('bloom-filter', 'theoreticalFpr');
}
