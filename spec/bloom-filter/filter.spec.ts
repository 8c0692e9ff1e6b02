/**
 * Stage 2: the filter. No false negatives, ever; strings are their UTF-8 bytes; a key's k probes
 * are spread by double hashing (checked where it is observable: m prime and k = m); bad sizes are
 * rejected.
 */
import { describe, expect, test } from 'vitest';
import { BloomFilter } from '#kata/bloom-filter';
import { checkProperty, fc } from '#support/property';
import { forEachSeed, withSeed, type Random } from '#support/seed';

const utf8 = (s: string) => new TextEncoder().encode(s);

/** A short random ASCII key. */
function randomKey(random: Random): string {
  let s = '';
  const len = random.int(1, 16);
  for (let i = 0; i < len; i++) s += String.fromCharCode(random.int(0x21, 0x7e));
  return s;
}

/** Any Unicode text: code points of every UTF-8 length (1 to 4 bytes), astral ones as surrogate pairs. */
const codePoint = fc
  .oneof(
    fc.integer({ min: 0, max: 0x7f }),
    fc.integer({ min: 0x80, max: 0x7ff }),
    fc.integer({ min: 0x800, max: 0xffff }).filter((c) => c < 0xd800 || c > 0xdfff),
    fc.integer({ min: 0x10000, max: 0x10ffff }),
  )
  .map((c) => String.fromCodePoint(c));
const unicode = (maxLength: number) => fc.string({ unit: codePoint, maxLength });

const anyKey = fc.oneof(fc.string({ maxLength: 24 }), unicode(12), fc.uint8Array({ maxLength: 24 }));

describe('stage 2: filter', () => {
  test('a new filter reports every key absent', async () => {
    await withSeed((random) => {
      const f = new BloomFilter(1024, 4);
      for (let i = 0; i < 500; i++) {
        const key = randomKey(random);
        expect(f.has(key), `has(${JSON.stringify(key)}) on an empty filter`).toBe(false);
      }
      expect(f.has('')).toBe(false);
      expect(f.has(new Uint8Array(0))).toBe(false);
    });
  });

  test('no false negatives: every added key is reported present, for any m and k (property)', async () => {
    await checkProperty(
      fc.property(
        fc.oneof(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 65, max: 100_000 })),
        fc.integer({ min: 1, max: 24 }),
        fc.array(anyKey, { maxLength: 150 }),
        (bits, hashes, keys) => {
          const f = new BloomFilter(bits, hashes);
          for (const k of keys) f.add(k);
          for (const k of keys) expect(f.has(k), `has(${typeof k === 'string' ? JSON.stringify(k) : `bytes ${Array.from(k).join(',')}`}) after add`).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  test('no false negatives in a full-size filter: 50 000 keys in 500 000 bits, k = 7', async () => {
    await withSeed((random) => {
      const f = new BloomFilter(500_000, 7);
      const keys = Array.from({ length: 50_000 }, (_, i) => `${random.seed}:${i}:${randomKey(random)}`);
      for (const k of keys) f.add(k);
      const missing = keys.filter((k) => !f.has(k));
      expect(missing.slice(0, 5), `${missing.length} added keys reported absent`).toEqual([]);
    });
  });

  test('a string key and its UTF-8 bytes are the same key (property)', async () => {
    await checkProperty(
      fc.property(fc.array(unicode(16), { minLength: 1, maxLength: 40 }), fc.array(unicode(16), { maxLength: 40 }), (added, probes) => {
        // Small and dense, so many probes are false positives: both forms must still agree.
        const asString = new BloomFilter(97, 3);
        const asBytes = new BloomFilter(97, 3);
        for (const k of added) {
          asString.add(k);
          asBytes.add(utf8(k));
        }
        for (const k of [...added, ...probes]) {
          expect(asString.has(utf8(k)), `added as string, asked as bytes: ${JSON.stringify(k)}`).toBe(asString.has(k));
          expect(asBytes.has(k), `added as bytes, asked as string: ${JSON.stringify(k)}`).toBe(asString.has(k));
        }
      }),
      { numRuns: 150 },
    );
  });

  test('a Uint8Array key is read through its view (byteOffset and length)', async () => {
    await withSeed((random) => {
      const buffer = random.bytes(64);
      const f = new BloomFilter(100_000, 7);
      f.add(buffer.subarray(8, 24));
      expect(f.has(Uint8Array.from(buffer.subarray(8, 24)))).toBe(true);
      // With one key in 100 000 bits, a false positive has probability ~(7e-5)^7: these are absent.
      expect(f.has(buffer)).toBe(false);
      expect(f.has(buffer.subarray(8, 25))).toBe(false);
      expect(f.has(buffer.subarray(0, 16))).toBe(false);
    });
  });

  test('with m prime and k = m, one key sets every bit: the k probes of a key are distinct', async () => {
    // Double hashing g_i = h1 + i·h2 mod m visits m distinct bits when m is prime, provided the
    // stride h2 mod m is never 0. A zero stride (or no stride) puts every probe on one bit, and
    // the filter stays almost empty.
    await forEachSeed(2, (random) => {
      for (const m of [2, 3, 5, 7, 11, 13]) {
        for (let trial = 0; trial < 40; trial++) {
          const f = new BloomFilter(m, m);
          const key = randomKey(random);
          f.add(key);
          for (let q = 0; q < 10; q++) {
            const probe = randomKey(random);
            expect(f.has(probe), `m = k = ${m}: after add(${JSON.stringify(key)}) every bit should be set, yet has(${JSON.stringify(probe)}) is false`).toBe(true);
          }
        }
      }
    });
  });

  test('filters do not share bits', () => {
    const a = new BloomFilter(10_000, 5);
    const b = new BloomFilter(10_000, 5);
    a.add('only-in-a');
    expect(a.has('only-in-a')).toBe(true);
    expect(b.has('only-in-a')).toBe(false);
  });

  test('bits and hashes report the constructor arguments', () => {
    for (const [bits, hashes] of [
      [1, 1],
      [100, 3],
      [9_586, 7],
      [1_000_003, 20],
    ] as const) {
      const f = new BloomFilter(bits, hashes);
      expect([f.bits, f.hashes]).toEqual([bits, hashes]);
    }
  });

  test('the constructor rejects non-positive or non-integer sizes with a RangeError naming the argument', () => {
    for (const bits of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => new BloomFilter(bits, 3), `new BloomFilter(${bits}, 3)`).toThrow(RangeError);
      expect(() => new BloomFilter(bits, 3), `new BloomFilter(${bits}, 3)`).toThrow(/bits/);
    }
    for (const hashes of [0, -2, 2.5, Number.NaN]) {
      expect(() => new BloomFilter(100, hashes), `new BloomFilter(100, ${hashes})`).toThrow(RangeError);
      expect(() => new BloomFilter(100, hashes), `new BloomFilter(100, ${hashes})`).toThrow(/hashes/);
    }
  });
});
