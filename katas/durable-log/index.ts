/**
 * A segmented, append-only message log, like one partition of Kafka.
 *
 * Records are protobuf messages (spec/durable-log/record.proto) that YOU encode and decode: no
 * protobuf library, just varints and length-delimited fields. Each record is framed with a CRC-32C
 * and appended to the newest segment file; segments are named by the offset of their first record
 * and each has a sparse offset index. Read katas/durable-log/README.md first: it defines the wire
 * format and the files byte by byte. `npm run hint durable-log` when stuck.
 *
 * This kata uses your crc32c from the checksum kata (katas/checksum): finish that one first.
 *
 * Use only the `fs` you are given (a StoreFs) for file access: the spec hands you a simulated disk
 * that loses power and tears writes.
 */
import path from 'node:path';
import { crc32c } from '../checksum/index.ts';
import { todo } from '../not-implemented.ts';
import { nodeFs, type StoreFs } from '../store-fs.ts';

// ---------------------------------------------------------------------------------------------
// Errors (the spec checks the class and the fields)
// ---------------------------------------------------------------------------------------------

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
        : `varint at byte ${offset} is overlong: more than 10 bytes, or a value that does not fit in 64 bits`,
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

/** Damage inside data that was already durable: bit rot, a misdirected write, a record that does not belong. */
export class LogCorruptionError extends Error {
  readonly code = 'LOG_CORRUPT';
  constructor(
    /** Path of the segment's .log file. */
    readonly segment: string,
    /** Byte position in that file where the bad frame starts. */
    readonly position: number,
    /** The offset of the record that belongs at that position. */
    readonly offset: bigint,
    /** What is wrong, in words. */
    readonly reason: string,
  ) {
    super(
      `log corrupt at ${segment} position ${position} (offset ${offset}): ${reason}. ` +
        'This is inside data that was already durable, so it is not a torn write: the log will not guess. ' +
        'Restore the segment from a replica.',
    );
    this.name = 'LogCorruptionError';
  }
}

/** The log was closed; open it again to use it. */
export class LogClosedError extends Error {
  readonly code = 'LOG_CLOSED';
  constructor() {
    super('durable log is closed: open it again with openLog() to append or read');
    this.name = 'LogClosedError';
  }
}

/** A read asked for an offset the log does not hold: deleted by retention, or not written yet. */
export class OffsetOutOfRangeError extends Error {
  readonly code = 'OFFSET_OUT_OF_RANGE';
  constructor(
    readonly offset: bigint,
    /** The oldest offset still kept. */
    readonly startOffset: bigint,
    /** The offset the next append will get. */
    readonly nextOffset: bigint,
  ) {
    super(`offset ${offset} is out of range: the log holds offsets ${startOffset} to ${nextOffset - 1n} (next append: ${nextOffset})`);
    this.name = 'OffsetOutOfRangeError';
  }
}

// ---------------------------------------------------------------------------------------------
// Stage 1: varints
// ---------------------------------------------------------------------------------------------

/**
 * The varint bytes of an unsigned 64-bit value: 7 bits a byte, the low group first, the high bit
 * (0x80) set on every byte but the last. 0 → [0x00], 150 → [0x96, 0x01], 2^64-1 → 10 bytes.
 * Throws RangeError outside [0, 2^64) or for a number that is not a safe integer, TypeError for
 * anything but a bigint or a number.
 */
export function encodeVarint(value: bigint | number): Uint8Array {
  // TODO (stage 1): work in bigint (numbers lose precision past 2^53). While the value does not
  //   fit in 7 bits, emit its low 7 bits with 0x80 set and shift right by 7; then the last group.
  return todo('durable-log', 'encodeVarint');
}

/**
 * Reads the varint that starts at `offset`: its value (always a bigint) and how many bytes it
 * took. Throws VarintError('truncated') when the buffer ends inside it, VarintError('overlong')
 * past 10 bytes or when the value does not fit in 64 bits.
 */
export function decodeVarint(buf: Uint8Array, offset = 0): { value: bigint; bytes: number } {
  return todo('durable-log', 'decodeVarint');
}

// ---------------------------------------------------------------------------------------------
// Stage 2: the Record message (spec/durable-log/record.proto)
// ---------------------------------------------------------------------------------------------

export interface LogRecord {
  /** uint64 (field 1): the record's position in the log. */
  offset: bigint;
  /** int64 (field 2): milliseconds since the epoch; may be negative. */
  timestamp: bigint;
  /** bytes (field 3) */
  key: Uint8Array;
  /** bytes (field 4) */
  value: Uint8Array;
  /** map<string, string> (field 5) */
  headers: Record<string, string>;
}

/**
 * The protobuf encoding of a Record, canonical proto3: fields in number order, fields holding
 * their default (0, empty) left out, so the bytes equal any protobuf library's.
 * Throws TypeError / RangeError for a record that cannot be encoded (wrong types, an offset
 * outside uint64, a timestamp outside int64).
 */
export function encodeRecord(rec: LogRecord): Uint8Array {
  // TODO (stage 2): each field is key = (field number << 3 | wire type) as a varint, then:
  //   varint fields (wire type 0): the value as a varint; int64 negatives as their 64-bit two's
  //     complement (BigInt.asUintN(64, v)), which always takes 10 bytes;
  //   bytes / string / nested message (wire type 2): the length as a varint, then the bytes.
  //   A map<string, string> is a repeated nested message { string key = 1; string value = 2; },
  //   one per entry.
  return todo('durable-log', 'encodeRecord');
}

/**
 * Decodes a Record from any valid encoding: fields in any order, a repeated scalar field's last
 * value wins, a repeated map key's last entry wins, missing fields take their defaults, unknown
 * fields of wire types 0, 1, 2 and 5 are skipped. Throws ProtobufDecodeError for anything else:
 * a truncated field, a known field with the wrong wire type, wire types 3, 4, 6, 7, field number
 * 0, a string that is not UTF-8.
 */
export function decodeRecord(buf: Uint8Array): LogRecord {
  // TODO (stage 2): a loop over keys until the end; switch on the field number; for unknown
  //   fields skip by wire type (0: a varint, 1: 8 bytes, 2: a length and that many bytes,
  //   5: 4 bytes). Decode int64 with BigInt.asIntN(64, v). Build headers with Object.fromEntries
  //   (a "__proto__" header must stay a header). new TextDecoder('utf-8', { fatal: true }).
  return todo('durable-log', 'decodeRecord');
}

// ---------------------------------------------------------------------------------------------
// Stages 3-5: the log
// ---------------------------------------------------------------------------------------------

export interface RetentionPolicy {
  /** Keep at most this many segments (an integer >= 1). */
  maxSegments?: number;
  /** Keep at most this many bytes of .log files (>= 0); 0 deletes every record, offsets still go on. */
  maxBytes?: number;
}

export interface LogOptions {
  /** The file system (default: the real disk, `nodeFs`). */
  fs?: StoreFs;
  /**
   * Roll to a new segment when the next frame would take the active one past this many bytes
   * (default 16 MiB, at least 64). A frame bigger than this gets a segment of its own.
   */
  segmentBytes?: number;
  /** Write an index entry each time this many bytes of frames passed since the last one (default 4096, >= 1). */
  indexIntervalBytes?: number;
  /** What enforceRetention() keeps. Bad values: RangeError from openLog. */
  retention?: RetentionPolicy;
}

/** What append() takes: the log assigns the offset. */
export interface NewRecord {
  value: Uint8Array;
  key?: Uint8Array;
  /** Milliseconds since the epoch (default: now). */
  timestamp?: bigint;
  headers?: Record<string, string>;
}

export interface DurableLog {
  /** The offset of the oldest record kept (the next offset when the log is empty). */
  readonly startOffset: bigint;
  /** The offset the next append gets. */
  readonly nextOffset: bigint;
  /**
   * Appends one record and resolves to its offset (0, 1, 2, ... in call order) once it is written
   * to the segment file. Written is not durable: flush() makes it so. Copies the buffers.
   * Rejects with TypeError / RangeError for a bad record, LogClosedError after close().
   */
  append(rec: NewRecord): Promise<bigint>;
  /**
   * Up to `maxRecords` (default: all) records from offset `from` on, in offset order: what was
   * appended before the call. `from` equal to nextOffset gives []. Rejects with
   * OffsetOutOfRangeError below startOffset or past nextOffset, TypeError when `from` is not a
   * bigint, RangeError for a negative maxRecords, LogCorruptionError at a bad frame,
   * LogClosedError after close().
   */
  read(from: bigint, maxRecords?: number): Promise<LogRecord[]>;
  /** Makes every append that resolved before this call durable (fsync of the log and its index). */
  flush(): Promise<void>;
  /**
   * Deletes the oldest segments (.log and .index) while the retention policy is exceeded, and
   * resolves to how many, once the deletion is durable. When even the active segment must go, it
   * first rolls to a new, empty segment named by the next offset.
   */
  enforceRetention(): Promise<number>;
  /** Lets queued appends finish, flushes, closes the files. Later calls: LogClosedError. */
  close(): Promise<void>;
}

// The files (README "On disk"):
//
//   <20-digit base offset>.log     frames, back to back:
//       u32 LE   crc      CRC-32C of the length varint and the payload
//       varint   length   payload bytes
//       ...      payload  encodeRecord(record), with record.offset set
//   <20-digit base offset>.index   8-byte entries, u32 BE (offset - base), u32 BE position in the .log;
//       a record at position p > 0 gets one when p - (last indexed position, 0 at first) >= indexIntervalBytes

/** `00000000000000000000` for offset 0. */
function baseName(base: bigint): string {
  // TODO (stage 3): zero-pad to 20 digits so that names sort by offset.
  return todo('durable-log', 'baseName');
}

/** One frame: crc | length varint | payload. */
function encodeFrame(payload: Uint8Array): Uint8Array {
  return todo('durable-log', 'encodeFrame');
}

/**
 * Opens (creating `dir` and the first segment if needed) and recovers the log.
 *
 * TODO (stage 3): list the segments; create 00000000000000000000.log and .index when there are
 *   none, and fsyncDir so they survive a power cut. Load each segment's index.
 * TODO (stage 4): scan the LAST segment frame by frame (CRC first, then the protobuf, then
 *   offset == expected). At the first bad frame decide (README "Torn tail or corruption?"): a
 *   torn tail is cut with ftruncate; damage with a good frame after it is LogCorruptionError.
 *   Rebuild that segment's index from the scan and rewrite the .index file if it differs (it is
 *   written without fsync, so after a crash it may be stale, torn or missing). fdatasync, and
 *   fsyncDir when you created or cut anything. An index of an older segment that cannot be right
 *   (missing, torn, out of order, past the end) is rebuilt; one that points at the wrong frame is
 *   rebuilt when a read finds that out.
 * TODO (stage 5): an empty log's next offset is its active segment's base offset, not 0.
 */
export async function openLog(dir: string, opts: LogOptions = {}): Promise<DurableLog> {
  return todo('durable-log', 'openLog');
}

/**
 * One suggested shape; change it as you like. Keep one writer at a time: chain every mutation
 * (append, flush, enforceRetention, close) on one promise so they run in call order.
 */
class SegmentedLog implements DurableLog {
  constructor() {
    todo('durable-log', 'SegmentedLog constructor');
  }

  get startOffset(): bigint {
    return todo('durable-log', 'startOffset');
  }

  get nextOffset(): bigint {
    return todo('durable-log', 'nextOffset');
  }

  append(rec: NewRecord): Promise<bigint> {
    // TODO (stage 3): validate and copy now; in the chain: offset = next, encodeRecord, frame,
    //   roll first if the frame would overflow a non-empty segment (fdatasync the old .log and
    //   .index, create the new pair with 'wx', fsyncDir), write the whole frame (write() may be
    //   short), maybe an index entry, then resolve.
    return todo('durable-log', 'append');
  }

  read(from: bigint, maxRecords?: number): Promise<LogRecord[]> {
    // TODO (stage 3): find the segment (greatest base <= from), then the greatest index entry
    //   <= from, check the frame it points at really is that offset, and scan forward.
    return todo('durable-log', 'read');
  }

  flush(): Promise<void> {
    return todo('durable-log', 'flush');
  }

  enforceRetention(): Promise<number> {
    // TODO (stage 5): oldest first; unlink .log and .index, then fsyncDir.
    return todo('durable-log', 'enforceRetention');
  }

  close(): Promise<void> {
    return todo('durable-log', 'close');
  }
}
