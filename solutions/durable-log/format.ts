/**
 * The on-disk format (katas/durable-log/README.md, "On disk").
 *
 * A segment is a pair of files named by the offset of its first record, 20 digits:
 *   00000000000000000000.log     frames, back to back
 *   00000000000000000000.index   8-byte entries (u32 BE relative offset, u32 BE position)
 *
 * A frame:
 *   u32 LE   crc      CRC-32C of the length varint and the payload (everything after this field)
 *   varint   length   payload bytes
 *   ...      payload  the protobuf-encoded Record, whose `offset` field is the record's offset
 *
 * The index is sparse: a record at position p > 0 gets an entry when p is at least
 * `indexIntervalBytes` past the last indexed position (0 at the start of a segment). It is a hint
 * derived from the log, so it is never trusted over the log.
 */
import { crc32c } from '../checksum/index.ts';
import { decodeRecord, decodeVarint, encodeVarint, type LogRecord } from './protobuf.ts';

export const SEGMENT_DIGITS = 20;
export const INDEX_ENTRY_BYTES = 8;
/** The largest payload a frame may declare. */
export const MAX_PAYLOAD = 16 * 1024 * 1024;
const LOG_RE = /^(\d{20})\.log$/;
const INDEX_RE = /^(\d{20})\.index$/;

export function baseName(base: bigint): string {
  return base.toString().padStart(SEGMENT_DIGITS, '0');
}
export const logName = (base: bigint) => `${baseName(base)}.log`;
export const indexName = (base: bigint) => `${baseName(base)}.index`;

export function parseLogName(name: string): bigint | undefined {
  const m = LOG_RE.exec(name);
  return m ? BigInt(m[1]!) : undefined;
}
export function parseIndexName(name: string): bigint | undefined {
  const m = INDEX_RE.exec(name);
  return m ? BigInt(m[1]!) : undefined;
}

/** crc | length varint | payload. */
export function encodeFrame(payload: Uint8Array): Uint8Array {
  const len = encodeVarint(payload.length);
  const out = new Uint8Array(4 + len.length + payload.length);
  out.set(len, 4);
  out.set(payload, 4 + len.length);
  new DataView(out.buffer).setUint32(0, crc32c(out.subarray(4)), true);
  return out;
}

export type Frame = { ok: true; record: LogRecord; size: number } | { ok: false; reason: string; intact: boolean };

/**
 * The frame at `at`: complete, its CRC matching, its payload a Record. `intact` on a failure
 * means the CRC matched (the bytes are what was written) but the payload is not a Record.
 */
export function decodeFrame(buf: Uint8Array, at: number): Frame {
  const left = buf.length - at;
  if (left <= 0) return { ok: false, reason: 'the file ends here', intact: false };
  if (left < 5) return { ok: false, reason: `only ${left} bytes left, less than a frame header`, intact: false };
  let len: bigint;
  let lenBytes: number;
  try {
    const v = decodeVarint(buf.subarray(0, Math.min(buf.length, at + 14)), at + 4);
    len = v.value;
    lenBytes = v.bytes;
  } catch {
    return { ok: false, reason: 'the length varint is cut off or overlong', intact: false };
  }
  if (len > BigInt(MAX_PAYLOAD)) return { ok: false, reason: `the length field says ${len} bytes, more than the ${MAX_PAYLOAD}-byte limit`, intact: false };
  const size = 4 + lenBytes + Number(len);
  if (size > left) return { ok: false, reason: `the length field says ${len} bytes but only ${left - 4 - lenBytes} follow`, intact: false };
  const stored = new DataView(buf.buffer, buf.byteOffset + at, 4).getUint32(0, true);
  if (crc32c(buf.subarray(at + 4, at + size)) !== stored) return { ok: false, reason: 'checksum mismatch', intact: false };
  try {
    return { ok: true, record: decodeRecord(buf.subarray(at + 4 + lenBytes, at + size)), size };
  } catch (err) {
    return { ok: false, reason: `the payload is not a Record (${(err as Error).message})`, intact: true };
  }
}

export interface IndexEntry {
  /** Record offset minus the segment's base offset. */
  rel: number;
  position: number;
}

/** Whether the record at `position` gets an index entry, given the last indexed position. */
export function wantsEntry(position: number, lastIndexed: number, interval: number): boolean {
  return position > 0 && position - lastIndexed >= interval;
}

export function encodeIndex(entries: readonly IndexEntry[]): Uint8Array {
  const out = new Uint8Array(entries.length * INDEX_ENTRY_BYTES);
  const view = new DataView(out.buffer);
  entries.forEach((e, i) => {
    view.setUint32(i * INDEX_ENTRY_BYTES, e.rel, false);
    view.setUint32(i * INDEX_ENTRY_BYTES + 4, e.position, false);
  });
  return out;
}

/**
 * The entries of an index file, or undefined when it cannot be the index of a log of `logSize`
 * bytes holding `count` records: a torn entry, entries out of order, positions past the end.
 * (An index that passes can still be stale; every lookup checks the frame it points at.)
 */
export function parseIndex(bytes: Uint8Array, logSize: number, count: bigint | undefined): IndexEntry[] | undefined {
  if (bytes.length % INDEX_ENTRY_BYTES !== 0) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: IndexEntry[] = [];
  let prev: IndexEntry = { rel: 0, position: 0 };
  for (let i = 0; i < bytes.length; i += INDEX_ENTRY_BYTES) {
    const e = { rel: view.getUint32(i, false), position: view.getUint32(i + 4, false) };
    if (e.rel <= prev.rel || e.position <= prev.position || e.position >= logSize) return undefined;
    if (count !== undefined && BigInt(e.rel) >= count) return undefined;
    out.push(e);
    prev = e;
  }
  return out;
}

export interface Scan {
  /** Position just after the last good frame. */
  end: number;
  /** The offset the next record must have. */
  next: bigint;
  /** The index rebuilt from the good frames. */
  index: IndexEntry[];
  /** The first frame that is not good, if the scan stopped before the end. */
  bad?: { position: number; reason: string; intact: boolean };
}

/** Walks a segment's frames from the start while each is good and has the next offset. */
export function scanSegment(buf: Uint8Array, base: bigint, interval: number): Scan {
  const index: IndexEntry[] = [];
  let lastIndexed = 0;
  let at = 0;
  let next = base;
  while (at < buf.length) {
    const f = decodeFrame(buf, at);
    if (!f.ok) return { end: at, next, index, bad: { position: at, reason: f.reason, intact: f.intact } };
    if (f.record.offset !== next) {
      return { end: at, next, index, bad: { position: at, reason: `an intact record with offset ${f.record.offset} sits where offset ${next} belongs`, intact: true } };
    }
    if (wantsEntry(at, lastIndexed, interval)) {
      index.push({ rel: Number(next - base), position: at });
      lastIndexed = at;
    }
    at += f.size;
    next++;
  }
  return { end: at, next, index };
}

/**
 * The tail rule. Frames are written in order and a torn write only damages the end of what was
 * written, so if a good frame of a later record sits anywhere after the bad spot, the bad spot is
 * not the tail: it is damage in the middle of the log. Every byte position is tried, since the
 * damaged frame's length cannot be trusted to find the next one.
 */
export function goodFrameAfter(buf: Uint8Array, from: number, next: bigint): boolean {
  for (let q = from + 1; q + 5 <= buf.length; q++) {
    const f = decodeFrame(buf, q);
    if (f.ok && f.record.offset >= next) return true;
  }
  return false;
}
