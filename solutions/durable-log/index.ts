/**
 * A segmented, append-only message log in the style of a Kafka partition: protobuf-encoded
 * records (protobuf.ts, written by hand), CRC-framed in segment files named by base offset, a
 * sparse offset index per segment, segment roll, retention, reads from any offset, and recovery
 * that cuts a torn tail, rebuilds the index from the log and never hands an offset out twice.
 */
import path from 'node:path';
import { nodeFs, type StoreFs } from '../../katas/store-fs.ts';
import { LogClosedError, LogCorruptionError, OffsetOutOfRangeError } from './errors.ts';
import {
  INDEX_ENTRY_BYTES,
  MAX_PAYLOAD,
  decodeFrame,
  encodeFrame,
  encodeIndex,
  goodFrameAfter,
  indexName,
  logName,
  parseIndex,
  parseIndexName,
  parseLogName,
  scanSegment,
  wantsEntry,
  type IndexEntry,
} from './format.ts';
import { checkRecord, encodeRecord, type LogRecord } from './protobuf.ts';

export { LogClosedError, LogCorruptionError, OffsetOutOfRangeError } from './errors.ts';
export { ProtobufDecodeError, VarintError, decodeRecord, decodeVarint, encodeRecord, encodeVarint, type LogRecord } from './protobuf.ts';

export interface RetentionPolicy {
  /** Keep at most this many segments (at least 1). */
  maxSegments?: number;
  /** Keep at most this many bytes of .log files; 0 deletes every record (offsets still go on). */
  maxBytes?: number;
}

export interface LogOptions {
  /** The file system (default: the real disk). */
  fs?: StoreFs;
  /** Roll to a new segment when the next frame would take the active one past this size (default 16 MiB). */
  segmentBytes?: number;
  /** Bytes of log between two index entries (default 4096). */
  indexIntervalBytes?: number;
  /** What enforceRetention() keeps. */
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
   * Appends one record and resolves to its offset (0, 1, 2, ... in call order) once it is written.
   * Written is not durable: flush() makes it so.
   */
  append(rec: NewRecord): Promise<bigint>;
  /** Up to `maxRecords` records from offset `from` on, in offset order. */
  read(from: bigint, maxRecords?: number): Promise<LogRecord[]>;
  /** Makes every append that resolved before this call durable. */
  flush(): Promise<void>;
  /** Deletes the oldest segments the retention policy no longer keeps; resolves to how many, once durable. */
  enforceRetention(): Promise<number>;
  /** Lets queued appends finish, flushes, closes the files. */
  close(): Promise<void>;
}

const DEFAULT_SEGMENT_BYTES = 16 * 1024 * 1024;
const DEFAULT_INDEX_INTERVAL = 4096;

interface Segment {
  base: bigint;
  /** The sparse index, in memory; undefined until loaded or rebuilt. */
  index: IndexEntry[];
}

/** Opens (creating if needed) and recovers the log in `dir`. */
export async function openLog(dir: string, opts: LogOptions = {}): Promise<DurableLog> {
  if (typeof dir !== 'string' || dir === '') throw new TypeError('openLog: dir must be a non-empty path');
  const fs = opts.fs ?? nodeFs;
  const segmentBytes = opts.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
  const interval = opts.indexIntervalBytes ?? DEFAULT_INDEX_INTERVAL;
  if (!Number.isSafeInteger(segmentBytes) || segmentBytes < 64 || segmentBytes > 0x7fffffff) {
    throw new RangeError(`openLog: segmentBytes ${segmentBytes} must be an integer from 64 to 2^31-1`);
  }
  if (!Number.isSafeInteger(interval) || interval < 1) throw new RangeError(`openLog: indexIntervalBytes ${interval} must be a positive integer`);
  const retention = opts.retention ?? {};
  if (retention.maxSegments !== undefined && (!Number.isSafeInteger(retention.maxSegments) || retention.maxSegments < 1)) {
    throw new RangeError(`openLog: retention.maxSegments ${retention.maxSegments} must be an integer >= 1`);
  }
  if (retention.maxBytes !== undefined && (!Number.isSafeInteger(retention.maxBytes) || retention.maxBytes < 0)) {
    throw new RangeError(`openLog: retention.maxBytes ${retention.maxBytes} must be an integer >= 0`);
  }

  await ensureDir(fs, dir);
  const names = await fs.readdir(dir);
  const bases = names.map(parseLogName).filter((b): b is bigint => b !== undefined).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  let dirChanged = false;
  // An index without its log is left over from a retention pass a crash cut short.
  for (const name of names) {
    const b = parseIndexName(name);
    if (b !== undefined && !bases.includes(b)) {
      await fs.unlink(path.join(dir, name));
      dirChanged = true;
    }
  }
  if (bases.length === 0) {
    await createSegmentFiles(fs, dir, 0n);
    bases.push(0n);
    dirChanged = true;
  }

  // Older segments were synced whole before the next one was created; their indexes too. An index
  // that cannot be right (torn, out of order, past the end, missing) is rebuilt from the log now;
  // one that only looks right is checked frame by frame when a read uses it.
  const segments: Segment[] = [];
  for (let i = 0; i < bases.length - 1; i++) {
    const base = bases[i]!;
    const logSize = (await fs.stat(path.join(dir, logName(base)))).size;
    const onDisk = await readIfExists(fs, path.join(dir, indexName(base)));
    let index = onDisk && parseIndex(onDisk, logSize, bases[i + 1]! - base);
    if (!index) {
      index = await rebuildIndex(fs, dir, base, bases[i + 1]!, interval);
      if (!onDisk) dirChanged = true;
    }
    segments.push({ base, index });
  }

  // The active segment: scan it whole, cut a torn tail, refuse corruption.
  const base = bases[bases.length - 1]!;
  const file = path.join(dir, logName(base));
  const fd = await fs.open(file, 'r+');
  let indexFd = -1;
  try {
    const buf = await readWhole(fs, fd);
    const scan = scanSegment(buf, base, interval);
    if (scan.bad) {
      const corrupt = scan.bad.intact || goodFrameAfter(buf, scan.bad.position, scan.next);
      if (corrupt) throw new LogCorruptionError(file, scan.bad.position, scan.next, scan.bad.reason);
      await fs.ftruncate(fd, scan.end); // the torn tail: a write the crash cut short, never acknowledged as durable
    }
    // The index is a hint written without fsync: after a crash it may be stale, torn or missing.
    // The scan just rebuilt it from the log, and the log wins.
    const indexFile = path.join(dir, indexName(base));
    const onDisk = await readIfExists(fs, indexFile);
    const rebuilt = encodeIndex(scan.index);
    indexFd = await fs.open(indexFile, onDisk ? 'r+' : 'w+');
    if (!onDisk) dirChanged = true;
    if (!onDisk || !sameBytes(onDisk, rebuilt)) {
      await fs.ftruncate(indexFd, 0);
      await writeFully(fs, indexFd, rebuilt, 0);
      await fs.fdatasync(indexFd);
    }
    // What recovery found must stay: it may sit in the page cache only (a killed process), and the
    // cut must be durable before new frames land after it.
    await fs.fdatasync(fd);
    if (dirChanged || scan.bad) await fs.fsyncDir(dir);
    segments.push({ base, index: scan.index });
    // An empty log still knows where it is: the active segment is named by the next offset. After
    // retention deleted every record, that name is the only trace of the offsets handed out.
    const nextOffset = scan.next > base ? scan.next : base;
    const lastIndexed = scan.index.length > 0 ? scan.index[scan.index.length - 1]!.position : 0;
    return new SegmentedLog(fs, dir, segmentBytes, interval, retention, segments, { fd, indexFd, size: scan.end, lastIndexed }, nextOffset);
  } catch (err) {
    await fs.close(fd).catch(() => undefined);
    if (indexFd >= 0) await fs.close(indexFd).catch(() => undefined);
    throw err;
  }
}

interface Active {
  fd: number;
  indexFd: number;
  /** Bytes of complete frames in the active .log. */
  size: number;
  /** Position of the last index entry (0: none yet). */
  lastIndexed: number;
}

class SegmentedLog implements DurableLog {
  #segments: Segment[];
  #active: Active;
  #next: bigint;
  /** Every mutation runs in this chain, one at a time, in call order. */
  #chain: Promise<unknown> = Promise.resolve();
  #closed = false;
  #failure: { error: unknown } | undefined;

  constructor(
    readonly fs: StoreFs,
    readonly dir: string,
    readonly segmentBytes: number,
    readonly interval: number,
    readonly retention: RetentionPolicy,
    segments: Segment[],
    active: Active,
    next: bigint,
  ) {
    this.#segments = segments;
    this.#active = active;
    this.#next = next;
  }

  get startOffset(): bigint {
    return this.#segments[0]!.base;
  }

  get nextOffset(): bigint {
    return this.#next;
  }

  #enqueue<T>(op: () => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(new LogClosedError());
    const run = this.#chain.then(() => {
      if (this.#failure) throw new Error('the log failed earlier and accepts no more writes; reopen it', { cause: this.#failure.error });
      return op().catch((err: unknown) => {
        // A failed write or fsync leaves the files in an unknown state: stop, do not guess.
        if (!(err instanceof TypeError || err instanceof RangeError)) this.#failure = { error: err };
        throw err;
      });
    });
    this.#chain = run.catch(() => undefined);
    return run;
  }

  append(rec: NewRecord): Promise<bigint> {
    if (rec === null || typeof rec !== 'object') return Promise.reject(new TypeError('append: record must be an object'));
    const draft: LogRecord = {
      offset: 0n,
      timestamp: rec.timestamp ?? BigInt(Date.now()),
      key: rec.key ?? new Uint8Array(0),
      value: rec.value,
      headers: rec.headers ?? {},
    };
    try {
      checkRecord(draft);
    } catch (err) {
      return Promise.reject(err);
    }
    // Copy now: the caller may reuse its buffers before the append runs.
    draft.key = draft.key.slice();
    draft.value = draft.value.slice();
    draft.headers = { ...draft.headers };
    return this.#enqueue(async () => {
      const offset = this.#next;
      const payload = encodeRecord({ ...draft, offset });
      if (payload.length > MAX_PAYLOAD) throw new RangeError(`append: the record encodes to ${payload.length} bytes, more than ${MAX_PAYLOAD}`);
      const frame = encodeFrame(payload);
      if (this.#active.size > 0 && this.#active.size + frame.length > this.segmentBytes) await this.#roll(offset);
      const a = this.#active;
      const position = a.size;
      await writeFully(this.fs, a.fd, frame, position);
      const seg = this.#segments[this.#segments.length - 1]!;
      if (wantsEntry(position, a.lastIndexed, this.interval)) {
        const entry = { rel: Number(offset - seg.base), position };
        await writeFully(this.fs, a.indexFd, encodeIndex([entry]), seg.index.length * INDEX_ENTRY_BYTES);
        seg.index.push(entry);
        a.lastIndexed = position;
      }
      a.size += frame.length;
      this.#next = offset + 1n;
      return offset;
    });
  }

  flush(): Promise<void> {
    return this.#enqueue(() => this.#sync());
  }

  async #sync(): Promise<void> {
    await this.fs.fdatasync(this.#active.fd); // the flushed records are durable when this returns
    await this.fs.fdatasync(this.#active.indexFd);
  }

  /** Seals the active segment (synced) and starts a new, empty one at `base`. */
  async #roll(base: bigint): Promise<void> {
    await this.#sync(); // a sealed segment is whole on disk: only the active one can have a torn tail
    const old = this.#active;
    this.#active = { fd: -1, indexFd: -1, size: 0, lastIndexed: 0 };
    await this.fs.close(old.fd);
    await this.fs.close(old.indexFd);
    const { fd, indexFd } = await createSegmentFiles(this.fs, this.dir, base, true);
    this.#active = { fd, indexFd, size: 0, lastIndexed: 0 };
    this.#segments.push({ base, index: [] });
  }

  async read(from: bigint, maxRecords = Number.POSITIVE_INFINITY): Promise<LogRecord[]> {
    if (this.#closed) throw new LogClosedError();
    if (typeof from !== 'bigint') throw new TypeError('read: from must be a bigint offset');
    if (!(maxRecords >= 0) || (maxRecords !== Number.POSITIVE_INFINITY && !Number.isSafeInteger(maxRecords))) {
      throw new RangeError(`read: maxRecords ${maxRecords} must be a non-negative integer`);
    }
    // A snapshot: appends that finish while this read runs are not shown.
    const end = this.#next;
    const activeSize = this.#active.size;
    const segments = [...this.#segments];
    const start = segments[0]!.base;
    if (from < start || from > end) throw new OffsetOutOfRangeError(from, start, end);
    const out: LogRecord[] = [];
    let i = segments.length - 1;
    while (i > 0 && segments[i]!.base > from) i--;
    for (; i < segments.length && out.length < maxRecords; i++) {
      const seg = segments[i]!;
      const isActive = i === segments.length - 1;
      const stop = isActive ? end : segments[i + 1]!.base; // first offset not in this segment
      if (seg.base >= stop) continue;
      const file = path.join(this.dir, logName(seg.base));
      const buf = await readRange(this.fs, file, isActive ? activeSize : undefined);
      let pos = 0;
      let expected = seg.base;
      const hint = lookup(seg, from, buf.length);
      if (hint) {
        const f = decodeFrame(buf, hint.position);
        if (f.ok && f.record.offset === seg.base + BigInt(hint.rel)) {
          pos = hint.position;
          expected = f.record.offset;
        } else if (!isActive) {
          // A stale index (it points at the wrong frame): rebuild it from the log, read from the start.
          // (The active segment's index was rebuilt by openLog and is kept in step since: a
          // mismatch there is damage in the log, which the scan from the start reports.)
          seg.index = await this.#reindex(seg, stop, buf);
        }
      }
      while (expected < stop && out.length < maxRecords) {
        const f = decodeFrame(buf, pos);
        if (!f.ok) throw new LogCorruptionError(file, pos, expected, f.reason);
        if (f.record.offset !== expected) {
          throw new LogCorruptionError(file, pos, expected, `an intact record with offset ${f.record.offset} sits where offset ${expected} belongs`);
        }
        if (expected >= from) out.push(f.record);
        pos += f.size;
        expected++;
      }
      if (!isActive && expected === stop && pos !== buf.length) {
        throw new LogCorruptionError(file, pos, stop, `${buf.length - pos} bytes follow the segment's last record`);
      }
    }
    return out;
  }

  /** Rebuilds a sealed segment's index from its log and writes it durably. */
  async #reindex(seg: Segment, stop: bigint, buf: Uint8Array): Promise<IndexEntry[]> {
    const file = path.join(this.dir, logName(seg.base));
    const scan = scanSegment(buf, seg.base, this.interval);
    if (scan.bad) throw new LogCorruptionError(file, scan.bad.position, scan.next, scan.bad.reason);
    if (scan.next !== stop) throw new LogCorruptionError(file, scan.end, scan.next, `the segment ends at offset ${scan.next}, the next starts at ${stop}`);
    await writeIndexFile(this.fs, path.join(this.dir, indexName(seg.base)), encodeIndex(scan.index));
    return scan.index;
  }

  enforceRetention(): Promise<number> {
    return this.#enqueue(async () => {
      const { maxSegments, maxBytes } = this.retention;
      const sizes: number[] = [];
      for (let i = 0; i < this.#segments.length - 1; i++) sizes.push((await this.fs.stat(path.join(this.dir, logName(this.#segments[i]!.base)))).size);
      sizes.push(this.#active.size);
      let total = sizes.reduce((a, b) => a + b, 0);
      let count = this.#segments.length;
      const over = () => (maxSegments !== undefined && count > maxSegments) || (maxBytes !== undefined && total > maxBytes);
      let doomed = 0;
      while (doomed < this.#segments.length - 1 && over()) {
        total -= sizes[doomed]!;
        count--;
        doomed++;
      }
      if (over() && this.#active.size > 0) {
        // Even the active segment must go. Roll first: the new, empty segment is named by the next
        // offset, so a restart knows where offsets continue although no record is left.
        await this.#roll(this.#next);
        doomed++;
      }
      if (doomed === 0) return 0;
      const gone = this.#segments.splice(0, doomed);
      // Oldest first: a crash part-way leaves a contiguous run of segments.
      for (const seg of gone) {
        await this.fs.unlink(path.join(this.dir, logName(seg.base)));
        await this.fs.unlink(path.join(this.dir, indexName(seg.base)));
      }
      await this.fs.fsyncDir(this.dir); // the deletions (and a new segment) are durable when this resolves
      return gone.length;
    });
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    const done = this.#enqueue(async () => {
      await this.#sync();
    });
    this.#closed = true;
    const closeFiles = async () => {
      const a = this.#active;
      if (a.fd >= 0) await this.fs.close(a.fd).catch(() => undefined);
      if (a.indexFd >= 0) await this.fs.close(a.indexFd).catch(() => undefined);
      this.#active = { ...a, fd: -1, indexFd: -1 };
    };
    return done.then(closeFiles, async (err: unknown) => {
      await closeFiles();
      if (!this.#failure || err !== this.#failure.error) throw err;
    });
  }
}

/** The greatest index entry at or below `from`, if any. */
function lookup(seg: Segment, from: bigint, size: number): IndexEntry | undefined {
  const rel = from - seg.base;
  let lo = 0;
  let hi = seg.index.length - 1;
  let best: IndexEntry | undefined;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const e = seg.index[mid]!;
    if (BigInt(e.rel) <= rel && e.position < size) {
      best = e;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return best;
}

async function rebuildIndex(fs: StoreFs, dir: string, base: bigint, stop: bigint, interval: number): Promise<IndexEntry[]> {
  const file = path.join(dir, logName(base));
  const scan = scanSegment(await readRange(fs, file, undefined), base, interval);
  if (scan.bad) throw new LogCorruptionError(file, scan.bad.position, scan.next, scan.bad.reason);
  if (scan.next !== stop) throw new LogCorruptionError(file, scan.end, scan.next, `the segment ends at offset ${scan.next}, the next starts at ${stop}`);
  await writeIndexFile(fs, path.join(dir, indexName(base)), encodeIndex(scan.index));
  return scan.index;
}

/** Replaces an index file's content durably (its directory entry is synced by the caller when new). */
async function writeIndexFile(fs: StoreFs, file: string, bytes: Uint8Array): Promise<void> {
  const fd = await fs.open(file, 'w');
  try {
    await writeFully(fs, fd, bytes, 0);
    await fs.fdatasync(fd);
  } finally {
    await fs.close(fd);
  }
}

/** Creates a segment's .log and .index and syncs the directory, so the segment survives a power cut. */
async function createSegmentFiles(fs: StoreFs, dir: string, base: bigint, keepOpen = false): Promise<{ fd: number; indexFd: number }> {
  const fd = await fs.open(path.join(dir, logName(base)), 'wx');
  const indexFd = await fs.open(path.join(dir, indexName(base)), 'wx');
  await fs.fsyncDir(dir);
  if (keepOpen) return { fd, indexFd };
  await fs.close(fd);
  await fs.close(indexFd);
  return { fd: -1, indexFd: -1 };
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

async function readIfExists(fs: StoreFs, file: string): Promise<Uint8Array | undefined> {
  if (!(await fs.exists(file))) return undefined;
  return readRange(fs, file, undefined);
}

/** The first `size` bytes of a file (default: all of it). */
async function readRange(fs: StoreFs, file: string, size: number | undefined): Promise<Uint8Array> {
  const fd = await fs.open(file, 'r');
  try {
    return await readWhole(fs, fd, size);
  } finally {
    await fs.close(fd);
  }
}

async function readWhole(fs: StoreFs, fd: number, limit?: number): Promise<Uint8Array> {
  const size = limit ?? (await fs.fstat(fd)).size;
  const buf = new Uint8Array(size);
  for (let done = 0; done < size; ) {
    const n = await fs.read(fd, buf, done, size - done, done);
    if (n === 0) return buf.subarray(0, done);
    done += n;
  }
  return buf;
}

/** Writes all of `data` at `position`, finishing short writes. */
async function writeFully(fs: StoreFs, fd: number, data: Uint8Array, position: number): Promise<void> {
  for (let done = 0; done < data.length; ) {
    const n = await fs.write(fd, data, done, data.length - done, position + done);
    if (n <= 0) throw new Error(`write made no progress (${data.length - done} bytes left)`);
    done += n;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
