/**
 * The file system a storage kata talks to.
 *
 * Every storage kata (atomic write, WAL, durable log, Bitcask, LSM tree) takes an `fs` option of
 * this type and defaults to `nodeFs`, the real disk. The specs pass a simulated disk instead, one
 * that can lose power, tear a write or fail an fsync, and then check that nothing you acknowledged
 * was lost. So use only this interface for file access in a store, never `node:fs` directly.
 *
 * The rules are the POSIX/Linux ones, and the simulated disk enforces them strictly:
 *
 * - `write` puts bytes in the page cache, not on the disk. They survive a crashed process but not a
 *   power cut. Only `fsync` / `fdatasync` on that file makes them durable.
 * - `write` may write fewer bytes than asked (disk full). It returns the count: loop until done.
 * - Creating, renaming or unlinking a file changes its directory. That change is durable only after
 *   `fsyncDir` on the directory (for a rename: the directory the file is moved into).
 * - A failed `fsync` may have dropped the unwritten data. A later `fsync` that succeeds does not
 *   bring it back: treat the failure as final.
 * - Errors are Node's: test `err.code` (`'ENOENT'`, `'EEXIST'`, `'ENOSPC'`, `'EIO'`, ...).
 *
 * File descriptors are plain numbers, like `node:fs`. Paths are strings; the simulated disk uses
 * absolute POSIX paths, the real one anything `node:fs` accepts.
 */
import fs from 'node:fs';

/** Open modes, as in `node:fs`: r, r+, w (create/truncate), wx (create, fail if it exists), a (append) ... */
export type OpenFlags = 'r' | 'r+' | 'w' | 'w+' | 'wx' | 'wx+' | 'a' | 'a+' | 'ax' | 'ax+';

/** What `stat` and `fstat` report. `node:fs`'s Stats fits this shape. */
export interface FileStat {
  readonly size: number;
  isFile(): boolean;
  isDirectory(): boolean;
}

export interface StoreFs {
  /** Opens (and with w/a flags creates) a file; returns its descriptor. */
  open(path: string, flags: OpenFlags): Promise<number>;
  /**
   * Reads up to `length` bytes into `buffer[offset...]` from `position` (null: the descriptor's
   * current position, which then advances). Returns the count; 0 at end of file. May return fewer.
   */
  read(fd: number, buffer: Uint8Array, offset: number, length: number, position: number | null): Promise<number>;
  /**
   * Writes `buffer[offset ... offset+length)` at `position` (null or omitted: the current position,
   * which then advances). In append mode ('a') every write goes to the end, whatever `position`
   * says (as on Linux). Returns the count written, which may be short: loop.
   */
  write(fd: number, buffer: Uint8Array, offset?: number, length?: number, position?: number | null): Promise<number>;
  /** Makes the file's written data (and size) durable. */
  fsync(fd: number): Promise<void>;
  /** Like fsync but may skip metadata the data does not need (timestamps). Same durability for data. */
  fdatasync(fd: number): Promise<void>;
  /** Cuts or extends (with zeros) the file to `length` bytes. Durable after fsync. */
  ftruncate(fd: number, length: number): Promise<void>;
  fstat(fd: number): Promise<FileStat>;
  close(fd: number): Promise<void>;

  /** Fails with ENOENT when nothing is there. */
  stat(path: string): Promise<FileStat>;
  /** True when a file or directory is there. */
  exists(path: string): Promise<boolean>;
  /** Atomically replaces `to` (if it exists) by `from`. Durable after fsyncDir of `to`'s directory. */
  rename(from: string, to: string): Promise<void>;
  /** Removes a file (not a directory). Durable after fsyncDir of its directory. */
  unlink(path: string): Promise<void>;
  /** Creates a directory (with `recursive`, also its parents, and no error if it exists). */
  mkdir(path: string, options?: { recursive?: boolean }): Promise<void>;
  /** Names in a directory, sorted (the real order is the file system's, so it is sorted here). */
  readdir(path: string): Promise<string[]>;
  /** Makes the directory's entries (files created, renamed or unlinked in it) durable. */
  fsyncDir(path: string): Promise<void>;

  /** The whole file. A convenience: open, read, close. */
  readFile(path: string): Promise<Buffer>;
  /** Creates or replaces the file's content. A convenience: open 'w', write, close. No fsync! */
  writeFile(path: string, data: Uint8Array | string): Promise<void>;
}

function call<T>(fn: (cb: (err: NodeJS.ErrnoException | null, value: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value))));
}

/** The real disk, through `node:fs`. Errors are `node:fs`'s own. */
export const nodeFs: StoreFs = {
  open: (path, flags) => call((cb) => fs.open(path, flags, 0o666, cb)),
  read: (fd, buffer, offset, length, position) => call((cb) => fs.read(fd, buffer, offset, length, position, cb)),
  write: (fd, buffer, offset = 0, length = buffer.byteLength - offset, position = null) =>
    call((cb) => fs.write(fd, buffer, offset, length, position, cb)),
  fsync: (fd) => call<void>((cb) => fs.fsync(fd, (err) => cb(err, undefined))),
  fdatasync: (fd) => call<void>((cb) => fs.fdatasync(fd, (err) => cb(err, undefined))),
  ftruncate: (fd, length) => call<void>((cb) => fs.ftruncate(fd, length, (err) => cb(err, undefined))),
  fstat: (fd) => call((cb) => fs.fstat(fd, cb)),
  close: (fd) => call<void>((cb) => fs.close(fd, (err) => cb(err ?? null, undefined))),
  stat: (path) => fs.promises.stat(path),
  exists: async (path) => {
    try {
      await fs.promises.stat(path);
      return true;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return false;
      throw err;
    }
  },
  rename: (from, to) => fs.promises.rename(from, to),
  unlink: (path) => fs.promises.unlink(path),
  mkdir: async (path, options) => {
    await fs.promises.mkdir(path, { recursive: options?.recursive ?? false });
  },
  readdir: async (path) => (await fs.promises.readdir(path)).sort(),
  fsyncDir: async (path) => {
    // Windows cannot open a directory for fsync (and its file systems need no directory sync).
    if (process.platform === 'win32') return;
    const fd = await call<number>((cb) => fs.open(path, 'r', cb));
    try {
      await call<void>((cb) => fs.fsync(fd, (err) => cb(err, undefined)));
    } finally {
      await call<void>((cb) => fs.close(fd, (err) => cb(err ?? null, undefined)));
    }
  },
  readFile: (path) => fs.promises.readFile(path),
  writeFile: (path, data) => fs.promises.writeFile(path, data),
};
