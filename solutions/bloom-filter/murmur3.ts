/**
 * MurmurHash3_x86_32 (Austin Appleby, public domain reference in SMHasher) over bytes, and over
 * strings as their UTF-8 bytes without allocating.
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

// Strings are hashed as their UTF-8 bytes. Non-ASCII strings are encoded into one scratch buffer,
// grown on demand, so no call allocates. At most 3 bytes per UTF-16 code unit: a surrogate pair
// (2 units) is 4 bytes, anything else up to 3.
let scratch = new Uint8Array(256);

/**
 * Writes the UTF-8 bytes of `s` into `scratch` and returns how many: the same bytes as
 * `TextEncoder`, lone surrogates included (U+FFFD, EF BF BD), but for short keys about twice as
 * fast as a call to `encodeInto`, which crosses from JavaScript into C++.
 */
function encodeUtf8(s: string): number {
  if (s.length * 3 > scratch.length) scratch = new Uint8Array(Math.max(s.length * 3, scratch.length * 2));
  const out = scratch;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      out[n++] = c;
    } else if (c < 0x800) {
      out[n++] = 0xc0 | (c >> 6);
      out[n++] = 0x80 | (c & 0x3f);
    } else if (c >= 0xd800 && c <= 0xdfff) {
      const next = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        // A high surrogate followed by a low one: one code point above U+FFFF, 4 bytes.
        c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
        i++;
        out[n++] = 0xf0 | (c >> 18);
        out[n++] = 0x80 | ((c >> 12) & 0x3f);
        out[n++] = 0x80 | ((c >> 6) & 0x3f);
        out[n++] = 0x80 | (c & 0x3f);
      } else {
        // A lone surrogate is not a character: UTF-8 encoders write U+FFFD in its place.
        out[n++] = 0xef;
        out[n++] = 0xbf;
        out[n++] = 0xbd;
      }
    } else {
      out[n++] = 0xe0 | (c >> 12);
      out[n++] = 0x80 | ((c >> 6) & 0x3f);
      out[n++] = 0x80 | (c & 0x3f);
    }
  }
  return n;
}

/**
 * `murmur3Pair` of the UTF-8 bytes of `s`. ASCII characters are their own UTF-8 bytes, so an
 * ASCII string is hashed straight from its char codes; the first non-ASCII character sends the
 * whole string through `encodeUtf8` instead.
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

function murmur3PairEncoded(s: string, seedA: number, seedB: number): number {
  const written = encodeUtf8(s);
  return murmur3Pair(scratch, written, seedA, seedB);
}

/** MurmurHash3_x86_32 of `data` (a string is hashed as its UTF-8 bytes); seed read as uint32. */
export function murmur3_32(data: Uint8Array | string, seed = 0): number {
  // The pair's second hash is not needed here; computing it costs a few operations per block.
  const h = typeof data === 'string' ? murmur3PairString(data, seed, 0) : murmur3Pair(data, data.length, seed, 0);
  return h >>> 0;
}
