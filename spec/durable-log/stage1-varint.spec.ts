/**
 * Stage 1: base-128 varints, checked against protobufjs's Writer and Reader: every uint64
 * (bigint-safe, the 7-bit group boundaries included), the exact bytes, and VarintError for a
 * truncated or overlong varint.
 */
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { VarintError, decodeVarint, encodeVarint } from '#kata/durable-log';
import { checkProperty, fc } from '#support/property';
import { hex, uint64 } from './helpers.ts';

/** protobufjs's varint of a uint64. */
function pbVarint(v: bigint): Uint8Array {
  return protobuf.Writer.create().uint64(v.toString()).finish();
}

describe('stage 1: varints', () => {
  it('encodes the documented examples byte for byte', () => {
    const cases: Array<[bigint | number, string]> = [
      [0n, '00'],
      [1n, '01'],
      [127n, '7f'],
      [128n, '8001'],
      [150, '9601'],
      [300n, 'ac02'],
      [16383n, 'ff7f'],
      [16384n, '808001'],
      [(1n << 63n) - 1n, 'ffffffffffffffff7f'],
      [(1n << 64n) - 1n, 'ffffffffffffffffff01'],
    ];
    for (const [v, want] of cases) expect(hex(encodeVarint(v)), `encodeVarint(${v})`).toBe(want);
  });

  it('agrees with protobufjs on every uint64, both ways (property)', async () => {
    await checkProperty(
      fc.property(uint64, fc.uint8Array({ maxLength: 3 }), (v, trailing) => {
        const mine = encodeVarint(v);
        const theirs = pbVarint(v);
        expect(hex(mine)).toBe(hex(theirs));
        expect(mine.length).toBe(Math.max(1, Math.ceil(v.toString(2).length / 7)));
        // protobufjs reads the learner's bytes back ...
        expect(protobuf.Reader.create(mine).uint64().toString()).toBe(v.toString());
        // ... and the learner reads protobufjs's, at an offset and with bytes after it
        const buf = new Uint8Array([0xaa, ...theirs, ...trailing]);
        const got = decodeVarint(buf, 1);
        expect(typeof got.value).toBe('bigint');
        expect(got.value.toString()).toBe(v.toString());
        expect(got.bytes).toBe(theirs.length);
      }),
      { numRuns: 400 },
    );
  });

  it('the continuation bit is set on every byte but the last, at every 7-bit boundary', () => {
    for (let k = 1; k <= 9; k++) {
      for (const v of [(1n << BigInt(7 * k)) - 1n, 1n << BigInt(7 * k), (1n << BigInt(7 * k)) + 1n]) {
        const b = encodeVarint(v);
        expect(b.length, `encodeVarint(${v})`).toBe(v < 1n << BigInt(7 * k) ? k : k + 1);
        b.forEach((byte, i) => expect(byte & 0x80, `byte ${i} of encodeVarint(${v})`).toBe(i < b.length - 1 ? 0x80 : 0));
        expect(decodeVarint(b).value.toString()).toBe(v.toString());
      }
    }
  });

  it('a truncated varint is a VarintError, never a smaller value', () => {
    for (const v of [128n, 300n, 1n << 35n, (1n << 64n) - 1n]) {
      const full = encodeVarint(v);
      for (let cut = 0; cut < full.length; cut++) {
        let err: unknown;
        try {
          decodeVarint(full.subarray(0, cut));
        } catch (e) {
          err = e;
        }
        expect(err, `${cut} of ${full.length} bytes of ${v}`).toBeInstanceOf(VarintError);
        expect((err as VarintError).reason).toBe('truncated');
      }
    }
    expect(() => decodeVarint(Uint8Array.of(0x01, 0x80), 1)).toThrow(VarintError);
  });

  it('an overlong varint (11+ bytes, or a 10th byte past bit 63) is a VarintError', () => {
    const eleven = new Uint8Array([...new Array<number>(10).fill(0x80), 0x00]);
    const tooBig = Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02); // 2^64 and more
    for (const b of [eleven, tooBig, new Uint8Array(20).fill(0xff)]) {
      let err: unknown;
      try {
        decodeVarint(b);
      } catch (e) {
        err = e;
      }
      expect(err, hex(b)).toBeInstanceOf(VarintError);
      expect((err as VarintError).reason, hex(b)).toBe('overlong');
      expect((err as VarintError).code).toBe('VARINT');
    }
    // ten bytes holding 2^64 - 1 are fine, and a redundant but in-range form decodes
    expect(String(decodeVarint(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01)).value)).toBe(String((1n << 64n) - 1n));
    const redundant = decodeVarint(Uint8Array.of(0x81, 0x00));
    expect([String(redundant.value), redundant.bytes]).toEqual(['1', 2]);
  });

  it('a value outside uint64 is a RangeError, a non-integer a RangeError or TypeError', () => {
    expect(() => encodeVarint(-1n)).toThrow(RangeError);
    expect(() => encodeVarint(1n << 64n)).toThrow(RangeError);
    expect(() => encodeVarint(-5)).toThrow(RangeError);
    expect(() => encodeVarint(1.5)).toThrow(RangeError);
    expect(() => encodeVarint('7' as unknown as bigint)).toThrow(TypeError);
    expect(hex(encodeVarint(Number.MAX_SAFE_INTEGER))).toBe(hex(pbVarint(BigInt(Number.MAX_SAFE_INTEGER))));
  });
});
