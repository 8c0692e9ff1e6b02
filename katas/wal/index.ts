/**
 * A segmented write-ahead log.
 *
 * Records go to the end of the newest segment file, each framed with its LSN and a CRC-32C, and an
 * append resolves only once its record is durable. Recovery (openWal) cuts a torn tail but refuses
 * to pass corruption off as one. Read katas/wal/README.md first: it defines the format byte by
 * byte and the exact rules the spec checks. `npm run hint wal` when stuck.
 *
 * This kata uses your crc32c from the checksum kata (katas/checksum): finish that one first.
 *
 * Use only the `fs` you are given (a StoreFs) for file access: the spec hands you a simulated disk
 * that loses power, tears writes and fails fsyncs.
 */
import path from 'node:path';
import { crc32c } from '../checksum/index.ts';
import { todo } from '../not-implemented.ts';
import { nodeFs, type StoreFs } from '../store-fs.ts';

export type SyncMode = 'always' | 'batch' | 'none';

export interface WalOptions {
  /** The file system (default: the real disk, `nodeFs`). */
  fs?: StoreFs;
  /**
   * Start a new segment when the next record would take the active one past this many bytes
   * (default 16 MiB). A record bigger than this gets a segment of its own.
   */
  segmentBytes?: number;
  /**
   * When an append resolves:
   *   'always' (default)  after its record was written and fsynced, one fsync per append
   *   'batch'             after an fsync that covers it, shared with the appends queued beside it (group commit)
   *   'none'              after the write; a power cut may lose it (close() syncs)
   */
  sync?: SyncMode;
}

export interface WalRecord {
  lsn: bigint;
  data: Uint8Array;
}

export interface Wal {
  /**
   * Appends one record and resolves to its LSN (1, 2, 3, ... in call order) once it is as durable
   * as `sync` promises. Copies `data`. Rejects with WalClosedError after close(), WalFailedError
   * once a write or fsync has failed (this one or an earlier one).
   */
  append(data: Uint8Array): Promise<bigint>;
  /**
   * The records from `fromLsn` (default: the oldest kept) up to the last acknowledged when the
   * iteration starts. Throws WalCorruptionError at the first bad record (after yielding the good
   * ones before it), RangeError for an LSN below the oldest kept, WalClosedError after close().
   */
  read(fromLsn?: bigint): AsyncIterable<WalRecord>;
  /**
   * Checkpoint: deletes every segment whose records all have LSNs below `lsn`, never the newest
   * segment, and resolves once the deletion is durable.
   */
  truncateBefore(lsn: bigint): Promise<void>;
  /** Lets appends already made finish, makes everything durable, closes the files. */
  close(): Promise<void>;
}

/** Damage inside data that was already durable: bit rot, a misdirected write, a lost segment. */
export class WalCorruptionError extends Error {
  readonly code = 'WAL_CORRUPT';
  constructor(
    /** Path of the segment file. */
    readonly segment: string,
    /** Byte offset in that file where the bad record starts (or where a record was missing). */
    readonly offset: number,
    /** The LSN that belongs at that offset. */
    readonly lsn: bigint,
    /** What is wrong, in words. */
    readonly reason: string,
  ) {
    super(
      `write-ahead log corrupt at ${segment} offset ${offset} (LSN ${lsn}): ${reason}. ` +
        'This is inside data that was already durable, so it is not a torn write: the log will not guess. ' +
        'Restore the segment from a replica or backup.',
    );
    this.name = 'WalCorruptionError';
  }
}

/** The log was closed; open it again to use it. */
export class WalClosedError extends Error {
  readonly code = 'WAL_CLOSED';
  constructor() {
    super('write-ahead log is closed: open it again with openWal() to append or read');
    this.name = 'WalClosedError';
  }
}

/** A write or fsync failed; the log refuses every later append. The file system error is `cause`. */
export class WalFailedError extends Error {
  readonly code = 'WAL_FAILED';
  constructor(cause: unknown) {
    const what = cause instanceof Error ? cause.message : String(cause);
    super(
      `write-ahead log failed and accepts no more appends (${what}). After a failed write or fsync the ` +
        'page cache may hold data that never reaches the disk: close the log and restart the process, then reopen.',
      { cause },
    );
    this.name = 'WalFailedError';
  }
}

// ---------------------------------------------------------------------------------------------
// The format (README "On disk"). All integers little-endian.
//
//   offset 0   u32  crc     CRC-32C of bytes 4 .. 24+length (everything after this field)
//   offset 4   u32  length  payload bytes
//   offset 8   u64  lsn     this record's LSN
//   offset 16  u64  synced  the highest LSN that was durable when this record was written
//   offset 24  ...  payload
//
// Segment files are named by the LSN of their first record, 20 digits: 00000000000000000001.wal
// ---------------------------------------------------------------------------------------------

const HEADER_SIZE = 24;
const DEFAULT_SEGMENT_BYTES = 16 * 1024 * 1024;

/** `00000000000000000001.wal` for LSN 1. */
function segmentName(firstLsn: bigint): string {
  // TODO (stage 2): zero-pad to 20 digits so that the names sort by LSN.
  return todo('wal', 'segmentName');
}

/** One record: header then payload. `synced` is the durable LSN at the time it is written. */
function encodeRecord(lsn: bigint, synced: bigint, payload: Uint8Array): Uint8Array {
  // TODO (stage 1): a DataView over a new buffer; setUint32 / setBigUint64 with littleEndian = true.
  // Fill in everything else first, then the CRC: crc32c(out.subarray(4)).
  return todo('wal', 'encodeRecord');
}

/**
 * The record at `offset` of a segment's bytes, or why there is none: fewer than 24 bytes left, a
 * length that runs past the end, a CRC that does not match. Check the CRC before you trust the
 * length, the LSN or anything else.
 */
function decodeAt(buf: Uint8Array, offset: number): { lsn: bigint; synced: bigint; size: number; payload: Uint8Array } | { bad: string } {
  return todo('wal', 'decodeAt');
}

/**
 * Opens (creating `dir` and its first segment if needed) and recovers the log.
 *
 * TODO (stage 1): create the directory and the first segment, and fsync the directory so the
 *   segment survives a power cut. Find the next LSN and the end of the last segment.
 * TODO (stage 3): scan the LAST segment record by record from its start (first LSN = its name).
 *   At the first record that is not intact with the expected LSN, decide (README "Torn tail or
 *   corruption?"): a torn tail is cut with ftruncate; corruption throws WalCorruptionError.
 *   Then fdatasync the segment and fsyncDir the directory: what you recovered must stay.
 */
export async function openWal(dir: string, opts: WalOptions = {}): Promise<Wal> {
  return todo('wal', 'openWal');
}

/**
 * One suggested shape; change it as you like. Keep one writer at a time: a queue of pending
 * appends and one loop that writes and fsyncs them.
 */
class WriteAheadLog implements Wal {
  constructor() {
    todo('wal', 'WriteAheadLog constructor');
  }

  append(data: Uint8Array): Promise<bigint> {
    // TODO (stage 1): hand out the LSN now (call order), copy `data`, queue it, start the writer.
    //   Write the whole record (loop: write() may be short), fdatasync, then resolve.
    // TODO (stage 2): rotate first when the record would overflow a non-empty segment: fdatasync
    //   the full segment, create the next one ('wx'), fsyncDir the directory.
    // TODO (stage 5): 'batch' takes everything queued as one group: one write, one fsync. If a
    //   write or fsync fails, reject the group and everything queued with WalFailedError and
    //   refuse every later append. Never retry an fsync.
    return todo('wal', 'append');
  }

  read(fromLsn?: bigint): AsyncIterable<WalRecord> {
    // TODO (stage 1): an async generator. Snapshot the last acknowledged LSN first.
    // TODO (stage 4): verify every record on the way: CRC, then LSN. The first bad one throws
    //   WalCorruptionError(segment path, offset, expected LSN, reason). An older segment must end
    //   exactly where its last record does, right before the next segment's first LSN.
    return todo('wal', 'read');
  }

  truncateBefore(lsn: bigint): Promise<void> {
    // TODO (stage 6): unlink, oldest first, each segment whose next segment starts at or below
    //   `lsn`; never the newest. Then fsyncDir.
    return todo('wal', 'truncateBefore');
  }

  close(): Promise<void> {
    return todo('wal', 'close');
  }
}
