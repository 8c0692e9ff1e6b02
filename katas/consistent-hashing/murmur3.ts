/**
 * The ring's default hash: MurmurHash3, x86 32-bit flavour, seed 0, over the UTF-8 bytes of a
 * string, returned as an unsigned 32-bit integer (0 ..= 2^32 - 1).
 *
 * Every client of a cache cluster must place keys the same way, so the default hash is part of the
 * contract: the spec checks it against an independent MurmurHash3 implementation.
 */
import { todo } from '../not-implemented.ts';

/**
 * MurmurHash3_x86_32(utf8(s), seed = 0) as an unsigned 32-bit integer.
 *
 * TODO:
 *  - Turn the string into UTF-8 bytes (`new TextEncoder().encode(s)` is fine; a fast path that
 *    reads `s.charCodeAt(i)` directly while every code unit is below 0x80 avoids the allocation).
 *  - For each 4-byte block (little-endian) k: k *= c1; k = rotl(k, 15); k *= c2; h ^= k;
 *    h = rotl(h, 13); h = h * 5 + 0xe6546b64. c1 = 0xcc9e2d51, c2 = 0x1b873593.
 *  - The 1-3 tail bytes form one more k (same scramble, no rotl/multiply of h afterwards).
 *  - Finalise: h ^= byteLength; h ^= h >>> 16; h *= 0x85ebca6b; h ^= h >>> 13; h *= 0xc2b2ae35;
 *    h ^= h >>> 16; return h >>> 0.
 *  - Multiply with `Math.imul`: `a * b` on 32-bit values loses the low bits to float rounding.
 */
export function murmur3(s: string): number {
  return todo('consistent-hashing', 'murmur3');
}
