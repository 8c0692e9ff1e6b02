/**
 * A segmented write-ahead log: CRC per record, LSNs, group commit, reading from an LSN,
 * truncation at a checkpoint, segment rotation, and recovery that loses no acknowledged append
 * and never passes corruption off as a torn tail. The format is in format.ts and the README.
 */
import path from 'node:path';
import { nodeFs, type StoreFs } from '../../katas/store-fs.ts';
import { HEADER_SIZE, MAX_PAYLOAD, decodeAt, encodeInto, parseSegmentName, scanSegment, segmentName, vouchedAfter } from './format.ts';

export type SyncMode = 'always' | 'batch' | 'none';

export interface WalOptions {
  /** The file system (default: the real disk). */
  fs?: StoreFs;
  /** Start a new segment when the next record would take the active one past this size (default 16 MiB). */
  segmentBytes?: number;
  /**
   * 'always' (default): every append is written and fsynced on its own before it resolves.
   * 'batch': group commit; appends that queue while an fsync runs share the next one.
   * 'none': an append resolves once written; a power loss may lose it.
   */
  sync?: SyncMode;
}

export interface WalRecord {
  lsn: bigint;
  data: Uint8Array;
}

export interface Wal {
  append(data: Uint8Array): Promise<bigint>;
  read(fromLsn?: bigint): AsyncIterable<WalRecord>;
  truncateBefore(lsn: bigint): Promise<void>;
  close(): Promise<void>;
}

/** Intact-looking data that is not what was written: bit rot, a misdirected write, a lost segment. */
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

const DEFAULT_SEGMENT_BYTES = 16 * 1024 * 1024;

/** Opens (creating if needed) the log in `dir` and repairs a torn tail. */
export async function openWal(dir: string, opts: WalOptions = {}): Promise<Wal> {
  const fs = opts.fs ?? nodeFs;
  const segmentBytes = opts.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
  const sync = opts.sync ?? 'always';
  if (!Number.isInteger(segmentBytes) || segmentBytes < 1) throw new RangeError(`openWal: segmentBytes must be a positive integer, not ${segmentBytes}`);
  if (sync !== 'always' && sync !== 'batch' && sync !== 'none') throw new RangeError(`openWal: sync must be 'always', 'batch' or 'none', not ${String(sync)}`);

  await ensureDir(fs, dir);
  let segments = (await fs.readdir(dir)).map(parseSegmentName).filter((x): x is bigint => x !== undefined);
  if (segments.length === 0) {
    // A new log: its first segment must survive a crash, so sync the directory entry.
    await fs.close(await fs.open(path.join(dir, segmentName(1n)), 'wx'));
    await fs.fsyncDir(dir);
    segments = [1n];
  }
  segments.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

  // Only the last segment can end in a torn write: a segment is synced before the next one is
  // created. Older segments are checked when read.
  const first = segments[segments.length - 1]!;
  const file = path.join(dir, segmentName(first));
  const fd = await fs.open(file, 'r+');
  try {
    const buf = await readWhole(fs, fd);
    const scan = scanSegment(buf, first);
    if (scan.bad) {
      const torn = !scan.bad.intact && !vouchedAfter(buf, scan.bad.offset, scan.nextLsn);
      if (!torn) throw new WalCorruptionError(file, scan.bad.offset, scan.nextLsn, scan.bad.reason);
      await fs.ftruncate(fd, scan.end); // cut the torn tail
    }
    // What recovery returns must stay: the bytes may sit in the page cache only (a killed
    // process, a log written with sync 'none'), and the cut must be durable before new records
    // land after it. So sync the segment and its directory entry before anything else.
    await fs.fdatasync(fd);
    await fs.fsyncDir(dir);
    return new WriteAheadLog(fs, dir, segmentBytes, sync, segments, fd, scan.end, scan.nextLsn);
  } catch (err) {
    await fs.close(fd).catch(() => undefined);
    throw err;
  }
}

/** Creates `dir` (and missing parents) and syncs each new entry into its parent. */
async function ensureDir(fs: StoreFs, dir: string): Promise<void> {
  const missing: string[] = [];
  for (let d = dir; !(await fs.exists(d)); d = path.dirname(d)) {
    missing.unshift(d);
    if (path.dirname(d) === d) break;
  }
  if (missing.length === 0) return;
  await fs.mkdir(dir, { recursive: true });
  for (const d of missing) await fs.fsyncDir(path.dirname(d));
}

async function readFile(fs: StoreFs, file: string): Promise<Uint8Array> {
  const fd = await fs.open(file, 'r');
  try {
    return await readWhole(fs, fd);
  } finally {
    await fs.close(fd);
  }
}

async function readWhole(fs: StoreFs, fd: number): Promise<Uint8Array> {
  const { size } = await fs.fstat(fd);
  const buf = new Uint8Array(size);
  for (let done = 0; done < size; ) {
    const n = await fs.read(fd, buf, done, size - done, done);
    if (n === 0) return buf.subarray(0, done);
    done += n;
  }
  return buf;
}

interface Waiter {
  lsn: bigint;
  data: Uint8Array;
  resolve(lsn: bigint): void;
  reject(err: unknown): void;
}

class WriteAheadLog implements Wal {
  /** First LSN of every segment, oldest first; the last is the active one. */
  readonly #segments: bigint[];
  #fd: number;
  /** Bytes written to the active segment (all of them complete). */
  #size: number;
  /** The LSN the next append gets. */
  #nextLsn: bigint;
  /** Highest LSN known durable; written into every record as its `synced` mark. */
  #syncedLsn: bigint;
  /** Highest LSN whose append resolved: what read() shows. */
  #ackedLsn: bigint;
  #queue: Waiter[] = [];
  #flushing: Promise<void> | undefined;
  #failure: { error: unknown } | undefined;
  #closing: Promise<void> | undefined;

  constructor(
    readonly fs: StoreFs,
    readonly dir: string,
    readonly segmentBytes: number,
    readonly sync: SyncMode,
    segments: bigint[],
    fd: number,
    size: number,
    nextLsn: bigint,
  ) {
    this.#segments = segments;
    this.#fd = fd;
    this.#size = size;
    this.#nextLsn = nextLsn;
    this.#syncedLsn = nextLsn - 1n; // open synced everything it recovered
    this.#ackedLsn = nextLsn - 1n;
  }

  append(data: Uint8Array): Promise<bigint> {
    if (this.#closing) return Promise.reject(new WalClosedError());
    if (this.#failure) return Promise.reject(new WalFailedError(this.#failure.error));
    if (!(data instanceof Uint8Array)) return Promise.reject(new TypeError('append: data must be a Uint8Array'));
    if (data.length > MAX_PAYLOAD) return Promise.reject(new RangeError(`append: ${data.length} bytes is more than the ${MAX_PAYLOAD}-byte limit`));
    // LSNs are handed out in call order, before any I/O, so concurrent appends are ordered too.
    const lsn = this.#nextLsn++;
    return new Promise<bigint>((resolve, reject) => {
      this.#queue.push({ lsn, data: data.slice(), resolve, reject }); // copy: the caller may reuse its buffer
      this.#flushing ??= this.#flushLoop();
    });
  }

  /**
   * The one writer. Each round takes what is queued (one record with 'always'), writes it with
   * one write call, fsyncs once, and only then resolves those appends. Appends made while a round
   * runs wait for the next round: that is group commit.
   */
  async #flushLoop(): Promise<void> {
    await Promise.resolve(); // let appends made in the same tick join the first round
    try {
      while (this.#queue.length > 0) {
        const group = this.#queue.splice(0, this.sync === 'always' ? 1 : this.#queue.length);
        try {
          await this.#writeGroup(group);
          if (this.sync !== 'none') {
            await this.fs.fdatasync(this.#fd); // the group is durable: now, and only now, it may be acknowledged
            this.#syncedLsn = group[group.length - 1]!.lsn;
          }
        } catch (err) {
          // Never retry: a failed fsync may have dropped the dirty pages, and a second fsync
          // would succeed without them. Fail this round, everything queued, and every later append.
          this.#failure = { error: err };
          const failed = new WalFailedError(err);
          for (const w of [...group, ...this.#queue.splice(0)]) w.reject(failed);
          return;
        }
        this.#ackedLsn = group[group.length - 1]!.lsn;
        for (const w of group) w.resolve(w.lsn);
      }
    } finally {
      this.#flushing = undefined;
    }
  }

  async #writeGroup(group: Waiter[]): Promise<void> {
    let start = 0; // the first record not written yet
    let bytes = 0;
    for (let k = 0; k < group.length; k++) {
      const size = HEADER_SIZE + group[k]!.data.length;
      // Rotate when this record would overflow a segment that already holds something.
      if (this.#size + bytes > 0 && this.#size + bytes + size > this.segmentBytes) {
        await this.#writeRecords(group.slice(start, k), bytes);
        await this.#rotate(group[k]!.lsn);
        start = k;
        bytes = 0;
      }
      bytes += size;
    }
    await this.#writeRecords(group.slice(start), bytes);
  }

  /** Encodes the records into one buffer and writes it at the end of the active segment, finishing short writes. */
  async #writeRecords(records: Waiter[], bytes: number): Promise<void> {
    if (bytes === 0) return;
    const buf = new Uint8Array(bytes);
    let at = 0;
    for (const w of records) at += encodeInto(buf, at, w.lsn, this.#syncedLsn, w.data);
    for (let done = 0; done < bytes; ) {
      const n = await this.fs.write(this.#fd, buf, done, bytes - done, this.#size + done);
      if (n <= 0) throw new Error(`write made no progress (${bytes - done} bytes left)`);
      done += n; // a short write (disk full, a signal): write the rest
    }
    this.#size += bytes;
  }

  async #rotate(firstLsn: bigint): Promise<void> {
    await this.fs.fdatasync(this.#fd); // the full segment is durable before the next one exists,
    this.#syncedLsn = firstLsn - 1n; //   so only the last segment can ever have a torn tail
    const old = this.#fd;
    this.#fd = -1;
    await this.fs.close(old);
    this.#fd = await this.fs.open(path.join(this.dir, segmentName(firstLsn)), 'wx');
    await this.fs.fsyncDir(this.dir); // a new segment is lost in a crash until its directory entry is synced
    this.#segments.push(firstLsn);
    this.#size = 0;
  }

  read(fromLsn?: bigint): AsyncIterable<WalRecord> {
    return this.#records(fromLsn);
  }

  async *#records(fromLsn: bigint | undefined): AsyncGenerator<WalRecord> {
    if (this.#closing) throw new WalClosedError();
    if (fromLsn !== undefined && typeof fromLsn !== 'bigint') throw new TypeError('read: fromLsn must be a bigint');
    const upTo = this.#ackedLsn; // a snapshot: appends that resolve later are not shown
    const segments = [...this.#segments];
    const oldest = segments[0]!;
    const start = fromLsn ?? oldest;
    if (start < oldest) throw new RangeError(`read: LSN ${start} was truncated; the oldest LSN kept is ${oldest}`);
    if (start > upTo) return;
    let i = segments.length - 1;
    while (i > 0 && segments[i]! > start) i--;
    for (; i < segments.length && segments[i]! <= upTo; i++) {
      const file = path.join(this.dir, segmentName(segments[i]!));
      const next = segments[i + 1];
      const stop = next !== undefined && next <= upTo ? next : upTo + 1n; // first LSN not to read here
      const buf = await readFile(this.fs, file);
      let at = 0;
      for (let lsn = segments[i]!; lsn < stop; lsn++) {
        const rec = decodeAt(buf, at);
        if (!rec.ok) throw new WalCorruptionError(file, at, lsn, rec.reason);
        if (rec.lsn !== lsn) throw new WalCorruptionError(file, at, lsn, `an intact record with LSN ${rec.lsn} sits where LSN ${lsn} belongs`);
        if (lsn >= start) yield { lsn, data: rec.payload.slice() };
        at += rec.size;
      }
      // A finished segment ends exactly where its last record does.
      if (stop === next && at !== buf.length) {
        throw new WalCorruptionError(file, at, stop, `${buf.length - at} bytes follow the segment's last record`);
      }
    }
  }

  async truncateBefore(lsn: bigint): Promise<void> {
    if (this.#closing) throw new WalClosedError();
    if (typeof lsn !== 'bigint') throw new TypeError('truncateBefore: lsn must be a bigint');
    // Segment i holds LSNs [first(i), first(i+1)): it can go when first(i+1) <= lsn. The
    // active segment always stays, so the next LSN is known after a reopen.
    const doomed: bigint[] = [];
    while (this.#segments.length > 1 && this.#segments[1]! <= lsn) doomed.push(this.#segments.shift()!);
    if (doomed.length === 0) return;
    // Oldest first: a crash part-way leaves a contiguous run of segments.
    for (const first of doomed) await this.fs.unlink(path.join(this.dir, segmentName(first)));
    await this.fs.fsyncDir(this.dir); // the deletions are durable when this resolves
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#flushing; // appends made before close() still complete
      if (this.#fd < 0) return;
      try {
        // A clean shutdown leaves nothing in the page cache, whatever the sync mode.
        if (!this.#failure && this.sync === 'none') await this.fs.fdatasync(this.#fd);
      } finally {
        await this.fs.close(this.#fd);
        this.#fd = -1;
      }
    })();
    return this.#closing;
  }
}
