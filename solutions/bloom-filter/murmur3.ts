/**
 * MurmurHash3_x86_32 (Austin Appleby, public domain reference in SMHasher) over bytes, and over
 * strings as their UTF-8 bytes, encoded on the fly without allocating.
 *
 * All arithmetic is 32-bit: `Math.imul` multiplies modulo 2^32 (a plain `*` would lose the low
 * bits once the product passes 2^53), `|` and `^` keep values as int32, and `>>> 0` turns the
 * final state into the unsigned number the C reference returns as uint32_t.
 */

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

/** Scrambles one 4-byte block (or the zero-padded tail) before it enters the state. */
function scramble(k: number): number {
  k = Math.imul(k, C1);
  k = (k << 15) | (k >>> 17);
  return Math.imul(k, C2);
}

/** Folds one scrambled block into the state. */
function round(h: number, k: number): number {
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/**
 * Final avalanche: every input bit now affects every output bit. Without it, keys that differ only
 * in their last block differ in few output bits, which a Bloom filter turns into clustered probes.
 */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}

/**
 * Two MurmurHash3_x86_32 values of the same bytes, for seeds `seedA` and `seedB`, in one pass:
 * the block scramble does not depend on the seed, so the second hash costs only its own rounds
 * and final mix. Returns the first and leaves the second in `second` (no array per call). Both
 * are the hash's 32 bits read as an int32, which keeps the JIT on integer arithmetic; `>>> 0`
 * gives the unsigned value.
 */
export function murmur3Pair(bytes: Uint8Array, len: number, seedA: number, seedB: number): number {
  let a = seedA | 0;
  let b = seedB | 0;
  const blocks = len & ~3;
  for (let i = 0; i < blocks; i += 4) {
    // Blocks are read little-endian, whatever the machine: the hash is defined on bytes.
    const k = scramble(bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24));
    a = round(a, k);
    b = round(b, k);
  }
  // The 1-3 trailing bytes are scrambled like a block but only xored in: no rotate, no * 5 + c.
  const rest = len & 3;
  if (rest !== 0) {
    let k = bytes[blocks]!;
    if (rest > 1) k |= bytes[blocks + 1]! << 8;
    if (rest > 2) k |= bytes[blocks + 2]! << 16;
    k = scramble(k);
    a ^= k;
    b ^= k;
  }
  // Mixing in the length separates keys that differ only by trailing zero bytes.
  second = fmix32(b ^ len);
  return fmix32(a ^ len);
}

/** The second hash of the last `murmur3Pair` or `murmur3PairString` call. */
export let second = 0;

/**
 * `murmur3Pair` of the UTF-8 bytes of `s`. ASCII characters are their own UTF-8 bytes, so an
 * ASCII string is hashed straight from its char codes; the first non-ASCII character sends the
 * whole string through `murmur3PairEncoded` instead.
 */
export function murmur3PairString(s: string, seedA: number, seedB: number): number {
  const len = s.length;
  let a = seedA | 0;
  let b = seedB | 0;
  const blocks = len & ~3;
  let i = 0;
  for (; i < blocks; i += 4) {
    const c0 = s.charCodeAt(i);
    const c1 = s.charCodeAt(i + 1);
    const c2 = s.charCodeAt(i + 2);
    const c3 = s.charCodeAt(i + 3);
    if ((c0 | c1 | c2 | c3) > 0x7f) return murmur3PairEncoded(s, seedA, seedB);
    const k = scramble(c0 | (c1 << 8) | (c2 << 16) | (c3 << 24));
    a = round(a, k);
    b = round(b, k);
  }
  const rest = len & 3;
  if (rest !== 0) {
    const c0 = s.charCodeAt(i);
    const c1 = rest > 1 ? s.charCodeAt(i + 1) : 0;
    const c2 = rest > 2 ? s.charCodeAt(i + 2) : 0;
    if ((c0 | c1 | c2) > 0x7f) return murmur3PairEncoded(s, seedA, seedB);
    const k = scramble(c0 | (c1 << 8) | (c2 << 16));
    a ^= k;
    b ^= k;
  }
  // All ASCII: the byte length is the string length.
  second = fmix32(b ^ len);
  return fmix32(a ^ len);
}

/**
 * `murmur3Pair` of the UTF-8 bytes of a string with non-ASCII characters, encoded on the fly:
 * each UTF-16 unit (or surrogate pair) becomes 1-4 bytes packed little-endian in `u`, which is
 * shifted into the 4-byte block being assembled in `acc`. No bytes are written to memory, so no
 * call allocates or crosses into C++ (`TextEncoder.encodeInto` would). Lone surrogates become
 * U+FFFD (EF BF BD), as every UTF-8 encoder writes them.
 */
function murmur3PairEncoded(s: string, seedA: number, seedB: number): number {
  let a = seedA | 0;
  let b = seedB | 0;
  let acc = 0; // bytes of the block being assembled, the first in the low 8 bits
  let filled = 0; // bits of acc in use: 0, 8, 16 or 24
  let len = 0; // UTF-8 bytes so far
  const units = s.length;
  for (let i = 0; i < units; i++) {
    let c = s.charCodeAt(i);
    let u: number;
    let n: number;
    if (c < 0x80) {
      u = c;
      n = 1;
    } else if (c < 0x800) {
      u = (0xc0 | (c >> 6)) | ((0x80 | (c & 0x3f)) << 8);
      n = 2;
    } else if (c >= 0xd800 && c <= 0xdfff) {
      const next = i + 1 < units ? s.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        // A high surrogate followed by a low one: one code point above U+FFFF, 4 bytes.
        c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
        i++;
        u =
          (0xf0 | (c >> 18)) |
          ((0x80 | ((c >> 12) & 0x3f)) << 8) |
          ((0x80 | ((c >> 6) & 0x3f)) << 16) |
          ((0x80 | (c & 0x3f)) << 24);
        n = 4;
      } else {
        u = 0xef | (0xbf << 8) | (0xbd << 16);
        n = 3;
      }
    } else {
      u = (0xe0 | (c >> 12)) | ((0x80 | ((c >> 6) & 0x3f)) << 8) | ((0x80 | (c & 0x3f)) << 16);
      n = 3;
    }
    len += n;
    acc |= u << filled; // bytes past the block's 4th fall off here and are taken again below
    filled += n << 3;
    if (filled >= 32) {
      const k = scramble(acc);
      a = round(a, k);
      b = round(b, k);
      filled -= 32;
      // The bytes of u that did not fit: its top `filled` bits. (u >>> 32 would be u, hence the test.)
      acc = filled === 0 ? 0 : u >>> ((n << 3) - filled);
    }
  }
  if (filled !== 0) {
    const k = scramble(acc);
    a ^= k;
    b ^= k;
  }
  second = fmix32(b ^ len);
  return fmix32(a ^ len);
}

/** MurmurHash3_x86_32 of `data` (a string is hashed as its UTF-8 bytes); seed read as uint32. */
export function murmur3_32(data: Uint8Array | string, seed = 0): number {
  // The pair's second hash is not needed here; computing it costs a few operations per block.
  const h = typeof data === 'string' ? murmur3PairString(data, seed, 0) : murmur3Pair(data, data.length, seed, 0);
  return h >>> 0;
}
