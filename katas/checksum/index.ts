/**
 * Checksums and framed records.
 *
 * You build CRC-32 and CRC-32C (table-driven, then slicing-by-8), and a framed record
 * `len · crc · payload` that a write-ahead log or a Bitcask data file can append and later verify.
 * Read katas/checksum/README.md first; `npm run hint checksum` when stuck.
 *
 * Conventions shared by crc32 and crc32c (the same as zlib's crc32 and every major library):
 *   - reflected algorithm (bits are processed least significant first, the register shifts right),
 *   - the register starts at 0xFFFFFFFF and the result is XORed with 0xFFFFFFFF,
 *   - the result is an UNSIGNED 32-bit integer (use `>>> 0`: JS bitwise operators return int32),
 *   - `seed` is a previous result: crc(b, crc(a)) === crc(a ‖ b), and crc(empty, s) === s.
 */
import { todo } from '../not-implemented.ts';

// ---------------------------------------------------------------------------------------------
// Stage 1 and 2: CRC-32 and CRC-32C
// ---------------------------------------------------------------------------------------------

// The polynomials, bit-reversed for the reflected algorithm (README: "Reflected polynomials").
//   CRC-32   0x04C11DB7  reversed  0xEDB88320
//   CRC-32C  0x1EDC6F41  reversed  0x82F63B78
//
// TODO (stage 1): build a 256-entry table once, at module load. Entry n is the register after
// dividing the byte n by the polynomial bit by bit: 8 times, `c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1`.
// Then each byte costs one lookup: `crc = (crc >>> 8) ^ table[(crc ^ byte) & 0xff]`.
//
// TODO (stage 4): slicing-by-8. Seven more tables (entry n of table k = byte n followed by k zero
// bytes) let you fold 8 bytes per iteration with 8 independent lookups. Keep the byte-at-a-time
// loop for the last 0..7 bytes.

/**
 * CRC-32 (the checksum of zip, gzip, PNG and Ethernet; what `zlib.crc32` computes) of `data`.
 *
 * @param data the bytes; may be a view into a larger buffer (honour its byteOffset and length)
 * @param seed a previous CRC-32 to continue from; 0 (the default) starts a new checksum
 * @returns the CRC as an unsigned 32-bit integer, e.g. crc32(bytes of "123456789") === 0xCBF43926
 */
export function crc32(data: Uint8Array, seed = 0): number {
  return todo('checksum', 'crc32');
}

/**
 * CRC-32C (Castagnoli; iSCSI, SCTP, ext4, Btrfs, LevelDB, RocksDB, Kafka) of `data`.
 * Same conventions as `crc32`, different polynomial.
 *
 * @returns unsigned 32-bit, e.g. crc32c(bytes of "123456789") === 0xE3069283
 */
export function crc32c(data: Uint8Array, seed = 0): number {
  return todo('checksum', 'crc32c');
}

// ---------------------------------------------------------------------------------------------
// Stage 3: framed records
// ---------------------------------------------------------------------------------------------
//
// The format, byte by byte (all integers little-endian):
//
//   offset 0  u32  length  payload length in bytes (0 is valid)
//   offset 4  u32  crc     CRC-32C over bytes 0..3 (the length field) and then the payload
//   offset 8  ...  payload `length` bytes
//
// The CRC covers the length too, so a corrupted length is caught instead of silently making the
// reader take the wrong bytes as the payload. Tip: crc32c(payload, crc32c(lengthBytes)) is the CRC
// of the two concatenated, with no copy.

/** Bytes before the payload: the u32 length and the u32 CRC. */
export const RECORD_HEADER_SIZE = 8;

/** The largest payload `encodeRecord` accepts: 64 MiB. */
export const MAX_RECORD_SIZE = 64 * 1024 * 1024;

/** The record's bytes are all there, but they are not what was written. Thrown by decodeRecord. */
export class ChecksumMismatchError extends Error {
  readonly code = 'CHECKSUM_MISMATCH';
  constructor(
    /** The CRC stored in the record header (bytes 4..7). */
    readonly expected: number,
    /** The CRC computed over the length field and the payload as read. */
    readonly actual: number,
    /** The payload length the header claims. */
    readonly length: number,
  ) {
    super(
      `record checksum mismatch: the header stores CRC-32C ${hex(expected)} but the length field and ` +
        `${length} payload bytes give ${hex(actual)}. The record is corrupt (bit rot, a torn or misdirected ` +
        'write); do not use its payload or trust anything after it.',
    );
    this.name = 'ChecksumMismatchError';
  }
}

/** The buffer ends before the record does. Thrown by decodeRecord. */
export class TruncatedRecordError extends Error {
  readonly code = 'TRUNCATED_RECORD';
  constructor(
    /** Bytes the record needs from the start of the buffer: 8 for the header, or 8 + length. */
    readonly needed: number,
    /** Bytes the buffer holds. */
    readonly available: number,
  ) {
    super(
      `truncated record: it needs ${needed} bytes but only ${available} are available. ` +
        'At the end of a log this is a torn write (a crash mid-append): the record was never complete.',
    );
    this.name = 'TruncatedRecordError';
  }
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}

/**
 * Frames `payload` as `u32 LE length · u32 LE CRC-32C(length bytes ‖ payload) · payload`.
 *
 * @returns a new buffer of RECORD_HEADER_SIZE + payload.length bytes
 * @throws RangeError if payload.length > MAX_RECORD_SIZE (exactly MAX_RECORD_SIZE is allowed)
 */
export function encodeRecord(payload: Uint8Array): Uint8Array {
  // TODO: allocate the record, write the length (DataView.setUint32(offset, value, true) is
  // little-endian), copy the payload, then write the CRC of the length bytes and the payload.
  return todo('checksum', 'encodeRecord');
}

/**
 * Reads one record from the start of `buf`. `buf` may hold more bytes after the record (the rest
 * of a log): `bytesRead` is the record's total size, so a reader walks a log with
 * `offset += bytesRead`.
 *
 * Checks, in this order:
 *   1. fewer than RECORD_HEADER_SIZE bytes            -> TruncatedRecordError(needed 8, available)
 *   2. fewer than 8 + length bytes                    -> TruncatedRecordError(needed 8 + length, available)
 *      (an absurd length such as 0xFFFFFFFF lands here; never allocate by an unverified length)
 *   3. stored CRC !== CRC over length bytes + payload -> ChecksumMismatchError(stored, computed, length)
 *
 * @returns the payload (it may be a view into `buf`; callers copy it if they keep it) and bytesRead
 */
export function decodeRecord(buf: Uint8Array): { payload: Uint8Array; bytesRead: number } {
  // TODO: careful with views. If you read the header through a DataView, build it with
  // `new DataView(buf.buffer, buf.byteOffset, buf.byteLength)`: buf is often a subarray.
  return todo('checksum', 'decodeRecord');
}
