/**
 * The LSM tree: writes go to the WAL and the memtable; a full memtable is flushed to an L0 table;
 * compaction merges L0 into L1 and each full level into the next. Four levels: L0 holds whole
 * flushed memtables (overlapping, newest first), L1..L3 one table each. A get looks in the memtable,
 * then the tables newest to oldest, and stops at the first entry for the key (a tombstone answers
 * "deleted"). A scan merges all of them.
 *
 * Files in the directory: MANIFEST (manifest.ts), NNNNNN.log (the WAL, wal.ts), NNNNNN.sst
 * (tables, sstable.ts), numbered from one counter the manifest keeps.
 *
 * Every public operation runs on one queue, one at a time: the files change only between
 * operations, so a get never sees a table that a compaction is deleting. A scan takes a snapshot
 * (the memtable's entries in range, and a reference on each table) and then streams outside the
 * queue; a table a compaction replaces is deleted when its last scan lets go.
 */
import path from 'node:path';
import { nodeFs, type StoreFs } from '../../katas/store-fs.ts';
import { MAX_KEY_BYTES, MAX_VALUE_BYTES, readFully } from './bytes.ts';
import { LsmClosedError, LsmCorruptionError } from './errors.ts';
import { decodeManifest, installManifest, type ManifestState } from './manifest.ts';
import { Memtable } from './memtable.ts';
import { mergeIterators } from './merge.ts';
import { openSSTable, writeSSTable, type SSTable } from './sstable.ts';
import { Wal } from './wal.ts';

/** L0 .. L3. */
export const LEVELS = 4;

export interface LsmOptions {
  /** The file system (default: `nodeFs`, the real disk). The spec passes a simulated one. */
  fs?: StoreFs;
  /** The memtable is flushed to a table once it holds this many key + value bytes (default 4 MiB). */
  memtableBytes?: number;
  /** Target size of a table's data blocks (default 4096). */
  blockBytes?: number;
  /** L0 is compacted into L1 once it holds this many tables (default 4). */
  l0Trigger?: number;
  /** L1 is compacted into L2 once its table exceeds this many bytes; L2 at 10×, L3 unbounded (default 10 × memtableBytes). */
  levelBytes?: number;
  /** 'always' (default): a put or delete resolves once its WAL record is fdatasynced. 'none': once written. */
  sync?: 'always' | 'none';
}

export interface LsmStats {
  /** (WAL bytes + table bytes written) ÷ (key + value bytes of the puts and deletes), since open. 0 before any write. */
  writeAmplification: number;
  /** Table data blocks the last get read from disk (0 when the memtable answered or the bloom filters ruled every table out). */
  readAmplification: number;
  /** Tables in the store. */
  tables: number;
  /** Tables per level, L0 first. */
  levels: number[];
  /** Key + value bytes of the puts and deletes since open. */
  userBytes: number;
  walBytes: number;
  tableBytes: number;
  flushes: number;
  compactions: number;
  /** Key + value bytes in the memtable now. */
  memtableBytes: number;
}

export interface Lsm {
  get(key: string | Uint8Array): Promise<Uint8Array | undefined>;
  put(key: string | Uint8Array, value: string | Uint8Array): Promise<void>;
  delete(key: string | Uint8Array): Promise<void>;
  scan(lo?: string | Uint8Array, hi?: string | Uint8Array): AsyncIterable<[Uint8Array, Uint8Array]>;
  flush(): Promise<void>;
  compact(): Promise<void>;
  stats(): LsmStats;
  close(): Promise<void>;
}

interface Table {
  number: number;
  reader: SSTable;
  /** One for the current version, one per scan reading it. At 0 the file is deleted. */
  refs: number;
}

interface Resolved {
  memtableBytes: number;
  blockBytes: number;
  l0Trigger: number;
  levelBytes: number;
  sync: boolean;
}

const fileName = (n: number, ext: string) => `${String(n).padStart(6, '0')}.${ext}`;

function positiveInt(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`openLsm: ${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

function resolveOptions(opts: LsmOptions): Resolved {
  if (opts === null || typeof opts !== 'object') throw new TypeError('openLsm: options must be an object');
  const memtableBytes = positiveInt('memtableBytes', opts.memtableBytes, 4 * 1024 * 1024);
  const sync = opts.sync ?? 'always';
  if (sync !== 'always' && sync !== 'none') throw new RangeError(`openLsm: sync must be 'always' or 'none', got ${String(sync)}`);
  return {
    memtableBytes,
    blockBytes: positiveInt('blockBytes', opts.blockBytes, 4096),
    l0Trigger: positiveInt('l0Trigger', opts.l0Trigger, 4),
    levelBytes: positiveInt('levelBytes', opts.levelBytes, 10 * memtableBytes),
    sync: sync === 'always',
  };
}

/** Strings are UTF-8; bytes are copied (the caller may reuse its buffer). */
function toBytes(what: string, x: unknown, max: number): Uint8Array {
  let out: Uint8Array;
  if (typeof x === 'string') out = Buffer.from(x, 'utf8');
  else if (x instanceof Uint8Array) out = Buffer.from(x);
  else throw new TypeError(`lsm: ${what} must be a string or a Uint8Array, got ${x === null ? 'null' : typeof x}`);
  if (out.length > max) throw new RangeError(`lsm: ${what} is ${out.length} bytes, over the limit of ${max}`);
  return out;
}

/** Creates `dir` and any missing parents, each made durable by an fsync of its parent. */
async function makeDirDurable(fs: StoreFs, dir: string): Promise<void> {
  const created: string[] = [];
  for (let d = dir; !(await fs.exists(d)); d = path.dirname(d)) {
    created.unshift(d);
    if (path.dirname(d) === d) break;
  }
  if (created.length === 0) return;
  await fs.mkdir(dir, { recursive: true });
  for (const d of created) await fs.fsyncDir(path.dirname(d));
}

class LsmTree implements Lsm {
  #tail: Promise<void> = Promise.resolve();
  #closing: Promise<void> | undefined;
  #closed = false;
  #failed: unknown;
  #lastGetBlocks = 0;
  #userBytes = 0;
  #walBytes = 0;
  #tableBytes = 0;
  #flushes = 0;
  #compactions = 0;

  constructor(
    readonly fs: StoreFs,
    readonly dir: string,
    private readonly o: Resolved,
    private nextFile: number,
    private walNumber: number,
    private wal: Wal,
    private memtable: Memtable,
    private levels: Table[][],
  ) {}

  #path(n: number, ext: 'sst' | 'log'): string {
    return `${this.dir}/${fileName(n, ext)}`;
  }

  #manifestOf(levels: Table[][], wal: number): ManifestState {
    return { nextFile: this.nextFile, wal, levels: levels.map((l) => l.map((t) => t.number)) };
  }

  /** Runs `fn` on the queue, after every operation queued before it. */
  #run<T>(write: boolean, fn: () => Promise<T>): Promise<T> {
    if (this.#closing) return Promise.reject(new LsmClosedError('the store is closed'));
    const p = this.#tail.then(() => {
      if (write && this.#failed !== undefined) {
        throw new LsmClosedError('an earlier write or fsync failed; reopen the store to recover', { cause: this.#failed });
      }
      return fn();
    });
    this.#tail = p.then(
      () => undefined,
      () => undefined,
    );
    return p;
  }

  /** A failure that leaves memory and disk possibly out of step stops all further writes. */
  async #guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      this.#failed ??= err;
      throw err;
    }
  }

  get(key: string | Uint8Array): Promise<Uint8Array | undefined> {
    const k = toBytes('key', key, MAX_KEY_BYTES);
    return this.#run(false, async () => {
      this.#lastGetBlocks = 0;
      const m = this.memtable.get(k);
      if (m !== undefined) return m === null ? undefined : new Uint8Array(m);
      for (const level of this.levels) {
        for (const t of level) {
          const before = t.reader.blocksRead;
          const v = await t.reader.get(k);
          this.#lastGetBlocks += t.reader.blocksRead - before;
          if (v !== undefined) return v === null ? undefined : v;
        }
      }
      return undefined;
    });
  }

  put(key: string | Uint8Array, value: string | Uint8Array): Promise<void> {
    const k = toBytes('key', key, MAX_KEY_BYTES);
    const v = toBytes('value', value, MAX_VALUE_BYTES);
    return this.#run(true, () => this.#write(k, v));
  }

  delete(key: string | Uint8Array): Promise<void> {
    const k = toBytes('key', key, MAX_KEY_BYTES);
    return this.#run(true, () => this.#write(k, null));
  }

  async #write(key: Uint8Array, value: Uint8Array | null): Promise<void> {
    // The record is in the WAL (and synced, with sync 'always') before the memtable shows it.
    this.#walBytes += await this.#guard(() => this.wal.append(key, value));
    this.memtable.put(key, value);
    this.#userBytes += key.length + (value?.length ?? 0);
    if (this.memtable.bytes >= this.o.memtableBytes) await this.#guard(() => this.#flush());
  }

  flush(): Promise<void> {
    return this.#run(true, () => this.#guard(() => this.#flush()));
  }

  compact(): Promise<void> {
    return this.#run(true, () =>
      this.#guard(async () => {
        await this.#flush();
        if (this.levels.some((l) => l.length > 0)) await this.#compact(0, LEVELS - 1);
      }),
    );
  }

  /** Writes the memtable as the newest L0 table and switches to a fresh WAL and memtable. */
  async #flush(): Promise<void> {
    if (this.memtable.size === 0) return;
    const tableNo = this.nextFile++;
    const walNo = this.nextFile++;
    // The new log's name becomes durable with the manifest below, before any write lands in it.
    const newWal = await Wal.create(this.fs, this.#path(walNo, 'log'), this.o.sync);
    try {
      const info = await writeSSTable(this.fs, this.#path(tableNo, 'sst'), this.memtable.entries(), { blockBytes: this.o.blockBytes });
      this.#tableBytes += info.bytes;
      const table: Table = { number: tableNo, reader: await openSSTable(this.fs, info.path), refs: 1 };
      const levels = [[table, ...this.levels[0]!], ...this.levels.slice(1)];
      const next = this.#manifestOf(levels, walNo);
      const oldWal = this.wal;
      // Until the manifest naming the table is durable, the old WAL is the only durable copy of the
      // memtable: it goes after the install, never before.
      await installManifest(this.fs, this.dir, next);
      await this.#dropWal(oldWal);
      this.levels = levels;
      this.wal = newWal;
      this.walNumber = walNo;
      this.memtable = new Memtable();
      this.#flushes++;
    } catch (err) {
      await newWal.close().catch(() => {});
      throw err;
    }
    await this.#maybeCompact();
  }

  async #dropWal(wal: Wal): Promise<void> {
    await wal.close();
    // No directory fsync: if the unlink is lost, open finds a log no manifest names and removes it.
    await this.fs.unlink(wal.path);
  }

  #levelBytes(l: number): number {
    return this.levels[l]!.reduce((sum, t) => sum + t.reader.bytes, 0);
  }

  async #maybeCompact(): Promise<void> {
    for (;;) {
      if (this.levels[0]!.length >= this.o.l0Trigger) {
        await this.#compact(0, 1);
        continue;
      }
      let l = 1;
      while (l < LEVELS - 1 && this.#levelBytes(l) <= this.o.levelBytes * 10 ** (l - 1)) l++;
      if (l === LEVELS - 1) return;
      await this.#compact(l, l + 1);
    }
  }

  /** Merges every table of levels from..to into one table in level `to`. */
  async #compact(from: number, to: number): Promise<void> {
    const inputs = this.levels.slice(from, to + 1).flat(); // newest first: L0 newest to oldest, then deeper levels
    if (inputs.length === 0) return;
    // Only when nothing lies below `to` may tombstones go: there is no older value left to hide.
    // Above the bottom, a dropped tombstone would bring back the value it deleted.
    const bottom = this.levels.slice(to + 1).every((l) => l.length === 0);
    const n = this.nextFile++;
    const merged = mergeIterators(
      inputs.map((t) => t.reader.entries()),
      { dropTombstones: bottom },
    );
    const info = await writeSSTable(this.fs, this.#path(n, 'sst'), merged, { blockBytes: this.o.blockBytes });
    this.#tableBytes += info.bytes;
    const output: Table[] = info.entries > 0 ? [{ number: n, reader: await openSSTable(this.fs, info.path), refs: 1 }] : [];
    const levels = this.levels.map((l, i) => (i < from || i > to ? l : i === to ? output : []));
    await installManifest(this.fs, this.dir, this.#manifestOf(levels, this.walNumber));
    this.levels = levels;
    if (output.length === 0) await this.fs.unlink(info.path); // everything in it was deleted: never named
    for (const t of inputs) await this.#release(t);
    this.#compactions++;
  }

  /** Drops one reference; the last one closes the reader and deletes the file (no manifest names it). */
  async #release(t: Table): Promise<void> {
    if (--t.refs > 0) return;
    await t.reader.close().catch(() => {});
    await this.fs.unlink(t.reader.path).catch(() => {});
  }

  scan(lo?: string | Uint8Array, hi?: string | Uint8Array): AsyncIterable<[Uint8Array, Uint8Array]> {
    const l = lo === undefined ? undefined : toBytes('lo', lo, MAX_KEY_BYTES);
    const h = hi === undefined ? undefined : toBytes('hi', hi, MAX_KEY_BYTES);
    return this.#scan(l, h);
  }

  async *#scan(lo: Uint8Array | undefined, hi: Uint8Array | undefined): AsyncGenerator<[Uint8Array, Uint8Array]> {
    const snapshot = await this.#run(false, async () => {
      const tables = this.levels.flat();
      for (const t of tables) t.refs++;
      return { mem: [...this.memtable.entries(lo, hi)], tables };
    });
    try {
      const sources = [snapshot.mem, ...snapshot.tables.map((t) => t.reader.entries(lo, hi))];
      for await (const e of mergeIterators(sources, { dropTombstones: true })) {
        yield [new Uint8Array(e.key), new Uint8Array(e.value!)];
      }
    } finally {
      for (const t of snapshot.tables) await this.#release(t);
    }
  }

  stats(): LsmStats {
    return {
      writeAmplification: this.#userBytes === 0 ? 0 : (this.#walBytes + this.#tableBytes) / this.#userBytes,
      readAmplification: this.#lastGetBlocks,
      tables: this.levels.reduce((n, l) => n + l.length, 0),
      levels: this.levels.map((l) => l.length),
      userBytes: this.#userBytes,
      walBytes: this.#walBytes,
      tableBytes: this.#tableBytes,
      flushes: this.#flushes,
      compactions: this.#compactions,
      memtableBytes: this.memtable.bytes,
    };
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#tail;
      this.#closed = true;
      try {
        if (!this.o.sync && this.#failed === undefined) await this.wal.syncNow();
      } finally {
        await this.wal.close().catch(() => {});
        for (const t of this.levels.flat()) await t.reader.close().catch(() => {});
      }
    })();
    return this.#closing;
  }

  get closed(): boolean {
    return this.#closed;
  }
}

/**
 * Opens (creating, durably, when needed) the store in `dir`: reads the manifest, opens the tables
 * it names, replays the WAL into the memtable (cutting a torn tail), and removes files no manifest
 * names (leftovers of an interrupted flush or compaction).
 */
export async function openLsm(dir: string, opts: LsmOptions = {}): Promise<Lsm> {
  if (typeof dir !== 'string' || dir === '') throw new TypeError('openLsm: dir must be a non-empty string');
  const o = resolveOptions(opts);
  const fs = opts.fs ?? nodeFs;
  await makeDirDurable(fs, dir);
  const manifestPath = `${dir}/MANIFEST`;
  const at = (n: number, ext: string) => `${dir}/${fileName(n, ext)}`;

  if (!(await fs.exists(manifestPath))) {
    // A new store (or one whose creation was cut short: nothing in it was ever acknowledged).
    await removeUnnamed(fs, dir, new Set());
    const wal = await Wal.create(fs, at(1, 'log'), o.sync);
    const state: ManifestState = { nextFile: 2, wal: 1, levels: Array.from({ length: LEVELS }, () => []) };
    await installManifest(fs, dir, state);
    return new LsmTree(fs, dir, o, state.nextFile, state.wal, wal, new Memtable(), state.levels.map(() => []));
  }

  const state = decodeManifest(manifestPath, await readWhole(fs, manifestPath));
  if (state.levels.length !== LEVELS) throw new LsmCorruptionError(manifestPath, 24, `${state.levels.length} levels, expected ${LEVELS}`);
  const opened: Table[] = [];
  try {
    const levels: Table[][] = [];
    for (const numbers of state.levels) {
      const level: Table[] = [];
      for (const n of numbers) {
        const p = at(n, 'sst');
        if (!(await fs.exists(p))) throw new LsmCorruptionError(p, 0, 'a table the manifest names is missing');
        const t = { number: n, reader: await openSSTable(fs, p), refs: 1 };
        opened.push(t);
        level.push(t);
      }
      levels.push(level);
    }
    const walPath = at(state.wal, 'log');
    if (!(await fs.exists(walPath))) throw new LsmCorruptionError(walPath, 0, 'the WAL the manifest names is missing');
    const { wal, entries } = await Wal.open(fs, walPath, o.sync);
    const memtable = new Memtable();
    for (const e of entries) memtable.put(e.key, e.value);
    await removeUnnamed(fs, dir, new Set([manifestPath, walPath, ...opened.map((t) => t.reader.path)]));
    return new LsmTree(fs, dir, o, state.nextFile, state.wal, wal, memtable, levels);
  } catch (err) {
    for (const t of opened) await t.reader.close().catch(() => {});
    throw err;
  }
}

/** Deletes tables, logs and MANIFEST.tmp that `keep` does not list. */
async function removeUnnamed(fs: StoreFs, dir: string, keep: Set<string>): Promise<void> {
  for (const name of await fs.readdir(dir)) {
    const p = `${dir}/${name}`;
    if ((/^\d{6,}\.(sst|log)$/.test(name) || name === 'MANIFEST.tmp') && !keep.has(p)) await fs.unlink(p);
  }
}

async function readWhole(fs: StoreFs, file: string): Promise<Buffer> {
  const fd = await fs.open(file, 'r');
  try {
    return await readFully(fs, fd, (await fs.fstat(fd)).size, 0);
  } finally {
    await fs.close(fd);
  }
}
