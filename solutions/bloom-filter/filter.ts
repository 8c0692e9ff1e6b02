/**
 * A Bloom filter over a Uint32Array bitset, with k probes from two MurmurHash3 values by
 * Kirsch–Mitzenmacher double hashing: g_i(x) = h1(x) + i·h2(x) mod m, for i = 0..k−1.
 */
import { murmur3Pair, murmur3PairString, second } from './murmur3.ts';
import { optimalParameters, requireCount, requirePositive, requireProbability } from './sizing.ts';

/** Seed of h2: any constant other than h1's seed (0) gives a second, independent-looking hash. */
const SEED2 = 0x9747b28c;

/** The largest filter: probe indexes stay below 2^32, so `idx >>> 5` is the word index. */
const MAX_BITS = 2 ** 32;

const TWO_POW_MINUS_32 = 2 ** -32;

/**
 * Maps a 32-bit hash (its bits, as int32 or uint32) onto [0, n) as ⌊h·n / 2^32⌋: Lemire's
 * multiply-shift range reduction, one float multiply instead of an integer division and as
 * uniform as h % n. The product may round, but never up to n·2^32, so the result stays below n.
 */
function reduce(h: number, n: number): number {
  return Math.floor((h >>> 0) * n * TWO_POW_MINUS_32);
}

/**
 * The distance between consecutive probes, in 1..m−1. Never 0: a zero stride sends all k probes
 * to one bit. For a prime m every stride is coprime to m, so a key's first min(k, m) probes are
 * distinct bits. (With m = 1 the stride is 1 and every probe wraps back to bit 0.)
 */
function strideOf(h2: number, m: number): number {
  return 1 + reduce(h2, m - 1);
}

export class BloomFilter {
  readonly bits: number;
  readonly hashes: number;
  /** Bit i lives in words[i >>> 5], at position i & 31. */
  private readonly words: Uint32Array;

  /** A filter sized by `optimalParameters` for `expectedItems` keys at `falsePositiveRate`. */
  static create(expectedItems: number, falsePositiveRate: number): BloomFilter {
    requirePositive('expectedItems', expectedItems);
    requireProbability('falsePositiveRate', falsePositiveRate);
    const { bits, hashes } = optimalParameters(expectedItems, falsePositiveRate);
    return new BloomFilter(bits, hashes);
  }

  constructor(bits: number, hashes: number) {
    requireCount('bits', bits, MAX_BITS);
    requireCount('hashes', hashes);
    this.bits = bits;
    this.hashes = hashes;
    this.words = new Uint32Array(Math.ceil(bits / 32));
  }

  // add and has repeat the probe walk rather than share a helper returning k indexes: that
  // would allocate an array (or fill a shared one) on every call, and both are hot paths.

  add(key: string | Uint8Array): void {
    const h1 = typeof key === 'string' ? murmur3PairString(key, 0, SEED2) : murmur3Pair(key, key.length, 0, SEED2);
    const m = this.bits;
    const words = this.words;
    // h1 picks the first probe, h2 the stride. The walk adds the stride and subtracts m when it
    // passes the end: (h1 + i·h2) mod m without a division and without overflow.
    let idx = reduce(h1, m);
    const stride = strideOf(second, m);
    for (let i = this.hashes; i > 0; i--) {
      words[idx >>> 5]! |= 1 << (idx & 31);
      idx += stride;
      if (idx >= m) idx -= m;
    }
  }

  has(key: string | Uint8Array): boolean {
    const h1 = typeof key === 'string' ? murmur3PairString(key, 0, SEED2) : murmur3Pair(key, key.length, 0, SEED2);
    const m = this.bits;
    const words = this.words;
    let idx = reduce(h1, m);
    const stride = strideOf(second, m);
    for (let i = this.hashes; i > 0; i--) {
      // One clear bit proves the key was never added.
      if ((words[idx >>> 5]! & (1 << (idx & 31))) === 0) return false;
      idx += stride;
      if (idx >= m) idx -= m;
    }
    return true;
  }
}
