/**
 * Crash recovery: a tiny transactional page store recovered from its log (ARIES in miniature).
 *
 * Slots live in fixed-size pages. A transaction changes slots in memory and appends a log record
 * per change; commit forces the log, not the pages (no-force). Pages go to disk whenever someone
 * calls flushPage, even with uncommitted changes on them (steal), but never before the log that
 * describes them (the WAL rule). After a crash, opening the store recovers it: analysis, redo,
 * undo with compensation records. Read katas/crash-recovery/README.md first: it defines the page
 * format, the records and the three passes. `npm run hint crash-recovery` when stuck.
 *
 * The log is a file of CRC-framed records: use your crc32c from the checksum kata (katas/checksum).
 * Use only the `fs` you are given (a StoreFs) for file access: the spec hands you a simulated disk
 * that loses power and tears writes at sector boundaries.
 */
import { crc32c } from '../checksum/index.ts';
import { todo } from '../not-implemented.ts';
import { nodeFs, type StoreFs } from '../store-fs.ts';

export interface StoreOptions {
  /** The file system (default: the real disk, `nodeFs`). */
  fs?: StoreFs;
  /**
   * Bytes per page, a multiple of 8 from 16 to 65536 (default 512, one sector). A page is an
   * 8-byte header (the page LSN, u64 little-endian) and then (pageSize - 8) / 8 slots, each a
   * float64 little-endian holding a safe integer. Page n sits at byte n * pageSize of `dir/pages`.
   */
  pageSize?: number;
  /** Pages in the store, 1 to 65536 (default 8). Every slot starts at 0. */
  pages?: number;
}

/** What the last recovery (the one `openStore` ran) did. */
export interface RecoveryStats {
  /** Records in the log after the torn tail (if any) was cut off. */
  logRecords: number;
  /** The LSN redo started from: the last checkpoint's redo LSN, or 1 without a checkpoint. */
  redoStart: number;
  /** Update and compensation records that redo applied to a page. */
  redone: number;
  /**
   * Update and compensation records from redoStart on that redo did not apply: the page was not
   * dirty (per the dirty page table) or its page LSN showed the record was already in it.
   */
  skipped: number;
  /** Transactions that analysis found unfinished (no commit, no end record) and undo rolled back. */
  losers: number;
  /** Updates that undo rolled back, one compensation record each. */
  undone: number;
}

/** A transaction. Reads see every change made so far, committed or not (there is no isolation here). */
export interface Tx {
  readonly id: number;
  /** The slot's current value. RangeError for a page or slot out of range. */
  read(page: number, slot: number): number;
  /**
   * Sets the slot to `value` (a safe integer), logged as the delta `value - current`. Returns the
   * LSN of its update record. RangeError for bad input, TransactionStateError once finished.
   */
  write(page: number, slot: number, value: number): number;
  /** Adds `delta` (a safe integer) to the slot. Returns the LSN of its update record. */
  add(page: number, slot: number, delta: number): number;
  /** Appends a commit record and resolves to its LSN once the log up to it is durable. */
  commit(): Promise<number>;
  /**
   * Rolls every change back, newest first, appending one compensation record (CLR) per undone
   * update, then an end record. Forces nothing: if the power goes, recovery finishes the job.
   */
  abort(): Promise<void>;
}

export interface Store {
  readonly pageSize: number;
  readonly pages: number;
  /** (pageSize - 8) / 8. */
  readonly slotsPerPage: number;
  /** The LSN of the last record appended (LSNs are 1, 2, 3, ... one per record). */
  readonly lastLsn: number;
  /** Every record up to this LSN is durable in the log file. */
  readonly durableLsn: number;
  /** A new transaction. */
  begin(): Tx;
  /** A slot's current value (uncommitted changes included). */
  read(page: number, slot: number): number;
  /** The LSN of the last record applied to the page (0 for a page never changed). */
  pageLsn(page: number): number;
  /**
   * Writes the page to disk and fsyncs it (steal: uncommitted changes included). The WAL rule
   * first: the log up to the page's LSN must be durable before the page is written.
   */
  flushPage(page: number): Promise<void>;
  /**
   * Appends a checkpoint record (redo LSN, dirty page table, active transactions), forces the log
   * and resolves to the checkpoint's LSN. Writes no pages (a fuzzy checkpoint).
   */
  checkpoint(): Promise<number>;
  /** What the recovery that opened this store did. */
  recoveryStats(): RecoveryStats;
  /** Forces the log, writes every dirty page, takes a checkpoint, closes the files. */
  close(): Promise<void>;
}

/** Any call on a closed store. */
export class StoreClosedError extends Error {
  readonly code = 'STORE_CLOSED';
  constructor() {
    super('the store is closed');
    this.name = 'StoreClosedError';
  }
}

/** A write or fsync failed earlier: the store cannot promise durability any more and stops. */
export class StoreFailedError extends Error {
  readonly code = 'STORE_FAILED';
  constructor(cause: unknown) {
    super(`an earlier write or fsync failed; the store stopped: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'StoreFailedError';
  }
}

/** read / write / add / commit / abort on a transaction that already committed or aborted. */
export class TransactionStateError extends Error {
  readonly code = 'TX_STATE';
  constructor(
    readonly tx: number,
    readonly state: string,
  ) {
    super(`transaction ${tx} is ${state}: it takes no more reads, writes, commits or aborts`);
    this.name = 'TransactionStateError';
  }
}

// ---------------------------------------------------------------------------------------------
// Stage 1: the log. One file, `dir/log`, of framed records (README, "On disk"):
//   u32 crc (CRC-32C of the rest) · u32 length · payload (the record as JSON, or any encoding)
// Keep the whole log in memory too (an array indexed by LSN - 1): undo follows `prev` pointers.
// ---------------------------------------------------------------------------------------------

/** Frames one record for the log file. */
function encodeFrame(payload: Uint8Array): Uint8Array {
  // Fill in the length and payload first, then the CRC: crc32c(frame.subarray(4)).
  return todo('crash-recovery', 'encodeFrame');
}

/** The whole records at the start of the log file, and where the first torn one (if any) begins. */
function scanFrames(file: Uint8Array): { payloads: Uint8Array[]; end: number } {
  return todo('crash-recovery', 'scanFrames');
}

/**
 * Opens (creating if needed: directory, `log`, `pages`, each durable) the store in `dir` and
 * recovers it: cut the torn log tail; analysis from the last checkpoint; redo from its redo LSN
 * where the page LSN is older than the record; undo of the losers with CLRs and end records; then
 * write the dirty pages and take a checkpoint. Resolves once that is durable.
 * RangeError for bad options.
 */
export async function openStore(dir: string, options: StoreOptions = {}): Promise<Store> {
  // const fs = options.fs ?? nodeFs;
  return todo('crash-recovery', 'openStore');
}
