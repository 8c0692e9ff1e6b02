/**
 * The checked file format (katas/atomic-write/README.md, "The checked format"): one frame per
 * file, a header that says how long the file must be and what its payload's CRC is, so a reader
 * can tell a whole file from a partial one and from a damaged one.
 *
 *   offset 0   4 bytes  magic        "AWF1"
 *   offset 4   u64 LE   length       payload bytes
 *   offset 12  u32 LE   payload CRC  CRC-32C of the payload
 *   offset 16  u32 LE   header CRC   CRC-32C of bytes 0 .. 16 (magic, length, payload CRC)
 *   offset 20  ...      payload
 *
 * The order of the checks matters. A file cut short is the normal result of a crash during a
 * non-atomic write; a file of the right length whose bytes are wrong is damage. The header CRC
 * comes before the length is believed: a flipped bit in the length field must read as damage, not
 * as "the file is shorter than it says".
 */
import { crc32c } from '../checksum/index.ts';

export const MAGIC = new Uint8Array([0x41, 0x57, 0x46, 0x31]); // "AWF1"
export const HEADER_SIZE = 20;

/** The file is shorter than a whole frame: cut off by a crash during a write. */
export class PartialFileError extends Error {
  readonly code = 'PARTIAL_FILE';
  constructor(
    /** Bytes a whole file would have (header + length), or undefined when even the header is incomplete. */
    readonly expected: number | undefined,
    /** Bytes that are there. */
    readonly actual: number,
    /** The file, when known. */
    readonly path?: string,
  ) {
    super(
      `${path ?? 'checked data'} is partial: ${actual} bytes, ` +
        (expected === undefined ? `not even the ${HEADER_SIZE}-byte header` : `its header promises ${expected}`) +
        '. A write was cut short (a crash during a non-atomic write, or a copy that did not finish).',
    );
    this.name = 'PartialFileError';
  }
}

/** The file is as long as its header says, but its bytes are not what was written: damage. */
export class ChecksumError extends Error {
  readonly code = 'CHECKSUM_MISMATCH';
  constructor(
    /** Which CRC failed: the header's (magic, length, payload CRC) or the payload's. */
    readonly part: 'header' | 'payload',
    readonly stored: number,
    readonly computed: number,
    readonly path?: string,
  ) {
    super(
      `${path ?? 'checked data'}: ${part} CRC-32C mismatch (stored ${hex(stored)}, computed ${hex(computed)}). ` +
        'The bytes were damaged after they were written (bit rot, a bad copy, a torn write into an existing file).',
    );
    this.name = 'ChecksumError';
  }
}

/** Not a checked file at all: wrong magic, or bytes after the payload. */
export class FormatError extends Error {
  readonly code = 'NOT_CHECKED_FORMAT';
  constructor(
    readonly reason: string,
    readonly path?: string,
  ) {
    super(`${path ?? 'checked data'} is not a checked file: ${reason}`);
    this.name = 'FormatError';
  }
}

const hex = (n: number) => `0x${n.toString(16).padStart(8, '0')}`;

/** The payload framed: header, then the payload's bytes. */
export function encodeChecked(data: Uint8Array): Uint8Array {
  if (!(data instanceof Uint8Array)) throw new TypeError(`encodeChecked: data must be a Uint8Array, got ${describe(data)}`);
  const out = new Uint8Array(HEADER_SIZE + data.length);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  out.set(MAGIC, 0);
  view.setBigUint64(4, BigInt(data.length), true);
  view.setUint32(12, crc32c(data), true);
  view.setUint32(16, crc32c(out.subarray(0, 16)), true);
  out.set(data, HEADER_SIZE);
  return out;
}

/**
 * The payload of a whole checked file (a view into `buf`, not a copy). Throws PartialFileError,
 * ChecksumError or FormatError, naming `path` when given.
 */
export function decodeChecked(buf: Uint8Array, path?: string): Uint8Array {
  if (!(buf instanceof Uint8Array)) throw new TypeError(`decodeChecked: buf must be a Uint8Array, got ${describe(buf)}`);
  // Magic first, as far as the bytes go: an empty file, or one that stops inside the magic, is a
  // cut-off checked file; anything else there is some other file.
  for (let i = 0; i < Math.min(MAGIC.length, buf.length); i++) {
    if (buf[i] !== MAGIC[i]) throw new FormatError(`it does not start with the magic "AWF1"`, path);
  }
  if (buf.length < HEADER_SIZE) throw new PartialFileError(undefined, buf.length, path);

  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const headerStored = view.getUint32(16, true);
  const headerComputed = crc32c(buf.subarray(0, 16));
  if (headerStored !== headerComputed) throw new ChecksumError('header', headerStored, headerComputed, path);

  // The header is intact, so the length is the one the writer meant.
  const length = view.getBigUint64(4, true);
  const end = BigInt(HEADER_SIZE) + length;
  if (BigInt(buf.length) < end) throw new PartialFileError(Number(end), buf.length, path);
  if (BigInt(buf.length) > end) throw new FormatError(`${buf.length - Number(end)} bytes after the end of the payload`, path);

  const payload = buf.subarray(HEADER_SIZE, Number(end));
  const stored = view.getUint32(12, true);
  const computed = crc32c(payload);
  if (stored !== computed) throw new ChecksumError('payload', stored, computed, path);
  return payload;
}

export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return `a ${(v as object).constructor?.name ?? 'object'}`;
  return typeof v;
}
