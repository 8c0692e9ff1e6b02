/**
 * Stage 1: the checked format. The layout is checked against an independent encoder (CRC-32C from
 * the `crc-32` package); every cut is a PartialFileError, every flipped bit a ChecksumError (or a
 * FormatError in the magic), nothing damaged is ever returned as a payload.
 */
import { describe, expect, it } from 'vitest';
import { ChecksumError, FormatError, PartialFileError, decodeChecked, encodeChecked } from '#kata/atomic-write';
import { checkProperty, fc } from '#support/property';
import { HEADER, bytes, crc32c, frame, hex } from './helpers.ts';

const payloads = fc.uint8Array({ maxLength: 300 });

function thrown(fn: () => unknown): unknown {
  try {
    const v = fn();
    return `returned ${v instanceof Uint8Array ? `${v.length} bytes (${hex(v.subarray(0, 16))}...)` : String(v)}`;
  } catch (err) {
    return err;
  }
}

describe('stage 1: checked format', () => {
  it('encodeChecked writes the documented layout, byte for byte (property, against an independent encoder)', async () => {
    // the README's example: "hi" framed
    const hi = encodeChecked(bytes('hi'));
    expect(hex(hi.subarray(0, 4))).toBe('41574631'); // "AWF1"
    expect(new DataView(hi.buffer, hi.byteOffset).getBigUint64(4, true)).toBe(2n);
    expect(new DataView(hi.buffer, hi.byteOffset).getUint32(12, true)).toBe(crc32c(bytes('hi')));
    expect(new DataView(hi.buffer, hi.byteOffset).getUint32(16, true)).toBe(crc32c(hi.subarray(0, 16)));
    expect(hi.length).toBe(HEADER + 2);
    await checkProperty(
      fc.property(payloads, (p) => {
        expect(hex(encodeChecked(p))).toBe(hex(frame(p)));
      }),
      { numRuns: 200 },
    );
  });

  it('decodeChecked returns the payload of a whole file, its own or one built independently (property)', async () => {
    await checkProperty(
      fc.property(payloads, fc.nat(64), (p, pad) => {
        expect(hex(decodeChecked(encodeChecked(p)))).toBe(hex(p));
        // a frame inside a larger buffer, at an odd offset
        const big = new Uint8Array(pad + HEADER + p.length + 7);
        big.set(frame(p), pad);
        expect(hex(decodeChecked(big.subarray(pad, pad + HEADER + p.length)))).toBe(hex(p));
      }),
      { numRuns: 200 },
    );
    expect(decodeChecked(frame(new Uint8Array(0))).length).toBe(0);
  });

  it('every proper prefix of a file is a PartialFileError with the expected and actual sizes, never a payload (property)', async () => {
    await checkProperty(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 60 }), (p) => {
        const whole = frame(p);
        for (let cut = 0; cut < whole.length; cut++) {
          const err = thrown(() => decodeChecked(whole.subarray(0, cut)));
          expect(err, `the first ${cut} of ${whole.length} bytes`).toBeInstanceOf(PartialFileError);
          const e = err as PartialFileError;
          expect(e.code).toBe('PARTIAL_FILE');
          expect({ expected: e.expected, actual: e.actual }).toEqual({ expected: cut < HEADER ? undefined : whole.length, actual: cut });
        }
      }),
      { numRuns: 60 },
    );
  });

  it('a flipped bit is a ChecksumError naming the header or the payload; in the magic, a FormatError (property)', async () => {
    await checkProperty(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 200 }), fc.nat(), fc.integer({ min: 0, max: 7 }), (p, at, bit) => {
        const file = frame(p);
        const i = at % file.length;
        file[i]! ^= 1 << bit;
        const err = thrown(() => decodeChecked(file));
        if (i < 4) {
          expect(err, `bit ${bit} of byte ${i} (magic)`).toBeInstanceOf(FormatError);
        } else {
          expect(err, `bit ${bit} of byte ${i}`).toBeInstanceOf(ChecksumError);
          const e = err as ChecksumError;
          expect(e.code).toBe('CHECKSUM_MISMATCH');
          expect(e.part, `bit ${bit} of byte ${i}`).toBe(i < HEADER ? 'header' : 'payload');
          expect(e.stored).not.toBe(e.computed);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('a payload CRC mismatch reports the stored and the computed CRC', () => {
    const file = frame(bytes('payload'));
    file[HEADER + 3]! ^= 0x10;
    const err = thrown(() => decodeChecked(file));
    expect(err).toBeInstanceOf(ChecksumError);
    expect({ part: (err as ChecksumError).part, stored: (err as ChecksumError).stored, computed: (err as ChecksumError).computed }).toEqual({
      part: 'payload',
      stored: crc32c(bytes('payload')),
      computed: crc32c(file.subarray(HEADER)),
    });
  });

  it('a damaged length field is damage (header CRC), not a partial file nor trailing bytes', () => {
    for (const [i, bit] of [
      [4, 0],
      [4, 3],
      [5, 7],
      [11, 7],
    ] as const) {
      const file = frame(bytes('some payload'));
      file[i]! ^= 1 << bit;
      const err = thrown(() => decodeChecked(file));
      expect(err, `bit ${bit} of length byte ${i}`).toBeInstanceOf(ChecksumError);
      expect((err as ChecksumError).part).toBe('header');
    }
  });

  it('foreign bytes and bytes after the payload are a FormatError; a stop inside the magic is partial', () => {
    const cases: Array<[string, Uint8Array, unknown]> = [
      ['a JSON file', bytes('{"a":1}'), FormatError],
      ['a wrong magic', frame(bytes('x')).map((b, i) => (i === 3 ? 0x32 : b)), FormatError],
      ['trailing bytes', new Uint8Array([...frame(bytes('abc')), 0]), FormatError],
      ['two frames back to back', new Uint8Array([...frame(bytes('a')), ...frame(bytes('b'))]), FormatError],
      ['an empty file', new Uint8Array(0), PartialFileError],
      ['"AW"', bytes('AW'), PartialFileError],
      ['"AX"', bytes('AX'), FormatError],
    ];
    for (const [what, buf, cls] of cases) {
      const err = thrown(() => decodeChecked(buf));
      expect(err, what).toBeInstanceOf(cls as typeof Error);
    }
    expect((thrown(() => decodeChecked(bytes('{"a":1}'))) as FormatError).code).toBe('NOT_CHECKED_FORMAT');
  });

  it('errors name the file when decodeChecked is given its path', () => {
    const partial = thrown(() => decodeChecked(frame(bytes('abc')).subarray(0, 21), '/data/config.bin'));
    expect(partial).toBeInstanceOf(PartialFileError);
    expect((partial as PartialFileError).path).toBe('/data/config.bin');
    expect((partial as Error).message).toContain('/data/config.bin');
    const bad = frame(bytes('abc'));
    bad[HEADER]! ^= 1;
    const crc = thrown(() => decodeChecked(bad, '/data/config.bin'));
    expect(crc).toBeInstanceOf(ChecksumError);
    expect((crc as ChecksumError).path).toBe('/data/config.bin');
    const fmt = thrown(() => decodeChecked(bytes('nope'), '/data/config.bin'));
    expect(fmt).toBeInstanceOf(FormatError);
    expect((fmt as FormatError).path).toBe('/data/config.bin');
  });

  it('rejects what is not bytes with a TypeError', () => {
    for (const bad of ['text', 42, null, undefined, [1, 2, 3], { length: 3 }]) {
      expect(thrown(() => encodeChecked(bad as unknown as Uint8Array)), `encodeChecked(${JSON.stringify(bad)})`).toBeInstanceOf(TypeError);
      expect(thrown(() => decodeChecked(bad as unknown as Uint8Array)), `decodeChecked(${JSON.stringify(bad)})`).toBeInstanceOf(TypeError);
    }
    // a Buffer is a Uint8Array and is fine
    expect(hex(decodeChecked(Buffer.from(frame(bytes('buf')))))).toBe(hex(bytes('buf')));
  });
});
