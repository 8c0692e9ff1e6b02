/**
 * MurmurHash3, x86 32-bit flavour, seed 0, over the UTF-8 bytes of a string: the ring's default
 * hash. Short keys dominate a ring's workload, so the common case (pure ASCII, where a UTF-16 code
 * unit is the byte) reads `charCodeAt` directly and allocates nothing; anything else is encoded to
 * UTF-8 first.
 */

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;
const encoder = new TextEncoder();

/** One 4-byte block (or the zero-padded tail) scrambled before it is mixed into h. */
function scramble(k: number): number {
  k = Math.imul(k, C1);
  k = (k << 15) | (k >>> 17);
  return Math.imul(k, C2);
}

/** The final avalanche: every input bit reaches every output bit. */
function fmix(h: number, length: number): number {
  h ^= length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** MurmurHash3_x86_32 of a byte array with seed 0. */
export function murmur3Bytes(bytes: Uint8Array): number {
  const n = bytes.length;
  const blocks = n & ~3;
  let h = 0;
  for (let i = 0; i < blocks; i += 4) {
    h ^= scramble(bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24));
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  // The 1-3 tail bytes, little-endian, are scrambled into h without the block's rotate-multiply.
  const tail = n & 3;
  if (tail > 0) {
    let k = 0;
    for (let i = 0; i < tail; i++) k |= bytes[blocks + i]! << (8 * i);
    h ^= scramble(k);
  }
  return fmix(h, n);
}

/** MurmurHash3_x86_32 (seed 0) of the UTF-8 encoding of `s`, as an unsigned 32-bit integer. */
export function murmur3(s: string): number {
  const n = s.length;
  const blocks = n & ~3;
  let h = 0;
  for (let i = 0; i < blocks; i += 4) {
    const a = s.charCodeAt(i);
    const b = s.charCodeAt(i + 1);
    const c = s.charCodeAt(i + 2);
    const d = s.charCodeAt(i + 3);
    // A code unit above 0x7f is more than one UTF-8 byte: take the general path.
    if ((a | b | c | d) > 0x7f) return murmur3Bytes(encoder.encode(s));
    h ^= scramble(a | (b << 8) | (c << 16) | (d << 24));
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  const tail = n & 3;
  if (tail > 0) {
    let k = 0;
    for (let i = 0; i < tail; i++) {
      const c = s.charCodeAt(blocks + i);
      if (c > 0x7f) return murmur3Bytes(encoder.encode(s));
      k |= c << (8 * i);
    }
    h ^= scramble(k);
  }
  return fmix(h, n);
}
