/**
 * Atomic file replacement.
 *
 * `writeFileAtomic` replaces a file so that a crash at any moment leaves the old content or the
 * new one, never a mix, and so that the new content survives a power cut once the promise
 * resolves: temp file, fsync, rename, fsync of the directory. `writeFileNaive` is the write most
 * programs do (open with truncation, write, close); you write it too, and the spec shows it
 * broken. `encodeChecked` / `decodeChecked` frame a payload so a reader can tell a whole file
 * from a partial or damaged one. Read katas/atomic-write/README.md first: it defines the format
 * byte by byte and the rules the spec checks. `npm run hint atomic-write` when stuck.
 *
 * This kata uses your crc32c from the checksum kata (katas/checksum): finish that one first.
 *
 * Use only the `fs` you are given (a StoreFs) for file access: the spec hands you a simulated disk
 * that loses power, tears writes and fails fsyncs.
 */
import { crc32c } from '../checksum/index.ts';
import { todo } from '../not-implemented.ts';
import { nodeFs, type StoreFs } from '../store-fs.ts';

// ---------------------------------------------------------------------------------------------
// The checked format (README "The checked format"). Integers little-endian.
//
//   offset 0   4 bytes  magic        "AWF1" (0x41 0x57 0x46 0x31)
//   offset 4   u64      length       payload bytes
//   offset 12  u32      payload CRC  CRC-32C of the payload
//   offset 16  u32      header CRC   CRC-32C of bytes 0 .. 16 (magic, length, payload CRC)
//   offset 20  ...      payload
// ---------------------------------------------------------------------------------------------

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

/**
 * The payload framed: the 20-byte header, then the payload's bytes.
 * TypeError when `data` is not a Uint8Array.
 *
 * TODO (stage 1): a DataView over a new buffer; setBigUint64 / setUint32 with littleEndian = true.
 * The header CRC covers bytes 0 .. 16, so write it last.
 */
export function encodeChecked(data: Uint8Array): Uint8Array {
  return todo('atomic-write', 'encodeChecked');
}

/**
 * The payload of a whole checked file (a view into `buf` is fine). Throws, naming `path` when given:
 * - FormatError when the bytes that are there do not start with the magic (an empty file, or one
 *   that stops inside the magic, is partial, not foreign), or when bytes follow the payload;
 * - PartialFileError when the buffer is shorter than the header, or than header + length;
 * - ChecksumError('header' | 'payload', stored, computed) when a CRC does not match.
 * Check the header CRC before you believe the length. TypeError when `buf` is not a Uint8Array.
 *
 * TODO (stage 1)
 */
export function decodeChecked(buf: Uint8Array, path?: string): Uint8Array {
  return todo('atomic-write', 'decodeChecked');
}

// ---------------------------------------------------------------------------------------------
// Writes
// ---------------------------------------------------------------------------------------------

export interface WriteOptions {
  /** The file system (default: the real disk, `nodeFs`). */
  fs?: StoreFs;
  /**
   * fsync the directory after the rename (default true). Without it the rename is not durable:
   * after a power cut the name may still point at the old file, although the write resolved.
   */
  fsyncDir?: boolean;
}

export interface ReadOptions {
  fs?: StoreFs;
}

/** The step of an atomic write that failed. */
export type WriteStep = 'open' | 'write' | 'fsync' | 'close' | 'rename' | 'fsyncDir';

/** An atomic write failed. The file system's error is `cause`. */
export class AtomicWriteError extends Error {
  readonly code = 'ATOMIC_WRITE_FAILED';
  constructor(
    /** The target file. */
    readonly path: string,
    readonly step: WriteStep,
    /**
     * True when the rename had happened (only a failed fsyncDir): the new content is visible but
     * may not survive a power cut. False: the target still holds its old content.
     */
    readonly replaced: boolean,
    cause: unknown,
  ) {
    const what = (cause as { code?: string })?.code ?? (cause instanceof Error ? cause.message : String(cause));
    super(
      `atomic write of ${path} failed at ${step} (${what}): ` +
        (replaced
          ? 'the new content is in place but its directory entry may not survive a power cut. Do not report the write as durable.'
          : 'the file still has its old content and the temp file was removed.'),
      { cause },
    );
    this.name = 'AtomicWriteError';
  }
}

/**
 * Replaces `target` with `data` (a string is UTF-8) atomically and durably: after a crash at any
 * moment the file holds its old content or the new, and once the promise resolves the new content
 * survives a power cut.
 *
 * Steps: remove stale temps of this target (best effort); create a temp file in the same
 * directory with a unique name (README "Temp files") with 'wx'; write all bytes (loop: writes can
 * be short); fsync; close; rename over the target; fsync the directory (unless `fsyncDir: false`).
 *
 * A failing step rejects with AtomicWriteError(target, step, replaced, cause); before the rename
 * the temp file is removed and the target is untouched. TypeError for a bad path or data.
 *
 * TODO (stage 2: temp + rename; stage 3: the two fsyncs; stage 5: cleanup and error paths)
 */
export async function writeFileAtomic(target: string, data: Uint8Array | string, opts: WriteOptions = {}): Promise<void> {
  return todo('atomic-write', 'writeFileAtomic');
}

/**
 * The write most programs do: open the target with 'w' (truncating it), write all bytes (loop on
 * short writes), close. No temp file, no fsync. File system errors pass through as they are;
 * TypeError for a bad path or data. The spec shows what a crash does to it.
 *
 * TODO (stage 2)
 */
export async function writeFileNaive(target: string, data: Uint8Array | string, opts: { fs?: StoreFs } = {}): Promise<void> {
  return todo('atomic-write', 'writeFileNaive');
}

/**
 * The payload of the checked file at `target`: decodeChecked of its bytes, with `target` named in
 * the error. File system errors (ENOENT ...) pass through as they are.
 *
 * TODO (stage 2)
 */
export async function readFileChecked(target: string, opts: ReadOptions = {}): Promise<Uint8Array> {
  return todo('atomic-write', 'readFileChecked');
}

/**
 * Removes the temp files that earlier writes of `target` left behind (README "Temp files"): those
 * whose process is gone, and those of this thread that no write in flight owns. Leaves a live
 * writer's temp and every other file alone. Returns the paths removed (a missing directory: []).
 *
 * TODO (stage 5)
 */
export async function removeStaleTemps(target: string, opts: ReadOptions = {}): Promise<string[]> {
  return todo('atomic-write', 'removeStaleTemps');
}
