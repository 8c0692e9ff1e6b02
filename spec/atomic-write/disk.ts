/**
 * The file systems the child workloads write through: `diskFs`, the real disk (the same calls as
 * the workbook's nodeFs, kept here so a child process does not load the simulated disk it never
 * uses: every child is a fresh Node start, and its start-up time is what the SIGKILL tests cost),
 * and `pieces`, which cuts every write short so a write loop makes many calls to be killed between.
 */
import fs from 'node:fs';
import type { StoreFs } from '#support/simfs/index';

function call<T>(fn: (cb: (err: NodeJS.ErrnoException | null, value: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value))));
}
const done = (cb: (err: NodeJS.ErrnoException | null, v: undefined) => void) => (err: NodeJS.ErrnoException | null) => cb(err ?? null, undefined);

/** The real disk, through `node:fs`. */
export const diskFs: StoreFs = {
  open: (p, flags) => call((cb) => fs.open(p, flags, 0o666, cb)),
  read: (fd, buffer, offset, length, position) => call((cb) => fs.read(fd, buffer, offset, length, position, cb)),
  write: (fd, buffer, offset = 0, length = buffer.byteLength - offset, position = null) => call((cb) => fs.write(fd, buffer, offset, length, position, cb)),
  fsync: (fd) => call<undefined>((cb) => fs.fsync(fd, done(cb))),
  fdatasync: (fd) => call<undefined>((cb) => fs.fdatasync(fd, done(cb))),
  ftruncate: (fd, length) => call<undefined>((cb) => fs.ftruncate(fd, length, done(cb))),
  fstat: (fd) => call((cb) => fs.fstat(fd, cb)),
  close: (fd) => call<undefined>((cb) => fs.close(fd, done(cb))),
  stat: (p) => fs.promises.stat(p),
  exists: (p) =>
    fs.promises.stat(p).then(
      () => true,
      (err: NodeJS.ErrnoException) => (err.code === 'ENOENT' || err.code === 'ENOTDIR' ? false : Promise.reject(err)),
    ),
  rename: (a, b) => fs.promises.rename(a, b),
  unlink: (p) => fs.promises.unlink(p),
  mkdir: async (p, options) => {
    await fs.promises.mkdir(p, { recursive: options?.recursive ?? false });
  },
  readdir: async (p) => (await fs.promises.readdir(p)).sort(),
  fsyncDir: async (p) => {
    const fd = await call<number>((cb) => fs.open(p, 'r', cb));
    try {
      await call<undefined>((cb) => fs.fsync(fd, done(cb)));
    } finally {
      await call<undefined>((cb) => fs.close(fd, done(cb)));
    }
  },
  readFile: (p) => fs.promises.readFile(p),
  writeFile: (p, data) => fs.promises.writeFile(p, data),
};

/**
 * `fs` with every write cut to at most `max` bytes (a short write, as StoreFs allows), so a write
 * loop makes several calls and a crash can fall between them. `onCall` sees the calls that move a
 * write forward (write, fsync, fdatasync, rename, fsyncDir) after each completed.
 */
export function pieces(fs: StoreFs, max: number, onCall?: (op: string) => void | Promise<void>): StoreFs {
  const note = async (op: string) => {
    if (onCall) await onCall(op);
  };
  return {
    ...fs,
    write: async (fd, buffer, offset = 0, length = buffer.byteLength - offset, position) => {
      const n = await fs.write(fd, buffer, offset, Math.min(length, max), position);
      await note('write');
      return n;
    },
    fsync: async (fd) => {
      await fs.fsync(fd);
      await note('fsync');
    },
    fdatasync: async (fd) => {
      await fs.fdatasync(fd);
      await note('fdatasync');
    },
    rename: async (a, b) => {
      await fs.rename(a, b);
      await note('rename');
    },
    fsyncDir: async (p) => {
      await fs.fsyncDir(p);
      await note('fsyncDir');
    },
  };
}
