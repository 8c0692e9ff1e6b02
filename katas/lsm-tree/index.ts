/**
 * An LSM tree (log-structured merge tree): the storage engine of LevelDB, RocksDB, Cassandra.
 *
 * Writes go to a write-ahead log and a sorted in-memory memtable. A full memtable is flushed to an
 * immutable sorted file, an SSTable. Reads look in the memtable, then in the tables newest first.
 * Compaction merges tables in the background so reads look into few of them and deleted data
 * goes away.
 *
 * Read katas/lsm-tree/README.md first: it defines the file formats byte by byte and the crash rules
 * the spec holds you to. `npm run hint lsm-tree` when stuck.
 *
 * Use only the `fs` you are given for file access (never node:fs): the spec hands you a simulated
 * disk that loses power, tears writes and flips bits.
 *
 * This kata uses your crc32c from the checksum kata and your murmur3_32 from the bloom-filter kata.
 */
import { todo } from '../not-implemented.ts';
import { nodeFs, type StoreFs } from '../store-fs.ts';
import { crc32c } from '../checksum/index.ts';
import { murmur3_32 } from '../bloom-filter/index.ts';

// What you will need: the real disk as the default `fs`, CRC-32C for every block, record and
// footer, MurmurHash3 for the bloom filters. (Remove this line once you use them.)
void [nodeFs, crc32c, murmur3_32];

// ---------------------------------------------------------------------------------------------
// Stage 1: the memtable
// ---------------------------------------------------------------------------------------------

/** One key's newest version. `value === null` is a tombstone: the key was deleted. */
export interface Entry {
  key: Uint8Array;
  value: Uint8Array | null;
}

/**
 * The newest writes, sorted by key in unsigned byte order (memcmp order: `Buffer.compare`).
 * A sorted array with binary search is plenty; a skip list is the classic alternative.
 */
export class Memtable {
  /** Distinct keys held (tombstones included). */
  get size(): number {
    return todo('lsm-tree', 'Memtable.size');
  }

  /** Σ key.length + value.length over the entries held (a tombstone counts its key only). */
  get bytes(): number {
    return todo('lsm-tree', 'Memtable.bytes');
  }

  /** Sets the key's newest version; `null` records a delete (a tombstone). May keep the references. */
  put(key: Uint8Array, value: Uint8Array | null): void {
    void key;
    void value;
    todo('lsm-tree', 'Memtable.put');
  }

  /** The value, `null` for a tombstone, `undefined` when the memtable has nothing for the key. */
  get(key: Uint8Array): Uint8Array | null | undefined {
    void key;
    return todo('lsm-tree', 'Memtable.get');
  }

  /** Entries with lo ≤ key < hi (either bound may be omitted), ascending, tombstones included. */
  entries(lo?: Uint8Array, hi?: Uint8Array): IterableIterator<Entry> {
    void lo;
    void hi;
    return todo('lsm-tree', 'Memtable.entries');
  }
}

// ---------------------------------------------------------------------------------------------
// Stage 2: SSTables (README: "The SSTable format")
// ---------------------------------------------------------------------------------------------

export interface SSTableWriteOptions {
  /** A block is closed once its entries reach this many bytes (default 4096). */
  blockBytes?: number;
}

/** What writeSSTable wrote. */
export interface SSTableInfo {
  path: string;
  /** Entries written, tombstones included. */
  entries: number;
  /** Data blocks written. */
  blocks: number;
  /** File size in bytes. */
  bytes: number;
  /** Smallest and largest key, undefined for an empty table. */
  smallest: Uint8Array | undefined;
  largest: Uint8Array | undefined;
}

/**
 * Writes `entries` (strictly ascending keys, tombstones as `value: null`) as a table at `path`,
 * replacing any file there, and fsyncs it before resolving. Does not fsync the directory: the
 * caller makes the name durable. RangeError when keys are not strictly ascending or blockBytes is
 * not a positive integer.
 */
export async function writeSSTable(
  fs: StoreFs,
  path: string,
  entries: Iterable<Entry> | AsyncIterable<Entry>,
  opts: SSTableWriteOptions = {},
): Promise<SSTableInfo> {
  void fs;
  void path;
  void entries;
  void opts;
  return todo('lsm-tree', 'writeSSTable');
}

/** An open table: index and bloom filter in memory, data blocks read on demand. */
export interface SSTable {
  readonly path: string;
  /** Entries in the table, tombstones included. */
  readonly count: number;
  /** Data blocks in the table. */
  readonly blocks: number;
  /** File size in bytes. */
  readonly bytes: number;
  /** Data blocks read from disk since the table was opened (by get and entries). */
  readonly blocksRead: number;
  /** The bloom filter's verdict: false means the table surely lacks the key. */
  mayContain(key: Uint8Array): boolean;
  /**
   * The value, `null` for a tombstone, `undefined` when the table has no entry for the key. Reads
   * at most one block, and none when the bloom filter says no. LsmCorruptionError (file, block
   * offset) when the block fails its CRC.
   */
  get(key: Uint8Array): Promise<Uint8Array | null | undefined>;
  /** Entries with lo ≤ key < hi, ascending, tombstones included. */
  entries(lo?: Uint8Array, hi?: Uint8Array): AsyncIterableIterator<Entry>;
  close(): Promise<void>;
}

/**
 * Opens a table: reads the footer, checks its CRC over the index, the bloom filter and the footer,
 * and loads the index and the filter into memory. LsmCorruptionError (with the file and the offset
 * of the damaged part) when the file is too short, the footer is malformed or the CRC fails.
 */
export async function openSSTable(fs: StoreFs, path: string): Promise<SSTable> {
  void fs;
  void path;
  return todo('lsm-tree', 'openSSTable');
}

// ---------------------------------------------------------------------------------------------
// Stage 3: the merge iterator
// ---------------------------------------------------------------------------------------------

export interface MergeOptions {
  /**
   * Leave out keys whose winning entry is a tombstone (default false: tombstones are passed on).
   * A scan drops them; so does a compaction into the bottom level. Any other compaction must not.
   */
  dropTombstones?: boolean;
}

/**
 * Merges `sources` (each strictly ascending by key; sources[0] the newest) into one ascending
 * stream with exactly one entry per key: the one from the newest source that has it. Stopping early
 * (break) must close every source (call its iterator's `return`).
 */
export function mergeIterators(
  sources: ReadonlyArray<Iterable<Entry> | AsyncIterable<Entry>>,
  opts: MergeOptions = {},
): AsyncGenerator<Entry> {
  void sources;
  void opts;
  return todo('lsm-tree', 'mergeIterators');
}

// ---------------------------------------------------------------------------------------------
// Stages 4 and 5: the store
// ---------------------------------------------------------------------------------------------

export interface LsmOptions {
  /** The file system (default: `nodeFs`, the real disk). The spec passes a simulated one. */
  fs?: StoreFs;
  /** The memtable is flushed to an L0 table once it holds this many key + value bytes (default 4 MiB). */
  memtableBytes?: number;
  /** Target size of a table's data blocks (default 4096). */
  blockBytes?: number;
  /** L0 is compacted into L1 once it holds this many tables (default 4). */
  l0Trigger?: number;
  /** L1 is compacted into L2 once it exceeds this many bytes; L2 into L3 at 10×; L3 is unbounded (default 10 × memtableBytes). */
  levelBytes?: number;
  /** 'always' (default): a put or delete resolves once its WAL record is fdatasynced. 'none': once written. */
  sync?: 'always' | 'none';
}

export interface LsmStats {
  /** (WAL bytes + table bytes written) ÷ (key + value bytes of the puts and deletes), since open. 0 before any write. */
  writeAmplification: number;
  /** Table data blocks the last get read (0 when the memtable answered or every bloom filter said no). */
  readAmplification: number;
  /** Tables in the store. */
  tables: number;
  /** Tables per level, L0 first: always 4 numbers. */
  levels: number[];
  /** Key + value bytes of the puts and deletes since open. */
  userBytes: number;
  /** Bytes appended to WALs since open. */
  walBytes: number;
  /** Bytes of tables written (flushes and compactions) since open. */
  tableBytes: number;
  flushes: number;
  compactions: number;
  /** Key + value bytes in the memtable now. */
  memtableBytes: number;
}

export interface Lsm {
  /** The newest value, or undefined when the key was never put or was deleted. */
  get(key: string | Uint8Array): Promise<Uint8Array | undefined>;
  /**
   * Appends to the WAL (fdatasynced with sync 'always'), then updates the memtable; flushes when
   * it is full. Strings are UTF-8. TypeError for other types, RangeError for a key over 64 KiB.
   */
  put(key: string | Uint8Array, value: string | Uint8Array): Promise<void>;
  /** Writes a tombstone, like a put. */
  delete(key: string | Uint8Array): Promise<void>;
  /** Live pairs with lo ≤ key < hi in unsigned byte order, from a snapshot taken when it starts. */
  scan(lo?: string | Uint8Array, hi?: string | Uint8Array): AsyncIterable<[Uint8Array, Uint8Array]>;
  /** Writes the memtable (if not empty) as an L0 table and starts a new WAL; then compacts if due. */
  flush(): Promise<void>;
  /** Flushes, then merges every table into one table in the bottom level (L3), dropping tombstones. */
  compact(): Promise<void>;
  stats(): LsmStats;
  /** Waits for queued operations, syncs, closes every file. Idempotent; later calls reject with LsmClosedError. */
  close(): Promise<void>;
}

/**
 * Opens the store in `dir`, creating it (durably) if needed: reads MANIFEST, opens the tables it
 * names, replays the WAL it names into the memtable (cutting a torn tail), removes files it does
 * not name. LsmCorruptionError when the manifest is damaged or names a missing or damaged file.
 */
export async function openLsm(dir: string, opts: LsmOptions = {}): Promise<Lsm> {
  // TODO (stage 4): the WAL, the manifest, flush, recovery.
  // TODO (stage 5): levels, compaction, stats.
  void dir;
  void opts;
  return todo('lsm-tree', 'openLsm');
}

// ---------------------------------------------------------------------------------------------
// Errors (written for you: throw them)
// ---------------------------------------------------------------------------------------------

/**
 * Bytes on disk are not what was written: a block, footer or manifest checksum failed, a record is
 * cut short, or a file the manifest names is missing. `file` is the file's path and `offset` the
 * byte offset of the damaged block, footer or record in it.
 */
export class LsmCorruptionError extends Error {
  readonly code = 'LSM_CORRUPT';
  constructor(
    readonly file: string,
    readonly offset: number,
    readonly detail: string,
  ) {
    super(`lsm: ${file} is damaged at offset ${offset}: ${detail}. The data on disk is not what was written; restore the file from a backup.`);
    this.name = 'LsmCorruptionError';
  }
}

/** The store was closed, or stopped taking writes after a write or fsync failed. */
export class LsmClosedError extends Error {
  readonly code = 'LSM_CLOSED';
  constructor(reason: string, options?: { cause?: unknown }) {
    super(`lsm: ${reason}`, options);
    this.name = 'LsmClosedError';
  }
}
