/**
 * Bitcask: a log-structured hash table.
 *
 * Every put and delete is appended to the newest data file. An in-memory hash table, the keydir,
 * maps each live key to where its latest entry is on disk, so a get is one lookup and one read.
 * Files roll over at `maxFileBytes`; merge() rewrites only the live entries into a merged file with
 * a hint file beside it, so the next open can rebuild the keydir without reading the data.
 *
 * Read katas/bitcask/README.md first: it defines the on-disk format byte by byte, and the crash
 * and corruption rules the spec holds you to. `npm run hint bitcask` when stuck.
 *
 * Use only `opts.fs` for file access (never node:fs): the spec hands you a simulated disk that
 * loses power, tears writes and flips bits.
 *
 * This kata uses your crc32c from the checksum kata (imported below).
 */
import { todo } from '../not-implemented.ts';
import { nodeFs, type StoreFs } from '../store-fs.ts';
import { crc32c } from '../checksum/index.ts';

// ---------------------------------------------------------------------------------------------
// The API
// ---------------------------------------------------------------------------------------------

export interface BitcaskOptions {
  /** The file system (default: `nodeFs`, the real disk). The spec passes a simulated one. */
  fs?: StoreFs;
  /**
   * The active data file rolls over to a new one before an append would take it past this many
   * bytes (default 64 MiB). An entry larger than this goes alone into a file of its own.
   */
  maxFileBytes?: number;
  /**
   * 'always' (default): a put or delete resolves only after its entry is written and fdatasynced.
   * 'none': it resolves once the entry is written (the OS flushes it later); close() syncs.
   */
  sync?: 'always' | 'none';
}

export interface Bitcask {
  /**
   * The key's latest value, or undefined when it was never put or was deleted. Verifies the entry
   * it reads (checksum, key, timestamp): a damaged entry rejects with BitcaskCorruptionError.
   */
  get(key: string | Uint8Array): Promise<Uint8Array | undefined>;
  /**
   * Appends the entry and resolves once it is durable (per `sync`); only then may get() see it.
   * Strings are their UTF-8 bytes. RangeError for a key over 64 KiB or a value over 64 MiB.
   */
  put(key: string | Uint8Array, value: string | Uint8Array): Promise<void>;
  /** Appends a tombstone (when the key is live) and resolves once it is durable. */
  delete(key: string | Uint8Array): Promise<void>;
  /** Every live key once, as bytes, in any order (a snapshot taken when iteration starts). */
  keys(): AsyncIterable<Uint8Array>;
  /**
   * Rewrites the live entries of every data file into one merged data file plus its hint file,
   * then deletes the old files. Crash-safe at every step; never brings back a deleted key.
   */
  merge(): Promise<void>;
  /** Waits for pending writes, syncs, closes the files and removes the LOCK file. Idempotent. */
  close(): Promise<void>;
}

/**
 * Opens the store in `dir`, creating the directory (durably) if needed: takes the LOCK file,
 * removes leftover *.tmp files, loads each data file (from its hint file when that is intact,
 * else by scanning it), cuts a torn tail off the newest file, and appends to the newest file.
 *
 * Rejects with BitcaskLockedError when another live process (or another open store in this
 * process) holds the directory, and with BitcaskCorruptionError for damage the scan cannot
 * attribute to a key (README: "What open does with damage").
 */
export async function openBitcask(dir: string, opts: BitcaskOptions = {}): Promise<Bitcask> {
  // TODO (stage 1): one data file, a keydir Map, put/get/delete/keys/close.
  // TODO (stage 2): file rotation at maxFileBytes; on open, scan every data file in id order.
  // TODO (stage 3): fdatasync before resolving; fsyncDir after creating a file; cut a torn tail.
  // TODO (stage 4): keyCrc, attribution of damaged entries, resync after a damaged header.
  // TODO (stage 5): merge() with the temp-file / rename / fsyncDir switch, hint files.
  // TODO (stage 6): the LOCK file with the stale-lock rule.
  return todo('bitcask', 'openBitcask');
}

// ---------------------------------------------------------------------------------------------
// The on-disk format (README: "The on-disk format"). All integers little-endian.
// ---------------------------------------------------------------------------------------------
//
// Data files are named by a 10-digit, zero-padded decimal id: 0000000001.data, 0000000002.data...
// Entry:
//   0   u32  crc        CRC-32C of bytes 8 .. end of entry (timestamp, sizes, key, value)
//   4   u32  keyCrc     CRC-32C of bytes 16 .. 24 + keySize (the two sizes and the key)
//   8   u64  timestamp  logical clock: one more than the largest timestamp the store has seen
//   16  u32  keySize
//   20  u32  valueSize  0xFFFFFFFF = tombstone (a delete): no value bytes follow
//   24  key bytes, then value bytes
//
// Hint file (beside a merged data file, same id, .hint): entries, then a 20-byte footer.
//   entry:  u64 timestamp · u32 keySize · u32 valueSize · u64 offset of the entry in the data file · key
//   footer: u32 magic 0x46484342 ("BCHF") · u32 entry count · u64 size of the data file ·
//           u32 CRC-32C of every byte of the hint file before this field
//
// Suggested constants:
//   const HEADER_SIZE = 24;
//   const TOMBSTONE = 0xffffffff;
//   const MAX_KEY_SIZE = 64 * 1024;
//   const MAX_VALUE_SIZE = 64 * 1024 * 1024;

// ---------------------------------------------------------------------------------------------
// Errors (written for you: throw them)
// ---------------------------------------------------------------------------------------------

function showKey(key: Uint8Array): string {
  const text = Buffer.from(key).toString('utf8');
  const printable = /^[\x20-\x7e]*$/.test(text) && text.length <= 64;
  return printable ? JSON.stringify(text) : `0x${Buffer.from(key.subarray(0, 32)).toString('hex')}${key.length > 32 ? '…' : ''}`;
}

/**
 * Bytes on disk are not what was written: a checksum failed, an entry is cut short or holds another
 * key. `file` is the data or hint file's path, `offset` the entry's byte offset in it, `key` the key
 * when it is known (a get of that key; a damaged entry the scan could attribute).
 */
export class BitcaskCorruptionError extends Error {
  readonly code = 'BITCASK_CORRUPT';
  constructor(
    readonly file: string,
    readonly offset: number,
    readonly key: Uint8Array | undefined,
    readonly detail: string,
  ) {
    super(
      `bitcask: damaged entry in ${file} at offset ${offset}${key ? ` (key ${showKey(key)})` : ''}: ${detail}. ` +
        'The data on disk is not what was written; put or delete the key to replace it, or restore the file from a backup.',
    );
    this.name = 'BitcaskCorruptionError';
  }
}

/** Another open store holds the directory: another live process (`pid`), or this one. */
export class BitcaskLockedError extends Error {
  readonly code = 'BITCASK_LOCKED';
  constructor(
    readonly dir: string,
    /** The owner's pid from the LOCK file (undefined when another opener won a race for it). */
    readonly pid: number | undefined,
  ) {
    super(
      `bitcask: ${dir} is open in ${pid === process.pid ? 'this process already' : pid === undefined ? 'another process' : `process ${pid}`}. ` +
        'Close that store first; a LOCK file left by a process that is gone is taken over automatically.',
    );
    this.name = 'BitcaskLockedError';
  }
}

/** The store was closed, or stopped taking writes after a write or fsync failed. */
export class BitcaskClosedError extends Error {
  readonly code = 'BITCASK_CLOSED';
  constructor(reason: string, options?: { cause?: unknown }) {
    super(`bitcask: ${reason}`, options);
    this.name = 'BitcaskClosedError';
  }
}
