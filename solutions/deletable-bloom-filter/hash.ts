/**
 * Where a key lands: MurmurHash3 (x86, 32-bit) and Kirsch–Mitzenmacher double hashing.
 *
 * Both filters of this kata ask the same question — "which k of my m cells belong to this key?" —
 * and answer it here. A string key hashes as its UTF-8 bytes, so `'héllo'` and
 * `new TextEncoder().encode('héllo')` land on the same cells.
 */

/** What the filters accept as a key. */
export type Key = string | Uint8Array;

const SEED_1 = 0;
const SEED_2 = 0x9747b28c;

const encoder = new TextEncoder();
/** Reused for string keys so a lookup allocates nothing; grows when a key does not fit. */
let scratch = new Uint8Array(256);

/** MurmurHash3_x86_32 of `bytes[0, length)` with `seed`, as an unsigned 32-bit integer. */
export function murmur3(bytes: Uint8Array, length: number, seed: number): number {
  const c1 = 0xcc9e2d51;
  const c2 = 0x1b873593;
  let h = seed >>> 0;
  const blocks = length & ~3;
  for (let i = 0; i < blocks; i += 4) {
    let k = bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  const rest = length & 3; // 1 to 3 tail bytes, mixed in like a short block
  if (rest > 0) {
    let k = 0;
    if (rest === 3) k ^= bytes[blocks + 2]! << 16;
    if (rest >= 2) k ^= bytes[blocks + 1]! << 8;
    k ^= bytes[blocks]!;
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
  }
  h ^= length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Writes the k cell indexes of `key` in a filter of `m` cells into `out[0, k)`.
 *
 * Kirsch and Mitzenmacher ("Less Hashing, Same Performance", 2006): two hashes h1, h2 give k
 * indexes g_i = (h1 + i·h2) mod m that behave, for a Bloom filter, like k independent hashes.
 * h2 is forced odd so that, when m is a power of two, the k indexes are all different.
 */
export function fillIndexes(key: Key, k: number, m: number, out: Uint32Array): void {
  let bytes: Uint8Array;
  let length: number;
  if (typeof key === 'string') {
    // UTF-8 needs at most 3 bytes per UTF-16 code unit.
    if (scratch.length < key.length * 3) scratch = new Uint8Array(key.length * 3);
    length = encoder.encodeInto(key, scratch).written;
    bytes = scratch;
  } else {
    bytes = key;
    length = key.length;
  }
  const h1 = murmur3(bytes, length, SEED_1);
  const h2 = murmur3(bytes, length, SEED_2) | 1;
  for (let i = 0; i < k; i++) out[i] = (h1 + i * (h2 >>> 0)) % m;
}

/** The k cell indexes of `key` in a filter of `m` cells, as a fresh array. */
export function indexes(key: Key, k: number, m: number): number[] {
  const out = new Uint32Array(k);
  fillIndexes(key, k, m, out);
  return Array.from(out);
}
