/**
 * Stage 2: the Record message, written by hand, checked against protobufjs reading
 * spec/durable-log/record.proto, in both directions: the learner's bytes decoded by protobufjs equal
 * the input, and protobufjs's bytes decoded by the learner equal the input, also when a newer schema
 * adds fields the learner does not know.
 */
import { describe, expect, it } from 'vitest';
import { ProtobufDecodeError, decodeRecord, encodeRecord, type LogRecord } from '#kata/durable-log';
import { checkProperty, fc } from '#support/property';
import { RecordV2Type, bytes, hex, pbDecode, pbEncode, plain, record } from './helpers.ts';

const empty = (): LogRecord => ({ offset: 0n, timestamp: 0n, key: new Uint8Array(0), value: new Uint8Array(0), headers: {} });

function decodeError(buf: Uint8Array): unknown {
  try {
    decodeRecord(buf);
  } catch (err) {
    return err;
  }
  return 'decoded without an error';
}

describe('stage 2: protobuf records', () => {
  it('protobufjs decodes the learner’s bytes to the record that was encoded (property)', async () => {
    await checkProperty(
      fc.property(record, (rec) => {
        expect(pbDecode(encodeRecord(rec))).toEqual(plain(rec));
      }),
      { numRuns: 300 },
    );
  });

  it('the learner decodes protobufjs’s bytes to the record protobufjs encoded (property)', async () => {
    await checkProperty(
      fc.property(record, (rec) => {
        const got = decodeRecord(pbEncode(rec));
        expect(typeof got.offset).toBe('bigint');
        expect(typeof got.timestamp).toBe('bigint');
        expect(got.key).toBeInstanceOf(Uint8Array);
        expect(plain(got)).toEqual(plain(rec));
      }),
      { numRuns: 300 },
    );
  });

  it('writes proto3’s canonical bytes: field order, defaults left out, the same bytes as protobufjs (property)', async () => {
    expect(encodeRecord(empty())).toHaveLength(0);
    await checkProperty(
      fc.property(record, (rec) => {
        expect(hex(encodeRecord(rec))).toBe(hex(pbEncode(rec)));
      }),
      { numRuns: 200 },
    );
  });

  it('encodes the documented example byte for byte', () => {
    const rec: LogRecord = { offset: 150n, timestamp: -1n, key: bytes('k'), value: bytes('hi'), headers: { a: 'b' } };
    expect(hex(encodeRecord(rec))).toBe(
      '089601' + // field 1 varint: 150
        '10ffffffffffffffffff01' + // field 2 varint: -1 as 10-byte two's complement
        '1a016b' + // field 3 length-delimited: "k"
        '22026869' + // field 4 length-delimited: "hi"
        '2a06' + '0a0161' + '120162', // field 5: one map entry { 1: "a", 2: "b" }
    );
    expect(plain(decodeRecord(encodeRecord(rec)))).toEqual(plain(rec));
  });

  it('skips fields it does not know, of every wire type, and keeps the rest (property)', async () => {
    const extras = fc.record({
      extraVarint: fc.bigInt({ min: 1n, max: (1n << 64n) - 1n }).map(String),
      extraFixed64: fc.bigInt({ min: 1n, max: (1n << 64n) - 1n }).map(String),
      extraString: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }),
      extraFixed32: fc.integer({ min: 1, max: 0xffffffff }),
      extraPacked: fc.array(fc.integer({ min: -1000, max: 1000 }), { minLength: 1, maxLength: 5 }),
      extraMessage: fc.record({ note: fc.string({ maxLength: 8 }), weight: fc.double({ noNaN: true }) }),
      farField: fc.uint8Array({ minLength: 1, maxLength: 8 }),
    });
    await checkProperty(
      fc.property(record, extras, (rec, extra) => {
        const buf = pbEncode(rec, RecordV2Type, extra);
        expect(plain(decodeRecord(buf))).toEqual(plain(rec));
      }),
      { numRuns: 200 },
    );
  });

  it('fields in any order, a repeated scalar (last wins), a repeated map key (last wins), map entries missing key or value', () => {
    // value, then offset twice, then a header entry with value before key, one with no value, and "a" again
    const buf = Uint8Array.from([
      0x22, 0x01, 0x76, // value "v"
      0x08, 0x05, // offset 5
      0x08, 0x07, // offset 7: wins
      0x2a, 0x06, 0x12, 0x01, 0x31, 0x0a, 0x01, 0x61, // { value "1", key "a" }
      0x2a, 0x03, 0x0a, 0x01, 0x62, // { key "b" } : value ""
      0x2a, 0x06, 0x0a, 0x01, 0x61, 0x12, 0x01, 0x32, // { key "a", value "2" }: wins
    ]);
    const got = decodeRecord(buf);
    expect(plain(got)).toEqual(plain({ ...empty(), offset: 7n, value: bytes('v'), headers: { a: '2', b: '' } }));
    expect(pbDecode(buf)).toEqual(plain(got)); // protobufjs reads it the same way
  });

  it('bad bytes are a ProtobufDecodeError: truncated fields, a wrong wire type for a known field, groups, field 0', () => {
    const good = encodeRecord({ offset: 300n, timestamp: 9n, key: bytes('key'), value: bytes('value'), headers: { h: 'x' } });
    for (let cut = 1; cut < good.length; cut++) {
      const r = pbDecodeOrError(good.subarray(0, cut));
      const err = decodeError(good.subarray(0, cut));
      // a cut at a field boundary is a shorter, valid message; anywhere else it is an error
      if (r === 'error') expect(err, `the first ${cut} of ${good.length} bytes`).toBeInstanceOf(ProtobufDecodeError);
    }
    const bad: Array<[string, Uint8Array]> = [
      ['length past the end', Uint8Array.of(0x22, 0x05, 0x61)],
      ['key with wire type 0', Uint8Array.of(0x18, 0x01)],
      ['offset with wire type 2', Uint8Array.of(0x0a, 0x01, 0x00)],
      ['a group (wire type 3)', Uint8Array.of(0x33, 0x34)],
      ['field number 0', Uint8Array.of(0x00, 0x01)],
      ['a truncated fixed64', Uint8Array.of(0x31, 0x01, 0x02)],
      ['a header key that is not UTF-8', Uint8Array.of(0x2a, 0x03, 0x0a, 0x01, 0xff)],
      ['an overlong varint', Uint8Array.of(0x08, ...new Array<number>(11).fill(0xff))],
    ];
    for (const [what, buf] of bad) {
      const err = decodeError(buf);
      expect(err, what).toBeInstanceOf(ProtobufDecodeError);
      expect((err as ProtobufDecodeError).code, what).toBe('PROTOBUF_DECODE');
    }
  });

  it('a record that cannot be encoded is a TypeError or RangeError', () => {
    const cases: Array<[string, unknown, typeof TypeError | typeof RangeError]> = [
      ['offset as a number', { ...empty(), offset: 1 }, TypeError],
      ['negative offset', { ...empty(), offset: -1n }, RangeError],
      ['offset past uint64', { ...empty(), offset: 1n << 64n }, RangeError],
      ['timestamp past int64', { ...empty(), timestamp: 1n << 63n }, RangeError],
      ['key as a string', { ...empty(), key: 'k' }, TypeError],
      ['value missing', { ...empty(), value: undefined }, TypeError],
      ['header value a number', { ...empty(), headers: { a: 1 } }, TypeError],
    ];
    for (const [what, rec, cls] of cases) expect(() => encodeRecord(rec as LogRecord), what).toThrow(cls);
  });
});

function pbDecodeOrError(buf: Uint8Array): 'ok' | 'error' {
  try {
    pbDecode(buf);
    return 'ok';
  } catch {
    return 'error';
  }
}
