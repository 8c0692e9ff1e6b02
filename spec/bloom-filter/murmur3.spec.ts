/**
 * Stage 1: MurmurHash3_x86_32. Published vectors (SMHasher's verification value and the widely
 * cited table of edge cases), then equality with murmurhash3js-revisited, a JavaScript port that
 * matches the C++ reference, on random bytes, strings and seeds.
 */
import murmur from 'murmurhash3js-revisited';
import { describe, expect, test } from 'vitest';
import { murmur3_32 } from '#kata/bloom-filter';
import { checkProperty, fc } from '#support/property';
import { withSeed } from '#support/seed';

const utf8 = (s: string) => new TextEncoder().encode(s);
const oracle = (bytes: Uint8Array, seed: number) => murmur.x86.hash32(bytes, seed);
const hex = (n: number) => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;

/** [expected, bytes, seed]: the edge cases of the widely used MurmurHash3_x86_32 test table. */
const BYTE_VECTORS: Array<[number, number[], number]> = [
  [0x00000000, [], 0], // no data, seed 0: everything stays 0
  [0x514e28b7, [], 1], // only the length mix and fmix run
  [0x81f16f39, [], 0xffffffff], // the seed is unsigned 32-bit
  [0x76293b50, [0xff, 0xff, 0xff, 0xff], 0], // blocks use unsigned math
  [0xf55b516b, [0x21, 0x43, 0x65, 0x87], 0], // blocks are little-endian
  [0x2362f9de, [0x21, 0x43, 0x65, 0x87], 0x5082edee], // a seed that cancels the first block
  [0x7e4a8634, [0x21, 0x43, 0x65], 0], // 3-byte tail
  [0xa0f7b07a, [0x21, 0x43], 0], // 2-byte tail
  [0x72661cf4, [0x21], 0], // 1-byte tail
  [0x2362f9de, [0x00, 0x00, 0x00, 0x00], 0], // zero bytes are data
  [0x85f0b427, [0x00, 0x00, 0x00], 0],
  [0x30f4c306, [0x00, 0x00], 0],
  [0x514e28b7, [0x00], 0],
];

/** [expected, string, seed]: strings hashed as their UTF-8 bytes. */
const STRING_VECTORS: Array<[number, string, number]> = [
  [0x00000000, '', 0],
  [0x7fa09ea6, 'a', 0x9747b28c],
  [0x5d211726, 'aa', 0x9747b28c],
  [0x283e0130, 'aaa', 0x9747b28c],
  [0x5a97808a, 'aaaa', 0x9747b28c],
  [0x74875592, 'ab', 0x9747b28c],
  [0xc84a62dd, 'abc', 0x9747b28c],
  [0xf0478627, 'abcd', 0x9747b28c],
  [0xb3dd93fa, 'abc', 0],
  [0x24884cba, 'Hello, world!', 0x9747b28c],
  [0xd58063c1, 'ππππππππ', 0x9747b28c], // 2-byte UTF-8 sequences
  [0x37405bdc, 'a'.repeat(256), 0x9747b28c],
  [0xee925b90, 'abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq', 0],
  [0x2fa826cd, 'The quick brown fox jumps over the lazy dog', 0x9747b28c],
  [0xa8d02b9a, 'I will not buy this record, it is scratched.', 0],
  [0x9638b3af, 'My hovercraft is full of eels.', 25],
];

/** One Unicode scalar value of each UTF-8 length (1 to 4 bytes); astral ones are surrogate pairs. */
const codePoint = fc
  .oneof(
    fc.integer({ min: 0, max: 0x7f }),
    fc.integer({ min: 0x80, max: 0x7ff }),
    fc.integer({ min: 0x800, max: 0xffff }).filter((c) => c < 0xd800 || c > 0xdfff),
    fc.integer({ min: 0x10000, max: 0x10ffff }),
  )
  .map((c) => String.fromCodePoint(c));
/** Any UTF-16 string, lone surrogates included: one arbitrary code unit at a time. */
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
const anyString = fc.oneof(
  fc.string({ maxLength: 40 }), // printable ASCII: the common key
  fc.string({ unit: codePoint, maxLength: 40 }),
  fc.string({ unit: fc.oneof(fc.constantFrom('a', 'é', 'π', '鍵', '😀', '👍🏽', 'e\u0301'), codePoint), maxLength: 12 }), // ASCII and not, mixed
  fc.string({ unit: codeUnit, maxLength: 40 }),
);
const anySeed = fc.integer({ min: 0, max: 0xffffffff });

describe('stage 1: MurmurHash3', () => {
  test('published vectors over bytes: empty input, seeds, endianness and 1-, 2-, 3-byte tails', () => {
    for (const [expected, bytes, seed] of BYTE_VECTORS) {
      const got = murmur3_32(Uint8Array.from(bytes), seed);
      expect(hex(got), `murmur3_32([${bytes.map((b) => hex(b).slice(8)).join(' ')}], ${hex(seed)})`).toBe(hex(expected));
    }
  });

  test('published string vectors: strings are hashed as their UTF-8 bytes', () => {
    for (const [expected, s, seed] of STRING_VECTORS) {
      expect(hex(murmur3_32(s, seed)), `murmur3_32(${JSON.stringify(s.slice(0, 30))}, ${hex(seed)})`).toBe(hex(expected));
    }
  });

  test('returns the unsigned 32-bit value, never a negative number', () => {
    // 0xf55b516b has its top bit set: read as int32 it would be negative.
    expect(murmur3_32(Uint8Array.of(0x21, 0x43, 0x65, 0x87))).toBe(0xf55b516b);
    expect(murmur3_32('aaaa', 0x9747b28c)).toBe(0x5a97808a);
  });

  test('the seed defaults to 0 and is read as uint32 (−1 is 0xffffffff)', () => {
    expect(murmur3_32('abc')).toBe(0xb3dd93fa);
    expect(murmur3_32(new Uint8Array(0), -1)).toBe(0x81f16f39);
    expect(murmur3_32('abc', -1)).toBe(oracle(utf8('abc'), 0xffffffff));
  });

  test('SMHasher verification value 0xB0F57EE3 (keys 0..255 bytes long, seeds 256..1)', () => {
    // SMHasher's VerificationTest: hash {}, {0}, {0,1}, ... {0..254} with seed 256 − length,
    // store the 256 hashes little-endian, hash that buffer with seed 0.
    const key = new Uint8Array(256);
    const hashes = new Uint8Array(256 * 4);
    const view = new DataView(hashes.buffer);
    for (let i = 0; i < 256; i++) {
      key[i] = i;
      view.setUint32(i * 4, murmur3_32(key.subarray(0, i), 256 - i), true);
    }
    expect(hex(murmur3_32(hashes, 0))).toBe(hex(0xb0f57ee3));
  });

  test('equals the oracle for every length 0..64, so every tail length and block count', async () => {
    await withSeed((random) => {
      for (let len = 0; len <= 64; len++) {
        const bytes = random.bytes(len);
        const seed = random.int(0, 0xffffffff);
        expect(hex(murmur3_32(bytes, seed)), `length ${len}, seed ${hex(seed)}`).toBe(hex(oracle(bytes, seed)));
      }
    });
  });

  test('equals murmurhash3js-revisited on random bytes and seeds (property)', async () => {
    await checkProperty(
      fc.property(fc.uint8Array({ maxLength: 100 }), anySeed, (bytes, seed) => {
        expect(murmur3_32(bytes, seed)).toBe(oracle(bytes, seed));
      }),
      { numRuns: 400 },
    );
  });

  test('equals the oracle on the UTF-8 bytes of random strings, non-ASCII and lone surrogates included (property)', async () => {
    // A lone surrogate is not a character: UTF-8 encoders (TextEncoder, Buffer) write U+FFFD.
    await checkProperty(
      fc.property(anyString, anySeed, (s, seed) => {
        expect(murmur3_32(s, seed)).toBe(oracle(utf8(s), seed));
      }),
      { numRuns: 400 },
    );
  });

  test('a string and its UTF-8 bytes hash the same (property)', async () => {
    await checkProperty(
      fc.property(anyString, anySeed, (s, seed) => {
        expect(murmur3_32(s, seed)).toBe(murmur3_32(utf8(s), seed));
      }),
      { numRuns: 200 },
    );
  });

  test('a lone surrogate hashes as U+FFFD (EF BF BD), as TextEncoder encodes it', () => {
    const replacement = oracle(Uint8Array.of(0xef, 0xbf, 0xbd), 0);
    expect(murmur3_32('\ud800', 0)).toBe(replacement);
    expect(murmur3_32('\udfff', 0)).toBe(replacement);
    expect(murmur3_32('a\ud83d', 7)).toBe(oracle(Uint8Array.of(0x61, 0xef, 0xbf, 0xbd), 7));
    expect(murmur3_32('😀', 0)).toBe(oracle(Uint8Array.of(0xf0, 0x9f, 0x98, 0x80), 0)); // a pair is one character
  });

  test('reads a Uint8Array through its view: byteOffset and length, not the whole buffer', async () => {
    await checkProperty(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 80 }), fc.nat(), fc.nat(), anySeed, (buf, a, b, seed) => {
        const start = a % buf.length;
        const end = start + (b % (buf.length - start + 1));
        const view = buf.subarray(start, end);
        expect(murmur3_32(view, seed)).toBe(oracle(Uint8Array.from(view), seed));
      }),
      { numRuns: 200 },
    );
  });
});
