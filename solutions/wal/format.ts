/**
 * The on-disk format of the write-ahead log (katas/wal/README.md, "On disk"): segment file names,
 * the record layout, and the two reading rules: the strict one (every record up to the end must be
 * intact) and the tail rule that tells a torn write from corruption.
 *
 * A record, all integers little-endian:
 *
 *   offset 0   u32  crc     CRC-32C of bytes 4 .. 24+length (everything after this field)
 *   offset 4   u32  length  payload bytes
 *   offset 8   u64  lsn     the record's log sequence number
 *   offset 16  u64  synced  the highest LSN that was durable when this record was written
 *   offset 24  ...  payload
 */
import { crc32c } from '../checksum/index.ts';

export const HEADER_SIZE = 24;
/** The largest payload an append accepts (the length field could say 4 GiB; nobody wants that). */
export const MAX_PAYLOAD = 64 * 1024 * 1024;
export const SEGMENT_DIGITS = 20;
const SEGMENT_RE = /^(\d{20})\.wal$/;

/** `00000000000000000001.wal`: the first LSN the segment holds, zero-padded so names sort by LSN. */
export function segmentName(firstLsn: bigint): string {
  return `${firstLsn.toString().padStart(SEGMENT_DIGITS, '0')}.wal`;
}

/** The first LSN of a segment file name, or undefined for any other file. */
export function parseSegmentName(name: string): bigint | undefined {
  const m = SEGMENT_RE.exec(name);
  return m ? BigInt(m[1]!) : undefined;
}

/** CRC-32C over the record after the crc field: length, LSN, synced mark and payload. */
function recordCrc(buf: Uint8Array, at: number, length: number): number {
  return crc32c(buf.subarray(at + 4, at + HEADER_SIZE + length));
}

/** Writes one framed record into `out` at `at`; returns its size. */
export function encodeInto(out: Uint8Array, at: number, lsn: bigint, synced: bigint, payload: Uint8Array): number {
  const view = new DataView(out.buffer, out.byteOffset + at, HEADER_SIZE);
  view.setUint32(4, payload.length, true);
  view.setBigUint64(8, lsn, true);
  view.setBigUint64(16, synced, true);
  out.set(payload, at + HEADER_SIZE);
  view.setUint32(0, recordCrc(out, at, payload.length), true);
  return HEADER_SIZE + payload.length;
}

export type Decoded =
  | { ok: true; lsn: bigint; synced: bigint; size: number; payload: Uint8Array }
  | { ok: false; reason: string };

/** The record at `at`, if its bytes are all there and its CRC matches. Never trusts the length before the CRC. */
export function decodeAt(buf: Uint8Array, at: number): Decoded {
  const left = buf.length - at;
  if (left <= 0) return { ok: false, reason: 'the file ends here' };
  if (left < HEADER_SIZE) return { ok: false, reason: `only ${left} bytes left, less than a ${HEADER_SIZE}-byte header` };
  const view = new DataView(buf.buffer, buf.byteOffset + at, HEADER_SIZE);
  const length = view.getUint32(4, true);
  if (length > left - HEADER_SIZE) return { ok: false, reason: `the length field says ${length} bytes but only ${left - HEADER_SIZE} follow` };
  const stored = view.getUint32(0, true);
  if (recordCrc(buf, at, length) !== stored) return { ok: false, reason: 'checksum mismatch' };
  return {
    ok: true,
    lsn: view.getBigUint64(8, true),
    synced: view.getBigUint64(16, true),
    size: HEADER_SIZE + length,
    payload: buf.subarray(at + HEADER_SIZE, at + HEADER_SIZE + length),
  };
}

export interface Scan {
  /** Offset just after the last good record. */
  end: number;
  /** The LSN the next record must have. */
  nextLsn: bigint;
  /** The first record that is not good, if the scan stopped before the end of the buffer. */
  bad?: { offset: number; reason: string; /** its CRC matched: it is whole, but not the record that belongs here */ intact: boolean };
}

/** Walks the records of one segment from the start while each is intact and has the next LSN. */
export function scanSegment(buf: Uint8Array, firstLsn: bigint): Scan {
  let at = 0;
  let expected = firstLsn;
  while (at < buf.length) {
    const rec = decodeAt(buf, at);
    if (!rec.ok) return { end: at, nextLsn: expected, bad: { offset: at, reason: rec.reason, intact: false } };
    if (rec.lsn !== expected) {
      return { end: at, nextLsn: expected, bad: { offset: at, reason: `an intact record with LSN ${rec.lsn} sits where LSN ${expected} belongs`, intact: true } };
    }
    at += rec.size;
    expected++;
  }
  return { end: at, nextLsn: expected };
}

/**
 * The tail rule. A torn write can only damage bytes that were never synced. A record written
 * after LSN `lsn` was durable carries `synced >= lsn`: if any intact record after `from` says so,
 * the damage at `from` is inside synced data, so it is corruption, not a torn tail.
 *
 * Every byte offset is tried, not just record boundaries: the damaged length field cannot be
 * trusted to find the next record. Cheap checks of the synced, LSN and length fields come first;
 * zeros and random garbage fail them, so the CRC runs almost never.
 */
export function vouchedAfter(buf: Uint8Array, from: number, lsn: bigint): boolean {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  for (let q = from + 1; q + HEADER_SIZE <= buf.length; q++) {
    const synced = view.getBigUint64(q + 16, true);
    if (synced < lsn) continue;
    if (view.getBigUint64(q + 8, true) <= synced) continue; // a record is never durable before it is written
    const rec = decodeAt(buf, q);
    if (rec.ok && rec.synced >= lsn) return true;
  }
  return false;
}
