/**
 * The protobuf wire format, by hand: base-128 varints and the `Record` message of
 * spec/durable-log/record.proto.
 *
 *   message Record {
 *     uint64 offset = 1;                  // varint
 *     int64 timestamp = 2;                // varint, negatives as 10-byte two's complement
 *     bytes key = 3;                      // length-delimited
 *     bytes value = 4;                    // length-delimited
 *     map<string, string> headers = 5;    // repeated length-delimited entry { string key = 1; string value = 2; }
 *   }
 *
 * Every field is a key (a varint: field number << 3 | wire type) followed by its value. The
 * encoder writes proto3's canonical form: fields in number order, default values (0, empty)
 * left out. The decoder accepts any order, lets a repeated scalar's last value win and skips
 * fields it does not know, as every protobuf parser must.
 */

/** Wire types (the low three bits of a field key). */
export const VARINT = 0;
export const I64 = 1;
export const LEN = 2;
export const SGROUP = 3;
export const EGROUP = 4;
export const I32 = 5;

const UINT64_LIMIT = 1n << 64n;
const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;
/** A uint64 needs at most ceil(64 / 7) = 10 bytes. */
export const MAX_VARINT_BYTES = 10;

/** A varint that runs off the end of the buffer, or is longer than 10 bytes / larger than 64 bits. */
export class VarintError extends Error {
  readonly code = 'VARINT';
  constructor(
    /** Where the varint starts in the buffer. */
    readonly offset: number,
    readonly reason: 'truncated' | 'overlong',
  ) {
    super(
      reason === 'truncated'
        ? `varint at byte ${offset} is truncated: the buffer ends while the continuation bit (0x80) is still set`
        : `varint at byte ${offset} is overlong: more than ${MAX_VARINT_BYTES} bytes, or a value that does not fit in 64 bits`,
    );
    this.name = 'VarintError';
  }
}

/** Bytes that are not a valid encoding of a `Record`. */
export class ProtobufDecodeError extends Error {
  readonly code = 'PROTOBUF_DECODE';
  constructor(
    /** Byte offset in the message where the problem is. */
    readonly offset: number,
    readonly reason: string,
  ) {
    super(`cannot decode Record at byte ${offset}: ${reason}`);
    this.name = 'ProtobufDecodeError';
  }
}

export interface LogRecord {
  /** uint64: the record's position in the log. */
  offset: bigint;
  /** int64: milliseconds since the epoch (may be negative). */
  timestamp: bigint;
  key: Uint8Array;
  value: Uint8Array;
  headers: Record<string, string>;
}

// ----------------------------------------------------------------------------------------------
// Varints
// ----------------------------------------------------------------------------------------------

/** The varint bytes of an unsigned 64-bit value: 7 bits a byte, low group first, 0x80 = more follow. */
export function encodeVarint(value: bigint | number): Uint8Array {
  const out: number[] = [];
  writeVarint(out, toUint64(value, 'encodeVarint'));
  return Uint8Array.from(out);
}

/** Reads the varint at `offset`: its value and how many bytes it took. */
export function decodeVarint(buf: Uint8Array, offset = 0): { value: bigint; bytes: number } {
  if (!(buf instanceof Uint8Array)) throw new TypeError('decodeVarint: buf must be a Uint8Array');
  if (!Number.isSafeInteger(offset) || offset < 0) throw new RangeError(`decodeVarint: offset ${offset} is not a non-negative integer`);
  let value = 0n;
  for (let i = 0; ; i++) {
    if (i === MAX_VARINT_BYTES) throw new VarintError(offset, 'overlong');
    const at = offset + i;
    if (at >= buf.length) throw new VarintError(offset, 'truncated');
    const b = buf[at]!;
    value |= BigInt(b & 0x7f) << BigInt(7 * i);
    if ((b & 0x80) === 0) {
      // The 10th byte carries only bit 63: anything more does not fit in 64 bits.
      if (value >= UINT64_LIMIT) throw new VarintError(offset, 'overlong');
      return { value, bytes: i + 1 };
    }
  }
}

function toUint64(value: bigint | number, what: string): bigint {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new RangeError(`${what}: ${value} is not a safe integer (pass a bigint)`);
    value = BigInt(value);
  }
  if (typeof value !== 'bigint') throw new TypeError(`${what}: expected a bigint or a number, got ${typeof value}`);
  if (value < 0n || value >= UINT64_LIMIT) throw new RangeError(`${what}: ${value} is outside uint64 [0, 2^64)`);
  return value;
}

function writeVarint(out: number[], v: bigint): void {
  while (v > 0x7fn) {
    out.push(Number(v & 0x7fn) | 0x80); // low 7 bits, continuation bit set: more groups follow
    v >>= 7n;
  }
  out.push(Number(v)); // the last group, continuation bit clear
}

// ----------------------------------------------------------------------------------------------
// Record
// ----------------------------------------------------------------------------------------------

const utf8 = new TextEncoder();
const utf8Strict = new TextDecoder('utf-8', { fatal: true });

/** Field keys: (field number << 3) | wire type. */
const OFFSET_KEY = (1 << 3) | VARINT;
const TIMESTAMP_KEY = (2 << 3) | VARINT;
const KEY_KEY = (3 << 3) | LEN;
const VALUE_KEY = (4 << 3) | LEN;
const HEADER_KEY = (5 << 3) | LEN;
const ENTRY_KEY_KEY = (1 << 3) | LEN;
const ENTRY_VALUE_KEY = (2 << 3) | LEN;

/** A length-delimited field: key, byte length, bytes. */
function writeBytes(out: number[], key: number, data: Uint8Array): void {
  writeVarint(out, BigInt(key));
  writeVarint(out, BigInt(data.length));
  for (const b of data) out.push(b);
}

/** The protobuf encoding of a Record (canonical proto3: number order, defaults left out). */
export function encodeRecord(rec: LogRecord): Uint8Array {
  checkRecord(rec);
  const out: number[] = [];
  if (rec.offset !== 0n) {
    writeVarint(out, BigInt(OFFSET_KEY));
    writeVarint(out, rec.offset);
  }
  if (rec.timestamp !== 0n) {
    writeVarint(out, BigInt(TIMESTAMP_KEY));
    writeVarint(out, BigInt.asUintN(64, rec.timestamp)); // int64: two's complement, so a negative takes 10 bytes
  }
  if (rec.key.length > 0) writeBytes(out, KEY_KEY, rec.key);
  if (rec.value.length > 0) writeBytes(out, VALUE_KEY, rec.value);
  for (const [k, v] of Object.entries(rec.headers)) {
    // A map is a repeated message { string key = 1; string value = 2; }; the entry is written whole.
    const entry: number[] = [];
    writeBytes(entry, ENTRY_KEY_KEY, utf8.encode(k));
    writeBytes(entry, ENTRY_VALUE_KEY, utf8.encode(v));
    writeBytes(out, HEADER_KEY, Uint8Array.from(entry));
  }
  return Uint8Array.from(out);
}

/** Throws TypeError / RangeError for a record that cannot be encoded. */
export function checkRecord(rec: LogRecord): void {
  if (rec === null || typeof rec !== 'object') throw new TypeError('record must be an object');
  if (typeof rec.offset !== 'bigint') throw new TypeError('record.offset must be a bigint');
  if (rec.offset < 0n || rec.offset >= UINT64_LIMIT) throw new RangeError(`record.offset ${rec.offset} is outside uint64`);
  if (typeof rec.timestamp !== 'bigint') throw new TypeError('record.timestamp must be a bigint');
  if (rec.timestamp < INT64_MIN || rec.timestamp > INT64_MAX) throw new RangeError(`record.timestamp ${rec.timestamp} is outside int64`);
  if (!(rec.key instanceof Uint8Array)) throw new TypeError('record.key must be a Uint8Array');
  if (!(rec.value instanceof Uint8Array)) throw new TypeError('record.value must be a Uint8Array');
  if (rec.headers === null || typeof rec.headers !== 'object') throw new TypeError('record.headers must be an object of strings');
  for (const [k, v] of Object.entries(rec.headers)) {
    if (typeof v !== 'string') throw new TypeError(`record.headers[${JSON.stringify(k)}] must be a string`);
  }
}

/** A cursor over a message's bytes; every read checks the bounds. */
class Reader {
  pos: number;
  constructor(
    readonly buf: Uint8Array,
    start: number,
    readonly end: number,
  ) {
    this.pos = start;
  }

  varint(): bigint {
    const at = this.pos;
    let r: { value: bigint; bytes: number };
    try {
      r = decodeVarint(this.buf.subarray(0, this.end), at);
    } catch (err) {
      if (err instanceof VarintError) throw new ProtobufDecodeError(at, `bad varint (${err.reason})`);
      throw err;
    }
    this.pos += r.bytes;
    return r.value;
  }

  /** The bytes of a length-delimited field (a view, not a copy). */
  delimited(): Uint8Array {
    const at = this.pos;
    const len = this.varint();
    if (len > BigInt(this.end - this.pos)) throw new ProtobufDecodeError(at, `length ${len} runs past the end (${this.end - this.pos} bytes left)`);
    const data = this.buf.subarray(this.pos, this.pos + Number(len));
    this.pos += Number(len);
    return data;
  }

  skip(n: number, at: number): void {
    if (this.pos + n > this.end) throw new ProtobufDecodeError(at, `a ${n}-byte fixed field runs past the end`);
    this.pos += n;
  }

  /** Reads a field key; returns [field number, wire type]. */
  key(): [number, number] {
    const at = this.pos;
    const k = this.varint();
    const field = k >> 3n;
    const wire = Number(k & 7n);
    if (field === 0n || field > 0x1fffffffn) throw new ProtobufDecodeError(at, `field number ${field} is invalid`);
    return [Number(field), wire];
  }

  /** Skips the value of an unknown field. Groups (wire types 3 and 4) are proto2 only and rejected. */
  skipValue(wire: number, at: number): void {
    switch (wire) {
      case VARINT:
        this.varint();
        return;
      case I64:
        this.skip(8, at);
        return;
      case LEN:
        this.delimited();
        return;
      case I32:
        this.skip(4, at);
        return;
      default:
        throw new ProtobufDecodeError(at, `wire type ${wire} is not supported`);
    }
  }
}

function expectWire(field: number, wire: number, want: number, at: number): void {
  if (wire !== want) throw new ProtobufDecodeError(at, `field ${field} has wire type ${wire}, the schema says ${want}`);
}

function text(data: Uint8Array, at: number): string {
  try {
    return utf8Strict.decode(data);
  } catch {
    throw new ProtobufDecodeError(at, 'a string field is not valid UTF-8');
  }
}

/** Decodes a Record; missing fields take their defaults, unknown fields are skipped. */
export function decodeRecord(buf: Uint8Array): LogRecord {
  if (!(buf instanceof Uint8Array)) throw new TypeError('decodeRecord: buf must be a Uint8Array');
  const r = new Reader(buf, 0, buf.length);
  const rec: LogRecord = { offset: 0n, timestamp: 0n, key: new Uint8Array(0), value: new Uint8Array(0), headers: {} };
  const headers: Array<[string, string]> = [];
  while (r.pos < r.end) {
    const at = r.pos;
    const [field, wire] = r.key();
    switch (field) {
      case 1:
        expectWire(field, wire, VARINT, at);
        rec.offset = r.varint();
        break;
      case 2:
        expectWire(field, wire, VARINT, at);
        rec.timestamp = BigInt.asIntN(64, r.varint());
        break;
      case 3:
        expectWire(field, wire, LEN, at);
        rec.key = r.delimited().slice();
        break;
      case 4:
        expectWire(field, wire, LEN, at);
        rec.value = r.delimited().slice();
        break;
      case 5: {
        expectWire(field, wire, LEN, at);
        const entryStart = r.pos;
        const entry = r.delimited();
        headers.push(decodeEntry(entry, entryStart + (r.pos - entryStart - entry.length)));
        break;
      }
      default:
        r.skipValue(wire, at); // a field from a newer schema: skip it, keep the rest
    }
  }
  // Object.fromEntries defines own properties, so a "__proto__" header stays a header; a later entry for the same key wins.
  rec.headers = Object.fromEntries(headers);
  return rec;
}

function decodeEntry(entry: Uint8Array, base: number): [string, string] {
  const r = new Reader(entry, 0, entry.length);
  let key = '';
  let value = '';
  while (r.pos < r.end) {
    const at = r.pos;
    const [field, wire] = r.key();
    if (field === 1) {
      expectWire(field, wire, LEN, base + at);
      key = text(r.delimited(), base + at);
    } else if (field === 2) {
      expectWire(field, wire, LEN, base + at);
      value = text(r.delimited(), base + at);
    } else {
      r.skipValue(wire, base + at);
    }
  }
  return [key, value];
}
