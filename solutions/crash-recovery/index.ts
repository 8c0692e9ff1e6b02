/**
 * A tiny transactional page store recovered from its log: ARIES in miniature.
 *
 * - Pages live in a buffer pool (here: all of them). An update changes a slot in memory and appends
 *   a log record; the page remembers the LSN of the last record applied to it (its page LSN).
 * - Steal / no-force: a page may be written to disk while a transaction that changed it is still
 *   running (flushPage), and commit writes no pages, only forces the log.
 * - WAL rule: a page is written only after the log up to its page LSN is durable.
 * - Recovery on open: analysis (from the last checkpoint: who was running, which pages were dirty),
 *   redo (repeat history from the checkpoint's redo LSN, wherever the page LSN says the record is
 *   missing), undo (roll the losers back, writing a compensation record per undone update so that a
 *   crash during recovery never undoes anything twice).
 *
 * Updates are logical deltas (`slot += delta`). Undo adds `-delta`, and redo is correct only where
 * the page LSN shows the record is not in the page yet: applying a delta twice is visible.
 */
import path from 'node:path';
import { nodeFs, type StoreFs } from '../../katas/store-fs.ts';
import { encodeRecord, scanLog, type LogRecord, type NewRecord, type UpdateRecord } from './log.ts';

export type { LogRecord } from './log.ts';

export interface StoreOptions {
  /** The file system (default: the real disk). */
  fs?: StoreFs;
  /** Bytes per page, a multiple of 8 from 16 to 65536 (default 512, one sector). */
  pageSize?: number;
  /** Pages in the store, 1 to 65536 (default 8). */
  pages?: number;
}

export interface RecoveryStats {
  /** Records in the log after the torn tail (if any) was cut off. */
  logRecords: number;
  /** The LSN redo started from (the last checkpoint's redo LSN, or 1). */
  redoStart: number;
  /** Update and compensation records applied to a page by redo. */
  redone: number;
  /** Update and compensation records redo looked at and did not apply (page clean or already has it). */
  skipped: number;
  /** Transactions rolled back by undo. */
  losers: number;
  /** Updates rolled back by undo (one compensation record each). */
  undone: number;
}

export interface Tx {
  readonly id: number;
  /** The slot's current value as this store sees it (including uncommitted changes). */
  read(page: number, slot: number): number;
  /** Sets the slot; logs the change as a delta. Returns the update record's LSN. */
  write(page: number, slot: number, value: number): number;
  /** Adds `delta` to the slot. Returns the update record's LSN. */
  add(page: number, slot: number, delta: number): number;
  /** Logs a commit record and resolves to its LSN once the log up to it is durable. */
  commit(): Promise<number>;
  /** Rolls back every change (compensation records), then logs an end record. */
  abort(): Promise<void>;
}

export interface Store {
  readonly pageSize: number;
  readonly pages: number;
  readonly slotsPerPage: number;
  /** The LSN of the last record appended (0: none yet). */
  readonly lastLsn: number;
  /** Every record up to this LSN is durable in the log file. */
  readonly durableLsn: number;
  begin(): Tx;
  read(page: number, slot: number): number;
  pageLsn(page: number): number;
  flushPage(page: number): Promise<void>;
  checkpoint(): Promise<number>;
  recoveryStats(): RecoveryStats;
  close(): Promise<void>;
}

export class StoreClosedError extends Error {
  readonly code = 'STORE_CLOSED';
  constructor() {
    super('the store is closed');
    this.name = 'StoreClosedError';
  }
}

export class StoreFailedError extends Error {
  readonly code = 'STORE_FAILED';
  constructor(cause: unknown) {
    super(`an earlier write or fsync failed; the store stopped: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'StoreFailedError';
  }
}

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

const PAGE_HEADER = 8; // u64 page LSN
const SLOT = 8; // f64, always a safe integer

interface Frame {
  data: Uint8Array;
  view: DataView;
  lsn: number;
  dirty: boolean;
  /** The first LSN that dirtied the page since it was last written (valid while dirty). */
  recLsn: number;
}

async function writeFully(fs: StoreFs, fd: number, data: Uint8Array, position: number): Promise<void> {
  for (let done = 0; done < data.length; ) {
    const n = await fs.write(fd, data, done, data.length - done, position + done);
    if (n <= 0) throw new Error(`write returned ${n}`);
    done += n;
  }
}

async function readWhole(fs: StoreFs, fd: number): Promise<Uint8Array> {
  const size = (await fs.fstat(fd)).size;
  const buf = new Uint8Array(size);
  for (let done = 0; done < size; ) {
    const n = await fs.read(fd, buf, done, size - done, done);
    if (n === 0) return buf.subarray(0, done);
    done += n;
  }
  return buf;
}

function checkInt(name: string, v: unknown, lo: number, hi: number): void {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) {
    throw new RangeError(`${name} must be an integer from ${lo} to ${hi}, got ${String(v)}`);
  }
}

function checkValue(name: string, v: unknown): asserts v is number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new RangeError(`${name} must be a safe integer, got ${String(v)}`);
}

class Transaction implements Tx {
  state: 'active' | 'committed' | 'aborted' = 'active';
  lastLsn = 0;
  constructor(
    readonly id: number,
    private readonly store: PageStore,
  ) {}

  #active(): void {
    this.store.guard();
    if (this.state !== 'active') throw new TransactionStateError(this.id, this.state);
  }

  read(page: number, slot: number): number {
    this.#active();
    return this.store.read(page, slot);
  }

  write(page: number, slot: number, value: number): number {
    this.#active();
    checkValue('value', value);
    return this.add(page, slot, value - this.store.read(page, slot));
  }

  add(page: number, slot: number, delta: number): number {
    this.#active();
    checkValue('delta', delta);
    const now = this.store.read(page, slot);
    checkValue('the new value', now + delta);
    return this.store.update(this, page, slot, delta);
  }

  async commit(): Promise<number> {
    this.#active();
    this.state = 'committed';
    return this.store.commit(this);
  }

  async abort(): Promise<void> {
    this.#active();
    this.state = 'aborted';
    this.store.rollback(this);
  }
}

class PageStore implements Store {
  readonly slotsPerPage: number;
  readonly frames: Frame[] = [];
  /** Every record of the log, index lsn - 1 (a tiny store keeps its log in memory for undo). */
  readonly records: LogRecord[] = [];
  readonly active = new Map<number, Transaction>();
  #unflushed: Uint8Array[] = [];
  #durableLsn = 0;
  #logEnd = 0;
  #forcing: Promise<void> | undefined;
  #nextTx = 1;
  #closed = false;
  #failed: unknown;
  #stats: RecoveryStats = { logRecords: 0, redoStart: 1, redone: 0, skipped: 0, losers: 0, undone: 0 };

  constructor(
    readonly fs: StoreFs,
    readonly pageSize: number,
    readonly pages: number,
    private readonly logFd: number,
    private readonly pagesFd: number,
  ) {
    this.slotsPerPage = (pageSize - PAGE_HEADER) / SLOT;
  }

  get lastLsn(): number {
    return this.records.length;
  }

  get durableLsn(): number {
    return this.#durableLsn;
  }

  guard(): void {
    if (this.#closed) throw new StoreClosedError();
    if (this.#failed !== undefined) throw new StoreFailedError(this.#failed);
  }

  #check(page: number, slot?: number): void {
    checkInt('page', page, 0, this.pages - 1);
    if (slot !== undefined) checkInt('slot', slot, 0, this.slotsPerPage - 1);
  }

  begin(): Tx {
    this.guard();
    const tx = new Transaction(this.#nextTx++, this);
    this.active.set(tx.id, tx);
    return tx;
  }

  read(page: number, slot: number): number {
    this.guard();
    this.#check(page, slot);
    return this.frames[page]!.view.getFloat64(PAGE_HEADER + slot * SLOT, true);
  }

  pageLsn(page: number): number {
    this.guard();
    this.#check(page);
    return this.frames[page]!.lsn;
  }

  recoveryStats(): RecoveryStats {
    return { ...this.#stats };
  }

  // ------------------------------------------------------------------ the log

  /** Appends a record to the log buffer (not yet durable) and returns its LSN. */
  #append(rec: NewRecord): number {
    const lsn = this.records.length + 1;
    const full = { ...rec, lsn } as LogRecord;
    this.records.push(full);
    this.#unflushed.push(encodeRecord(full));
    return lsn;
  }

  /** Makes the log durable up to `upTo` (default: everything appended). One write and one fsync per batch. */
  async forceLog(upTo = this.records.length): Promise<void> {
    while (this.#durableLsn < upTo) {
      if (this.#failed !== undefined) throw new StoreFailedError(this.#failed);
      if (this.#forcing) {
        await this.#forcing.catch(() => undefined);
        continue;
      }
      this.#forcing = this.#writeLog();
      try {
        await this.#forcing;
      } finally {
        this.#forcing = undefined;
      }
    }
  }

  async #writeLog(): Promise<void> {
    const last = this.records.length;
    const batch = Buffer.concat(this.#unflushed);
    this.#unflushed = [];
    try {
      await writeFully(this.fs, this.logFd, batch, this.#logEnd);
      this.#logEnd += batch.length;
      await this.fs.fdatasync(this.logFd);
    } catch (err) {
      // A failed fsync may have dropped the data: the log can no longer promise anything.
      this.#failed = err;
      throw new StoreFailedError(err);
    }
    this.#durableLsn = last;
  }

  // ------------------------------------------------------------------ pages

  /** slot += delta on the buffered page; the page LSN becomes `lsn`. */
  #apply(page: number, slot: number, delta: number, lsn: number): void {
    const frame = this.frames[page]!;
    const at = PAGE_HEADER + slot * SLOT;
    frame.view.setFloat64(at, frame.view.getFloat64(at, true) + delta, true);
    frame.lsn = lsn;
    frame.view.setBigUint64(0, BigInt(lsn), true);
    if (!frame.dirty) {
      frame.dirty = true;
      frame.recLsn = lsn;
    }
  }

  update(tx: Transaction, page: number, slot: number, delta: number): number {
    this.#check(page, slot);
    const lsn = this.#append({ type: 'update', tx: tx.id, prev: tx.lastLsn, page, slot, delta });
    tx.lastLsn = lsn;
    this.#apply(page, slot, delta, lsn);
    return lsn;
  }

  /** Undoes one update of `owner`: a compensation record, then the inverse delta. */
  #compensate(owner: { id: number; lastLsn: number }, rec: UpdateRecord): void {
    const lsn = this.#append({ type: 'clr', tx: owner.id, prev: owner.lastLsn, page: rec.page, slot: rec.slot, delta: -rec.delta, undoNext: rec.prev });
    owner.lastLsn = lsn;
    this.#apply(rec.page, rec.slot, -rec.delta, lsn);
  }

  async commit(tx: Transaction): Promise<number> {
    const lsn = this.#append({ type: 'commit', tx: tx.id, prev: tx.lastLsn });
    tx.lastLsn = lsn;
    this.active.delete(tx.id);
    await this.forceLog(lsn); // durable before the caller hears "committed"
    return lsn;
  }

  rollback(tx: Transaction): void {
    let next = tx.lastLsn;
    while (next > 0) {
      const rec = this.records[next - 1]!;
      if (rec.type === 'update') {
        this.#compensate(tx, rec);
        next = rec.prev;
      } else if (rec.type === 'clr') {
        next = rec.undoNext;
      } else {
        next = 'prev' in rec ? rec.prev : 0;
      }
    }
    tx.lastLsn = this.#append({ type: 'end', tx: tx.id, prev: tx.lastLsn });
    this.active.delete(tx.id);
  }

  async flushPage(page: number): Promise<void> {
    this.guard();
    this.#check(page);
    const frame = this.frames[page]!;
    if (!frame.dirty) return;
    let lsn: number;
    for (;;) {
      lsn = frame.lsn;
      await this.forceLog(lsn); // WAL rule: the log up to the page LSN is durable first
      if (frame.lsn === lsn) break; // else it changed while we waited: force again
    }
    const image = frame.data.slice();
    await this.#writePages([[page, image]]);
    if (frame.lsn === lsn) frame.dirty = false;
  }

  /** Writes all dirty pages (log forced first), one fsync. */
  async flushAll(): Promise<void> {
    await this.forceLog();
    const batch: [number, Uint8Array, number][] = [];
    this.frames.forEach((f, i) => {
      if (f.dirty) batch.push([i, f.data.slice(), f.lsn]);
    });
    if (batch.length === 0) return;
    await this.#writePages(batch.map(([i, img]) => [i, img]));
    for (const [i, , lsn] of batch) if (this.frames[i]!.lsn === lsn) this.frames[i]!.dirty = false;
  }

  async #writePages(images: [number, Uint8Array][]): Promise<void> {
    try {
      for (const [page, image] of images) await writeFully(this.fs, this.pagesFd, image, page * this.pageSize);
      await this.fs.fdatasync(this.pagesFd); // the page is clean only once it is durable
    } catch (err) {
      this.#failed = err; // written but maybe not durable: the page can no longer be called clean
      throw new StoreFailedError(err);
    }
  }

  async checkpoint(): Promise<number> {
    this.guard();
    const lsn = this.records.length + 1; // this checkpoint's own LSN
    let redo = lsn;
    const dirty: [number, number][] = [];
    this.frames.forEach((frame, page) => {
      if (!frame.dirty) return;
      dirty.push([page, frame.recLsn]);
      redo = Math.min(redo, frame.recLsn);
    });
    const active: [number, number][] = [];
    for (const tx of this.active.values()) if (tx.lastLsn > 0) active.push([tx.id, tx.lastLsn]);
    this.#append({ type: 'checkpoint', redo, dirty, active });
    await this.forceLog(lsn);
    return lsn;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    if (this.#failed === undefined) {
      await this.flushAll();
      await this.checkpoint();
    }
    this.#closed = true;
    await this.fs.close(this.logFd);
    await this.fs.close(this.pagesFd);
  }

  // ------------------------------------------------------------------ recovery

  async recover(log: Uint8Array, pages: Uint8Array): Promise<void> {
    for (let i = 0; i < this.pages; i++) {
      const data = new Uint8Array(this.pageSize);
      const from = i * this.pageSize;
      if (from < pages.length) data.set(pages.subarray(from, Math.min(pages.length, from + this.pageSize)));
      const view = new DataView(data.buffer);
      this.frames.push({ data, view, lsn: Number(view.getBigUint64(0, true)), dirty: false, recLsn: 0 });
    }

    // The log: whole records up to the first torn one; the torn tail is cut off durably so that
    // new records never sit behind garbage.
    const { records, end } = scanLog(log);
    if (end < log.length) {
      await this.fs.ftruncate(this.logFd, end);
      await this.fs.fdatasync(this.logFd);
    }
    this.records.push(...records);
    this.#logEnd = end;
    this.#durableLsn = records.length;
    const stats: RecoveryStats = { logRecords: records.length, redoStart: 1, redone: 0, skipped: 0, losers: 0, undone: 0 };
    for (const r of records) if (r.type !== 'checkpoint') this.#nextTx = Math.max(this.#nextTx, r.tx + 1);

    // Analysis: from the last checkpoint forward, who is still running and which pages are dirty.
    let ck: Extract<LogRecord, { type: 'checkpoint' }> | undefined;
    for (let i = records.length - 1; i >= 0 && !ck; i--) if (records[i]!.type === 'checkpoint') ck = records[i] as typeof ck;
    const losers = new Map<number, number>(ck?.active ?? []); // tx -> lastLsn
    const dirty = new Map<number, number>(ck?.dirty ?? []); // page -> recLsn
    for (let lsn = ck ? ck.lsn + 1 : 1; lsn <= records.length; lsn++) {
      const r = records[lsn - 1]!;
      if (r.type === 'checkpoint') continue;
      losers.set(r.tx, lsn);
      if (r.type === 'commit' || r.type === 'end') losers.delete(r.tx);
      if ((r.type === 'update' || r.type === 'clr') && !dirty.has(r.page)) dirty.set(r.page, lsn);
    }

    // Redo: repeat history, losers included, wherever the page does not have the record yet.
    stats.redoStart = ck ? ck.redo : 1;
    for (let lsn = stats.redoStart; lsn <= records.length; lsn++) {
      const r = records[lsn - 1]!;
      if (r.type !== 'update' && r.type !== 'clr') continue;
      const recLsn = dirty.get(r.page);
      if (recLsn === undefined || lsn < recLsn || this.frames[r.page]!.lsn >= lsn) {
        stats.skipped++; // clean at the checkpoint, or the page on disk already has it
        continue;
      }
      this.#apply(r.page, r.slot, r.delta, lsn);
      stats.redone++;
    }

    // Undo: roll the losers back, newest record first, one CLR per undone update. A CLR's undoNext
    // skips what an earlier (crashed) recovery already compensated.
    stats.losers = losers.size;
    const owners = new Map([...losers].map(([tx, last]) => [tx, { id: tx, lastLsn: last, next: last }]));
    while (owners.size > 0) {
      let owner = undefined as { id: number; lastLsn: number; next: number } | undefined;
      for (const o of owners.values()) if (!owner || o.next > owner.next) owner = o;
      const o = owner!;
      if (o.next === 0) {
        o.lastLsn = this.#append({ type: 'end', tx: o.id, prev: o.lastLsn });
        owners.delete(o.id);
        continue;
      }
      const r = records[o.next - 1]!;
      if (r.type === 'update') {
        this.#compensate(o, r);
        stats.undone++;
        o.next = r.prev;
      } else if (r.type === 'clr') {
        o.next = r.undoNext;
      } else {
        o.next = r.type === 'checkpoint' ? 0 : r.prev;
      }
    }
    this.#stats = stats;

    // Leave a clean store: log forced, pages written, a checkpoint that bounds the next redo.
    await this.flushAll();
    await this.checkpoint();
  }
}

/**
 * Opens (creating if needed) the store in `dir` and recovers it: analysis, redo, undo. Resolves
 * once recovery is done and durable.
 */
export async function openStore(dir: string, options: StoreOptions = {}): Promise<Store> {
  if (typeof dir !== 'string' || dir.length === 0) throw new TypeError('dir must be a non-empty path');
  const pageSize = options.pageSize ?? 512;
  const pages = options.pages ?? 8;
  checkInt('pageSize', pageSize, 16, 65536);
  if (pageSize % 8 !== 0) throw new RangeError(`pageSize must be a multiple of 8, got ${pageSize}`);
  checkInt('pages', pages, 1, 65536);
  const fs = options.fs ?? nodeFs;

  if (!(await fs.exists(dir))) {
    await fs.mkdir(dir, { recursive: true });
    await fs.fsyncDir(path.dirname(dir)); // the new directory's entry in its parent
  }
  const logPath = path.join(dir, 'log');
  const pagesPath = path.join(dir, 'pages');
  const names = await fs.readdir(dir);
  let created = false;
  for (const [name, file] of [['log', logPath], ['pages', pagesPath]] as const) {
    if (names.includes(name)) continue;
    await fs.close(await fs.open(file, 'wx'));
    created = true;
  }
  if (created) await fs.fsyncDir(dir); // new files exist after a crash only once their directory is synced

  const logFd = await fs.open(logPath, 'r+');
  const pagesFd = await fs.open(pagesPath, 'r+');
  const store = new PageStore(fs, pageSize, pages, logFd, pagesFd);
  await store.recover(await readWhole(fs, logFd), await readWhole(fs, pagesFd));
  return store;
}
