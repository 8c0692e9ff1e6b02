/**
 * The dictionary as a Bitcask-style log: one append-only file of checksummed records and an
 * in-memory keydir from each word to where its newest record is.
 *
 * Opening scans the log once to build the keydir (word → offset and size; no meanings are held).
 * A lookup is one hash lookup and one positioned read of one record, whose checksum is checked
 * again. A put or delete appends a record and fdatasyncs before it resolves; only then does the
 * keydir change. compact() rewrites the live records into a new file and switches to it with an
 * atomic rename.
 */
import path from 'node:path';
import { nodeFs, type StoreFs } from '../../katas/store-fs.ts';
import { DictionaryClosedError, DictionaryCorruptionError } from './errors.ts';
import { KIND_DELETE, encodeLogRecord, readLogRecord } from './format.ts';
import { Serial, checkEntry, ensureDir, readAt, writeAll } from './fsutil.ts';
import type { DictionaryOptions } from './csv-dictionary.ts';

/** The log file in the dictionary's directory. */
export const LOG_FILE = 'words.log';
/** Where compact() writes the new log before the switch. */
export const COMPACT_FILE = 'words.log.compact';
/** compact() writes its output in pieces of about this size. */
const WRITE_CHUNK = 64 * 1024;

/** Where a word's newest record is. */
interface Location {
  offset: number;
  size: number;
}

export class LogDictionary {
  private keydir = new Map<string, Location>();
  private fd = -1;
  /** The log's length: where the next record goes. */
  private end = 0;
  private readonly serial = new Serial();
  private closed: string | undefined;

  private constructor(
    private readonly fs: StoreFs,
    /** The dictionary's directory. */
    readonly dir: string,
  ) {}

  private get logPath(): string {
    return path.posix.join(this.dir, LOG_FILE);
  }

  /**
   * Opens (creating if needed) the dictionary in directory `dir`: scans the log into the keydir.
   * A torn last record (a crash mid-append) is cut off. Damage with whole records after it is
   * bit rot, not a crash: DictionaryCorruptionError.
   */
  static async open(dir: string, opts: DictionaryOptions = {}): Promise<LogDictionary> {
    const fs = opts.fs ?? nodeFs;
    const dict = new LogDictionary(fs, dir);
    await dict.recover();
    return dict;
  }

  private async recover(): Promise<void> {
    const { fs, dir } = this;
    await ensureDir(fs, dir);
    // A compaction that did not reach its rename: the old log is still the log.
    const leftover = path.posix.join(dir, COMPACT_FILE);
    if (await fs.exists(leftover)) {
      await fs.unlink(leftover);
      await fs.fsyncDir(dir);
    }
    const file = this.logPath;
    if (!(await fs.exists(file))) {
      this.fd = await fs.open(file, 'a+');
      await fs.fsyncDir(dir); // the log's name is durable before any put lands in it
      return;
    }
    const data = new Uint8Array(await fs.readFile(file));
    this.end = this.scan(data);
    this.fd = await fs.open(file, 'a+');
    if (this.end < data.length) {
      // The torn tail of a crash: cut it off, durably, before anything is appended after it.
      await fs.ftruncate(this.fd, this.end);
      await fs.fsync(this.fd);
    }
  }

  /** Builds the keydir from the log; returns where its whole records end. */
  private scan(data: Uint8Array): number {
    let p = 0;
    while (p < data.length) {
      const rec = readLogRecord(data, p);
      if (typeof rec === 'string') {
        // Damage at p. If no whole record follows, this is the last write, torn by a crash.
        if (nextRecord(data, p + 1) === -1) return p;
        throw new DictionaryCorruptionError(this.logPath, p, `${rec}, and whole records follow it (not a torn write)`);
      }
      if (rec.kind === KIND_DELETE) this.keydir.delete(rec.word);
      else this.keydir.set(rec.word, { offset: p, size: rec.size });
      p += rec.size;
    }
    return p;
  }

  /** Number of words. */
  get size(): number {
    return this.keydir.size;
  }

  /** The meaning of `word`, or undefined: one keydir lookup, one read, checksum checked. */
  get(word: string): Promise<string | undefined> {
    checkEntry('LogDictionary.get', word);
    return this.serial.run(async () => {
      this.checkOpen();
      const loc = this.keydir.get(word);
      if (!loc) return undefined;
      const bytes = await readAt(this.fs, this.fd, loc.offset, loc.size);
      const rec = readLogRecord(bytes, 0);
      if (typeof rec === 'string') throw new DictionaryCorruptionError(this.logPath, loc.offset, rec);
      if (rec.size !== loc.size || rec.word !== word || rec.kind === KIND_DELETE) {
        throw new DictionaryCorruptionError(this.logPath, loc.offset, `the keydir points at another record (${rec.kind === KIND_DELETE ? 'a delete' : 'a put'} of ${JSON.stringify(rec.word)})`);
      }
      return rec.meaning;
    });
  }

  /** Sets the meaning of `word`: appends a record, syncs it, then updates the keydir. */
  put(word: string, meaning: string): Promise<void> {
    checkEntry('LogDictionary.put', word, meaning ?? null);
    return this.putMany([[word, meaning]]);
  }

  /**
   * Sets many meanings with one write and one fdatasync (a bulk import). Later pairs win over
   * earlier ones for the same word.
   */
  putMany(entries: Iterable<readonly [string, string]>): Promise<void> {
    const records: Array<[string, Uint8Array]> = [];
    for (const [word, meaning] of entries) {
      checkEntry('LogDictionary.putMany', word, meaning ?? null);
      records.push([word, encodeLogRecord(word, meaning)]);
    }
    return this.serial.run(() => this.append(records));
  }

  /** Removes `word`: appends a tombstone when it was there. Resolves to whether it was. */
  delete(word: string): Promise<boolean> {
    checkEntry('LogDictionary.delete', word);
    return this.serial.run(async () => {
      this.checkOpen();
      if (!this.keydir.has(word)) return false;
      await this.append([[word, encodeLogRecord(word, null)]]);
      return true;
    });
  }

  /** Appends records (one write, one fdatasync), then points the keydir at them. */
  private async append(records: Array<[string, Uint8Array]>): Promise<void> {
    this.checkOpen();
    if (records.length === 0) return;
    const bytes = records.length === 1 ? records[0]![1] : Buffer.concat(records.map(([, r]) => r));
    try {
      await writeAll(this.fs, this.fd, bytes);
      await this.fs.fdatasync(this.fd);
    } catch (err) {
      // The log may now end in part of a record, and a failed fsync may have dropped data that
      // a later fsync would not bring back: stop; reopening recovers what is on disk.
      this.closed = `a write failed: ${err instanceof Error ? err.message : String(err)}`;
      throw err;
    }
    let offset = this.end;
    for (const [word, record] of records) {
      if (record[8] === KIND_DELETE) this.keydir.delete(word);
      else this.keydir.set(word, { offset, size: record.length }); // the newest record wins
      offset += record.length;
    }
    this.end = offset;
  }

  /** Every word, sorted by UTF-16 code unit (JavaScript's default sort). */
  async words(): Promise<string[]> {
    this.checkOpen();
    return [...this.keydir.keys()].sort();
  }

  /** The log's size in bytes. */
  get fileSize(): number {
    return this.end;
  }

  /**
   * Rewrites the log with only the newest record of each live word, dropping overwritten
   * records and tombstones. Crash-safe: the new log is written and fsynced under COMPACT_FILE,
   * renamed over the log, and the directory fsynced; a crash at any point leaves the old log or
   * the new one, both complete.
   */
  compact(): Promise<void> {
    return this.serial.run(async () => {
      this.checkOpen();
      const { fs, dir } = this;
      const tmp = path.posix.join(dir, COMPACT_FILE);
      const live = [...this.keydir].sort((a, b) => a[1].offset - b[1].offset); // sequential reads
      const next = new Map<string, Location>();
      const fd = await fs.open(tmp, 'w');
      let size = 0;
      try {
        let batch: Uint8Array[] = [];
        let batched = 0;
        for (const [word, loc] of live) {
          const bytes = await readAt(fs, this.fd, loc.offset, loc.size);
          const rec = readLogRecord(bytes, 0);
          if (typeof rec === 'string' || rec.word !== word) throw new DictionaryCorruptionError(this.logPath, loc.offset, typeof rec === 'string' ? rec : 'the keydir points at another record');
          next.set(word, { offset: size, size: bytes.length });
          size += bytes.length;
          batch.push(bytes);
          batched += bytes.length;
          if (batched >= WRITE_CHUNK) {
            await writeAll(fs, fd, Buffer.concat(batch, batched));
            batch = [];
            batched = 0;
          }
        }
        if (batched > 0) await writeAll(fs, fd, Buffer.concat(batch, batched));
        await fs.fsync(fd); // the new log is complete on disk before its name replaces the old one
      } finally {
        await fs.close(fd);
      }
      await fs.rename(tmp, this.logPath);
      await fs.fsyncDir(dir); // the switch
      await fs.close(this.fd);
      this.fd = -1;
      try {
        this.fd = await fs.open(this.logPath, 'a+');
      } catch (err) {
        this.closed = `reopening the compacted log failed: ${err instanceof Error ? err.message : String(err)}`;
        throw err;
      }
      this.keydir = next;
      this.end = size;
    });
  }

  /** Closes the log. Later calls throw DictionaryClosedError. */
  close(): Promise<void> {
    return this.serial.run(async () => {
      if (this.fd >= 0) {
        const fd = this.fd;
        this.fd = -1;
        await this.fs.close(fd);
      }
      this.closed ??= 'close() was called';
    });
  }

  private checkOpen(): void {
    if (this.closed !== undefined) throw new DictionaryClosedError(this.closed);
  }
}

/** The first offset >= from where a whole, valid record starts, or -1. */
function nextRecord(data: Uint8Array, from: number): number {
  for (let q = from; q + 8 <= data.length; q++) if (typeof readLogRecord(data, q) !== 'string') return q;
  return -1;
}
