/**
 * The log's on-disk format: one file of CRC-framed records (katas/crash-recovery/README.md, "On
 * disk"). All integers little-endian:
 *
 *   offset 0  u32  crc     CRC-32C of bytes 4 .. 8+length (the length field and the payload)
 *   offset 4  u32  length  payload bytes
 *   offset 8  ...  payload one log record as UTF-8 JSON
 */
import { crc32c } from '../checksum/index.ts';

export const FRAME_HEADER = 8;

/** A change to one slot: `delta` is added to it. Undo adds `-delta`. */
export interface UpdateRecord {
  type: 'update';
  lsn: number;
  tx: number;
  /** The previous record of the same transaction (0: none). */
  prev: number;
  page: number;
  slot: number;
  delta: number;
}

/** A compensation record: the undo of one update, redone like an update and never undone. */
export interface ClrRecord {
  type: 'clr';
  lsn: number;
  tx: number;
  prev: number;
  page: number;
  slot: number;
  delta: number;
  /** The next record of this transaction still to undo (the undone update's prev; 0: nothing left). */
  undoNext: number;
}

export interface CommitRecord {
  type: 'commit';
  lsn: number;
  tx: number;
  prev: number;
}

/** The transaction is finished: rolled back completely (after its CLRs). */
export interface EndRecord {
  type: 'end';
  lsn: number;
  tx: number;
  prev: number;
}

export interface CheckpointRecord {
  type: 'checkpoint';
  lsn: number;
  /** Where redo must start: the oldest recLsn of a page dirty at the checkpoint, or this record's LSN. */
  redo: number;
  /** Dirty page table: [page, recLsn] (recLsn: the first record that dirtied it since it was last written). */
  dirty: [number, number][];
  /** Active transaction table: [tx, lastLsn]. */
  active: [number, number][];
}

export type LogRecord = UpdateRecord | ClrRecord | CommitRecord | EndRecord | CheckpointRecord;

/** Frames one record. */
export function encodeRecord(rec: LogRecord): Uint8Array {
  const payload = Buffer.from(JSON.stringify(rec), 'utf8');
  const out = new Uint8Array(FRAME_HEADER + payload.length);
  const view = new DataView(out.buffer);
  view.setUint32(4, payload.length, true);
  out.set(payload, FRAME_HEADER);
  view.setUint32(0, crc32c(out.subarray(4)), true);
  return out;
}

export interface LogScan {
  records: LogRecord[];
  /** Bytes of the file that hold whole, valid records: everything after is a torn tail. */
  end: number;
}

/**
 * Reads records from the start while each is whole, its CRC matches and its LSN is the next one.
 * The first that is not ends the log: a crash tore the last write (the store never overwrites
 * forced log bytes, so damage can only be at the tail).
 */
export function scanLog(buf: Uint8Array): LogScan {
  const records: LogRecord[] = [];
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let at = 0;
  while (at + FRAME_HEADER <= buf.length) {
    const length = view.getUint32(at + 4, true);
    if (length === 0 || length > buf.length - at - FRAME_HEADER) break;
    if (crc32c(buf.subarray(at + 4, at + FRAME_HEADER + length)) !== view.getUint32(at, true)) break;
    let rec: LogRecord;
    try {
      rec = JSON.parse(Buffer.from(buf.subarray(at + FRAME_HEADER, at + FRAME_HEADER + length)).toString('utf8')) as LogRecord;
    } catch {
      break;
    }
    if (rec.lsn !== records.length + 1) break;
    records.push(rec);
    at += FRAME_HEADER + length;
  }
  return { records, end: at };
}

type WithoutLsn<T> = T extends unknown ? Omit<T, 'lsn'> : never;
/** A record before the log gives it its LSN. */
export type NewRecord = WithoutLsn<LogRecord>;
