/**
 * Bitcask: a log-structured hash table (Sheehy and Smith, Basho 2010), the reference solution.
 *
 * Every put and delete is appended to the newest data file; an in-memory hash table, the keydir,
 * maps each live key to where its latest entry is. A get is one hash lookup and one read. Files
 * roll over at `maxFileBytes`; merge() rewrites the live entries into one merged file with a hint
 * file beside it, so the next open can rebuild the keydir without reading the data.
 *
 * Durability rules this code follows (README: "Crash safety"):
 *   - a put is acknowledged only after its entry is written and, with sync 'always', fdatasynced;
 *     only then does the keydir show it;
 *   - a new data file's name is made durable (fsyncDir) before anything is acknowledged in it;
 *   - a sealed file is fsynced, so only the newest file can end in a torn write;
 *   - merge writes and fsyncs the merged file and its hint under temporary names, renames them into
 *     place and fsyncs the directory (the switch), and only then deletes the old files, oldest first.
 */
import path from 'node:path';
import { nodeFs, type StoreFs } from '../../katas/store-fs.ts';
import { BitcaskClosedError, BitcaskCorruptionError, BitcaskLockedError } from './errors.ts';
import {
  HEADER_SIZE,
  MAX_KEY_SIZE,
  MAX_VALUE_SIZE,
  ScanDamage,
  decodeHint,
  encodeEntry,
  encodeHint,
  entryProblem,
  scanDataFile,
  type HintEntry,
} from './format.ts';
import { acquireLock, releaseLock } from './lock.ts';

export { BitcaskClosedError, BitcaskCorruptionError, BitcaskLockedError };

export interface BitcaskOptions {
  /** The file system (default: the real disk). Tests pass a simulated one. */
  fs?: StoreFs;
  /** The active data file rolls over before it would grow past this (default 64 MiB). */
  maxFileBytes?: number;
  /** 'always' (default): fdatasync before a put or delete resolves. 'none': leave it to the OS. */
  sync?: 'always' | 'none';
}

export interface Bitcask {
  get(key: string | Uint8Array): Promise<Uint8Array | undefined>;
  put(key: string | Uint8Array, value: string | Uint8Array): Promise<void>;
  delete(key: string | Uint8Array): Promise<void>;
  keys(): AsyncIterable<Uint8Array>;
  merge(): Promise<void>;
  close(): Promise<void>;
}

const DEFAULT_MAX_FILE_BYTES = 64 * 1024 * 1024;
/** Merge writes its output in pieces of about this size. */
const WRITE_CHUNK = 1024 * 1024;

const fileId = (id: number) => String(id).padStart(10, '0');
const dataName = (id: number) => `${fileId(id)}.data`;
const hintName = (id: number) => `${fileId(id)}.hint`;
const DATA_FILE = /^(\d{10})\.data$/;
const HINT_FILE = /^(\d{10})\.hint$/;
const TEMP_FILE = /\.tmp$/;

/** Where a key's latest entry is. */
interface Location {
  file: number;
  offset: number;
  /** The whole entry: header, key and value. */
  size: number;
  timestamp: number;
}

const toBytes = (x: string | Uint8Array): Uint8Array => (typeof x === 'string' ? Buffer.from(x, 'utf8') : x);
/** Keydir key: the key's bytes as a latin1 string (one char per byte, so any bytes are a valid key). */
const mapKey = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');

/** Opens (creating if needed) the store in `dir`. */
export async function openBitcask(dir: string, opts: BitcaskOptions = {}): Promise<Bitcask> {
  const fs = opts.fs ?? nodeFs;
  const maxFileBytes = opts.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  if (!Number.isSafeInteger(maxFileBytes) || maxFileBytes < 1) throw new RangeError(`openBitcask: maxFileBytes must be a positive integer, not ${maxFileBytes}`);
  const sync = opts.sync ?? 'always';
  if (sync !== 'always' && sync !== 'none') throw new RangeError(`openBitcask: sync must be 'always' or 'none', not ${JSON.stringify(sync)}`);
  await ensureDir(fs, dir);
  await acquireLock(fs, dir);
  try {
    return await Store.load(fs, dir, maxFileBytes, sync);
  } catch (err) {
    await releaseLock(fs, dir);
    throw err;
  }
}

/** mkdir -p, with every new directory's name made durable in its parent. */
async function ensureDir(fs: StoreFs, dir: string): Promise<void> {
  const created: string[] = [];
  for (let d = dir; !(await fs.exists(d)); d = path.posix.dirname(d)) {
    created.unshift(d);
    if (path.posix.dirname(d) === d) break;
  }
  if (created.length === 0) return;
  await fs.mkdir(dir, { recursive: true });
  for (const d of created) await fs.fsyncDir(path.posix.dirname(d));
}

class Store implements Bitcask {
  private readonly keydir = new Map<string, Location>();
  /** Open descriptors by file id: the active file 'a+', every other one 'r'. */
  private readonly fds = new Map<number, number>();
  /** Files that have a hint file beside them (merged files). */
  private readonly hinted = new Set<number>();
  private activeId = 0;
  private activeSize = 0;
  /** The largest timestamp written or seen: the next entry gets clock + 1. */
  private clock = 0;
  /** Writes (put, delete, merge, close) run one at a time, in call order. */
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  /** Set when a write or fsync failed: the file may hold a partial entry, so no more writes. */
  private failure: unknown;

  private constructor(
    private readonly fs: StoreFs,
    private readonly dir: string,
    private readonly maxFileBytes: number,
    private readonly sync: 'always' | 'none',
  ) {}

  private path(name: string): string {
    return path.posix.join(this.dir, name);
  }

  // ---------------------------------------------------------------- open

  static async load(fs: StoreFs, dir: string, maxFileBytes: number, sync: 'always' | 'none'): Promise<Store> {
    const store = new Store(fs, dir, maxFileBytes, sync);
    try {
      await store.recover();
    } catch (err) {
      await store.closeFiles();
      throw err;
    }
    return store;
  }

  private async recover(): Promise<void> {
    const { fs } = this;
    const names = await fs.readdir(this.dir);
    const ids = names.flatMap((n) => (DATA_FILE.test(n) ? [Number(n.slice(0, 10))] : [])).sort((a, b) => a - b);
    const hints = new Set(names.flatMap((n) => (HINT_FILE.test(n) ? [Number(n.slice(0, 10))] : [])));
    // Leftovers of a merge that crashed before its switch, and hints whose data file is gone.
    // They are never read, so it does not matter whether these unlinks reach the disk.
    for (const n of names) {
      if (TEMP_FILE.test(n) || (HINT_FILE.test(n) && !ids.includes(Number(n.slice(0, 10))))) await fs.unlink(this.path(n));
    }
    for (const [i, id] of ids.entries()) {
      const newest = i === ids.length - 1;
      const fd = await fs.open(this.path(dataName(id)), newest ? 'a+' : 'r');
      this.fds.set(id, fd);
      if (hints.has(id)) this.hinted.add(id);
      if (!(hints.has(id) && (await this.loadHint(id, fd)))) await this.scan(id, fd, newest);
    }
    if (ids.length === 0) {
      this.fds.set(1, await fs.open(this.path(dataName(1)), 'a+'));
      await fs.fsyncDir(this.dir); // the first data file's name is durable before any put lands in it
      ids.push(1);
    }
    this.activeId = ids[ids.length - 1]!;
    this.activeSize = (await fs.fstat(this.fds.get(this.activeId)!)).size;
  }

  /** Loads a merged file's keydir entries from its hint file; false when the hint is not to be trusted. */
  private async loadHint(id: number, fd: number): Promise<boolean> {
    const dataSize = (await this.fs.fstat(fd)).size;
    const entries = decodeHint(await this.fs.readFile(this.path(hintName(id))), dataSize);
    if (!entries) return false;
    for (const e of entries) {
      this.keydir.set(mapKey(e.key), { file: id, offset: e.offset, size: HEADER_SIZE + e.key.length + e.valueSize, timestamp: e.timestamp });
      this.clock = Math.max(this.clock, e.timestamp);
    }
    return true;
  }

  /** Rebuilds the keydir from a data file, entry by entry; cuts a torn tail off the newest file. */
  private async scan(id: number, fd: number, newest: boolean): Promise<void> {
    const file = this.path(dataName(id));
    const data = await this.readAll(fd);
    let result;
    try {
      result = scanDataFile(data, newest);
    } catch (err) {
      if (err instanceof ScanDamage) throw new BitcaskCorruptionError(file, err.offset, undefined, err.detail);
      throw err;
    }
    for (const e of result.entries) {
      const mk = mapKey(e.key);
      if (e.tombstone) this.keydir.delete(mk);
      else this.keydir.set(mk, { file: id, offset: e.offset, size: e.size, timestamp: e.timestamp });
      if (e.verified) this.clock = Math.max(this.clock, e.timestamp);
    }
    if (result.end < data.length) {
      // A torn tail: the last write of a crash, never acknowledged. Cut it off, durably, so the
      // next append does not land behind garbage.
      await this.fs.ftruncate(fd, result.end);
      await this.fs.fsync(fd);
    }
  }

  // ---------------------------------------------------------------- the API

  async get(key: string | Uint8Array): Promise<Uint8Array | undefined> {
    this.assertOpen();
    const k = toBytes(key);
    const mk = mapKey(k);
    for (let attempt = 0; ; attempt++) {
      const loc = this.keydir.get(mk);
      if (!loc) return undefined;
      try {
        const entry = await this.readEntry(k, loc);
        return entry.subarray(HEADER_SIZE + k.length);
      } catch (err) {
        // A merge moved the key (and closed the old file) while we were reading: read it again.
        if (attempt < 3 && this.keydir.get(mk) !== loc) continue;
        throw err;
      }
    }
  }

  async put(key: string | Uint8Array, value: string | Uint8Array): Promise<void> {
    this.assertOpen();
    const k = toBytes(key);
    const v = toBytes(value);
    checkKey(k);
    if (v.length > MAX_VALUE_SIZE) throw new RangeError(`bitcask: a value of ${v.length} bytes exceeds the limit of ${MAX_VALUE_SIZE}`);
    return this.exclusive(() => this.append(k, v));
  }

  async delete(key: string | Uint8Array): Promise<void> {
    this.assertOpen();
    const k = toBytes(key);
    checkKey(k);
    return this.exclusive(async () => {
      this.assertWritable();
      // No live entry anywhere: nothing for a tombstone to hide.
      if (!this.keydir.has(mapKey(k))) return;
      await this.append(k, null);
    });
  }

  async *keys(): AsyncIterable<Uint8Array> {
    this.assertOpen();
    // A snapshot: puts and deletes during the iteration do not disturb it.
    for (const mk of [...this.keydir.keys()]) yield Buffer.from(mk, 'latin1');
  }

  async merge(): Promise<void> {
    this.assertOpen();
    return this.exclusive(() => this.mergeFiles());
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue;
    try {
      // With sync 'none' this is where the last puts become durable.
      if (this.failure === undefined) await this.fs.fsync(this.fds.get(this.activeId)!);
    } finally {
      await this.closeFiles();
      await releaseLock(this.fs, this.dir);
    }
  }

  // ---------------------------------------------------------------- writes

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private assertOpen(): void {
    if (this.closed) throw new BitcaskClosedError('the store is closed; open it again with openBitcask()');
  }

  private assertWritable(): void {
    if (this.failure !== undefined) {
      throw new BitcaskClosedError('the store stopped taking writes after a write or fsync failed; reopen it to recover', { cause: this.failure });
    }
  }

  /** Appends a put (or, with value null, a tombstone) and only then shows it in the keydir. */
  private async append(key: Uint8Array, value: Uint8Array | null): Promise<void> {
    this.assertWritable();
    const timestamp = this.clock + 1;
    const entry = encodeEntry(key, value, timestamp);
    if (this.activeSize > 0 && this.activeSize + entry.length > this.maxFileBytes) await this.rotate(this.activeId + 1);
    const fd = this.fds.get(this.activeId)!;
    const mk = mapKey(key);
    const location: Location = { file: this.activeId, offset: this.activeSize, size: entry.length, timestamp };
    try {
      await this.writeAll(fd, entry);
      if (this.sync === 'always') await this.fs.fdatasync(fd);
    } catch (err) {
      // The file may now end in part of this entry, and after a failed fsync the kernel may have
      // dropped it: stop, rather than append behind it or retry blindly. Reopening cuts it off.
      this.failure = err;
      throw err;
    }
    this.activeSize += entry.length;
    this.clock = timestamp;
    this.remember(mk, value === null ? undefined : location);
  }

  private remember(mk: string, location: Location | undefined): void {
    if (location) this.keydir.set(mk, location);
    else this.keydir.delete(mk);
  }

  /** Seals the active file and makes file `next` the active one. */
  private async rotate(next: number): Promise<void> {
    try {
      // Sealed files are complete on disk: only the newest file can end in a torn write.
      await this.fs.fsync(this.fds.get(this.activeId)!);
      this.fds.set(next, await this.fs.open(this.path(dataName(next)), 'a+'));
      await this.fs.fsyncDir(this.dir); // the new file's name is durable before anything is acknowledged in it
    } catch (err) {
      this.failure = err;
      throw err;
    }
    this.activeId = next;
    this.activeSize = 0;
  }

  private async writeAll(fd: number, bytes: Uint8Array): Promise<void> {
    for (let done = 0; done < bytes.length; ) {
      const n = await this.fs.write(fd, bytes, done, bytes.length - done, null);
      if (n <= 0) throw new Error('bitcask: a write made no progress');
      done += n;
    }
  }

  /** Creates (or replaces) `file` with `chunks`, written in pieces of about WRITE_CHUNK and fsynced. */
  private async writeSynced(file: string, chunks: readonly Uint8Array[]): Promise<void> {
    const fd = await this.fs.open(file, 'w');
    try {
      let batch: Uint8Array[] = [];
      let batched = 0;
      const flush = async () => {
        if (batched > 0) await this.writeAll(fd, Buffer.concat(batch, batched));
        batch = [];
        batched = 0;
      };
      for (const c of chunks) {
        batch.push(c);
        batched += c.length;
        if (batched >= WRITE_CHUNK) await flush();
      }
      await flush();
      await this.fs.fsync(fd); // the merged bytes are on disk before anything depends on them
    } finally {
      await this.fs.close(fd);
    }
  }

  // ---------------------------------------------------------------- merge

  private async mergeFiles(): Promise<void> {
    this.assertWritable();
    const sealed = this.activeId;
    // The merged file takes the id right after the sealed active file, and new writes go to the
    // one after that: the merged file sorts after every file it replaces and before every new
    // write, whichever of them a crash leaves on disk.
    const mergedId = sealed + 1;
    await this.rotate(sealed + 2);
    const old = [...this.fds.keys()].filter((id) => id <= sealed).sort((a, b) => a - b);

    // 1. Copy every live entry, verified: a damaged entry must not get a fresh checksum. Entries
    //    are copied byte for byte (they hold no position), so the timestamps stay as they were.
    //    Tombstones are dropped: every older file is part of this merge and goes away with it.
    const chunks: Uint8Array[] = [];
    const hints: HintEntry[] = [];
    const moved: Array<[string, Location]> = [];
    let size = 0;
    for (const [mk, loc] of this.keydir) {
      const key = Buffer.from(mk, 'latin1');
      chunks.push(await this.readEntry(key, loc));
      hints.push({ key, timestamp: loc.timestamp, valueSize: loc.size - HEADER_SIZE - key.length, offset: size });
      moved.push([mk, { file: mergedId, offset: size, size: loc.size, timestamp: loc.timestamp }]);
      size += loc.size;
    }

    // 2. Both files under temporary names, fsynced. A crash before the switch leaves them as
    //    *.tmp, which open deletes unread.
    const data = this.path(dataName(mergedId));
    const hint = this.path(hintName(mergedId));
    await this.writeSynced(`${data}.tmp`, chunks);
    await this.writeSynced(`${hint}.tmp`, [encodeHint(hints, size)]);

    // 3. The switch: data first (a hint without its data file is ignored), then the directory.
    await this.fs.rename(`${data}.tmp`, data);
    await this.fs.rename(`${hint}.tmp`, hint);
    await this.fs.fsyncDir(this.dir); // the switch is durable before any old file goes
    this.fds.set(mergedId, await this.fs.open(data, 'r'));
    this.hinted.add(mergedId);
    for (const [mk, loc] of moved) this.keydir.set(mk, loc);

    // 4. Delete the old files, oldest first, each deletion durable before the next. Whatever a
    //    crash leaves is then a run of the newest old files: their latest word on every key
    //    (tombstones included) is still there, so a dropped tombstone cannot let an older value
    //    of its key come back.
    for (const id of old) {
      const fd = this.fds.get(id)!;
      this.fds.delete(id);
      await this.fs.close(fd);
      if (this.hinted.delete(id)) await this.fs.unlink(this.path(hintName(id)));
      await this.fs.unlink(this.path(dataName(id)));
      await this.fs.fsyncDir(this.dir); // one deletion at a time, in order
    }
  }

  // ---------------------------------------------------------------- reads

  /** Reads a key's entry at `loc` and verifies it: checksum, sizes, key and timestamp. */
  private async readEntry(key: Uint8Array, loc: Location): Promise<Uint8Array> {
    const file = this.path(dataName(loc.file));
    const fd = this.fds.get(loc.file);
    if (fd === undefined) throw new BitcaskCorruptionError(file, loc.offset, key, 'the data file is gone');
    const buf = Buffer.alloc(loc.size);
    let n = 0;
    while (n < loc.size) {
      const got = await this.fs.read(fd, buf, n, loc.size - n, loc.offset + n);
      if (got === 0) break;
      n += got;
    }
    const problem = n < loc.size ? 'the file ends inside the entry' : entryProblem(buf, key, loc.timestamp);
    if (problem) throw new BitcaskCorruptionError(file, loc.offset, key, problem);
    return buf;
  }

  /** A whole file through its descriptor. */
  private async readAll(fd: number): Promise<Uint8Array> {
    const buf = Buffer.alloc((await this.fs.fstat(fd)).size);
    let n = 0;
    while (n < buf.length) {
      const got = await this.fs.read(fd, buf, n, buf.length - n, n);
      if (got === 0) break;
      n += got;
    }
    return buf.subarray(0, n);
  }

  private async closeFiles(): Promise<void> {
    for (const fd of this.fds.values()) await this.fs.close(fd).catch(() => undefined);
    this.fds.clear();
  }
}

function checkKey(k: Uint8Array): void {
  if (k.length > MAX_KEY_SIZE) throw new RangeError(`bitcask: a key of ${k.length} bytes exceeds the limit of ${MAX_KEY_SIZE}`);
}
