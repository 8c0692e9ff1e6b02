/**
 * Replacing a file so that a crash leaves the old content or the new, never a mix: write a temp
 * file beside it, fsync it, rename it over the target, fsync the directory. Plus the naive write
 * it replaces (kept to show what goes wrong), a checked file format that tells a whole file from a
 * partial or damaged one, and cleanup of the temp files a crashed writer leaves behind.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { threadId } from 'node:worker_threads';
import { nodeFs, type StoreFs } from '../../katas/store-fs.ts';
import { decodeChecked, describe } from './format.ts';

export { ChecksumError, FormatError, HEADER_SIZE, MAGIC, PartialFileError, decodeChecked, encodeChecked } from './format.ts';

export interface WriteOptions {
  /** The file system (default: the real disk, `nodeFs`). */
  fs?: StoreFs;
  /**
   * fsync the directory after the rename (default true). Without it the rename is not durable:
   * after a power cut the name may still point at the old file, although the write resolved.
   */
  fsyncDir?: boolean;
}

export interface ReadOptions {
  fs?: StoreFs;
}

/** The step of an atomic write that failed. */
export type WriteStep = 'open' | 'write' | 'fsync' | 'close' | 'rename' | 'fsyncDir';

/** An atomic write failed. The file system's error is `cause`. */
export class AtomicWriteError extends Error {
  readonly code = 'ATOMIC_WRITE_FAILED';
  constructor(
    /** The target file. */
    readonly path: string,
    readonly step: WriteStep,
    /**
     * True when the rename had happened (only a failed fsyncDir): the new content is visible but
     * may not survive a power cut. False: the target still holds its old content.
     */
    readonly replaced: boolean,
    cause: unknown,
  ) {
    const what = (cause as { code?: string })?.code ?? (cause instanceof Error ? cause.message : String(cause));
    super(
      `atomic write of ${path} failed at ${step} (${what}): ` +
        (replaced
          ? 'the new content is in place but its directory entry may not survive a power cut. Do not report the write as durable.'
          : 'the file still has its old content and the temp file was removed.'),
      { cause },
    );
    this.name = 'AtomicWriteError';
  }
}

// ---------------------------------------------------------------------------------------------
// Temp names
//
//   .<name>.<pid>-<threadId>.<unique>.tmp    in the target's directory
//
// Same directory: rename is atomic only within one file system. A dot in front: directory
// listings and globs skip it. The pid and thread say whose it is: a temp whose writer is gone is
// stale and may be removed; one that belongs to a live writer (another process, another thread,
// or a write in flight here) must not be, or that writer's rename fails. The unique part keeps
// concurrent writers in one thread apart.
// ---------------------------------------------------------------------------------------------

/** Temp files of writes in flight in this thread. */
const inFlight = new Set<string>();
let counter = 0;

function tempName(dir: string, base: string): string {
  const unique = `${(counter++).toString(36)}${randomBytes(4).toString('hex')}`;
  return path.join(dir, `.${base}.${process.pid}-${threadId}.${unique}.tmp`);
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** True unless `pid` is certainly gone. */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0); // signal 0: no signal, only the existence and permission check
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

/**
 * Removes the temp files that earlier writes of `target` left behind: those of dead processes and
 * those of this thread that no write in flight owns. Leaves live writers' temps and every other
 * file alone. Returns the paths removed. A missing directory is not an error.
 */
export async function removeStaleTemps(target: string, opts: ReadOptions = {}): Promise<string[]> {
  checkPath(target, 'removeStaleTemps');
  const fs = opts.fs ?? nodeFs;
  const dir = path.dirname(target);
  const re = new RegExp(`^\\.${escapeRe(path.basename(target))}\\.(\\d+)-(\\d+)\\.[0-9a-z]+\\.tmp$`);
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const removed: string[] = [];
  for (const name of names) {
    const m = re.exec(name);
    if (!m) continue;
    const full = path.join(dir, name);
    const pid = Number(m[1]);
    const mine = pid === process.pid && Number(m[2]) === threadId;
    const stale = mine ? !inFlight.has(full) : pid !== process.pid && !processAlive(pid);
    if (!stale) continue;
    try {
      await fs.unlink(full);
      removed.push(full);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err; // someone else cleaned it
    }
  }
  return removed;
}

// ---------------------------------------------------------------------------------------------
// Writes
// ---------------------------------------------------------------------------------------------

function checkPath(p: unknown, fn: string): asserts p is string {
  if (typeof p !== 'string' || p === '') throw new TypeError(`${fn}: path must be a non-empty string, got ${describe(p)}`);
  if (p.endsWith('/') || p.endsWith(path.sep)) throw new TypeError(`${fn}: path must name a file, not a directory: ${p}`);
}

function toBytes(data: unknown, fn: string): Uint8Array {
  if (typeof data === 'string') return new TextEncoder().encode(data);
  if (data instanceof Uint8Array) return data;
  throw new TypeError(`${fn}: data must be a Uint8Array or a string, got ${describe(data)}`);
}

/** write() may write fewer bytes than asked (disk full, a signal): loop until all are written. */
async function writeAll(fs: StoreFs, fd: number, bytes: Uint8Array): Promise<void> {
  let done = 0;
  while (done < bytes.length) {
    const n = await fs.write(fd, bytes, done, bytes.length - done, done);
    if (n <= 0) throw Object.assign(new Error(`write made no progress at byte ${done} of ${bytes.length}`), { code: 'EIO' });
    done += n;
  }
}

/**
 * Replaces `target` with `data` atomically and durably: after a crash at any moment the file holds
 * its old content or the new, and once the promise resolves, the new content survives a power cut.
 * Rejects with AtomicWriteError (the target untouched, the temp removed) when a step fails.
 */
export async function writeFileAtomic(target: string, data: Uint8Array | string, opts: WriteOptions = {}): Promise<void> {
  checkPath(target, 'writeFileAtomic');
  const bytes = toBytes(data, 'writeFileAtomic');
  const fs = opts.fs ?? nodeFs;
  const syncDir = opts.fsyncDir ?? true;
  const dir = path.dirname(target);

  // Best effort: a cleanup that fails must not stop the write (the next one tries again).
  await removeStaleTemps(target, { fs }).catch(() => undefined);

  const tmp = tempName(dir, path.basename(target));
  inFlight.add(tmp);
  let step: WriteStep = 'open';
  let fd: number | undefined;
  let created = false;
  let renamed = false;
  try {
    // 'wx': never share a temp file with anyone; a collision fails instead of interleaving.
    fd = await fs.open(tmp, 'wx');
    created = true;
    step = 'write';
    await writeAll(fs, fd, bytes);
    step = 'fsync';
    await fs.fsync(fd); // the bytes are durable before any name points at them
    step = 'close';
    const closing = fd;
    fd = undefined;
    await fs.close(closing);
    step = 'rename';
    await fs.rename(tmp, target); // atomic: any reader sees the old inode or the new one
    renamed = true;
    step = 'fsyncDir';
    if (syncDir) await fs.fsyncDir(dir); // the rename itself is a directory change: make it durable
  } catch (err) {
    if (fd !== undefined) await fs.close(fd).catch(() => undefined);
    if (created && !renamed) await fs.unlink(tmp).catch(() => undefined);
    throw new AtomicWriteError(target, step, renamed, err);
  } finally {
    inFlight.delete(tmp);
  }
}

/**
 * The write most programs do: open with truncation, write, close. No temp file, no fsync. A crash
 * in the middle leaves an empty or partial file, and a power cut even after it resolved can too.
 * Kept to be shown broken. File system errors are passed through as they are.
 */
export async function writeFileNaive(target: string, data: Uint8Array | string, opts: { fs?: StoreFs } = {}): Promise<void> {
  checkPath(target, 'writeFileNaive');
  const bytes = toBytes(data, 'writeFileNaive');
  const fs = opts.fs ?? nodeFs;
  const fd = await fs.open(target, 'w'); // the old content is gone from here on
  try {
    await writeAll(fs, fd, bytes);
  } finally {
    await fs.close(fd);
  }
}

/**
 * The payload of the checked file at `target` (written as `encodeChecked(payload)`). Throws
 * PartialFileError, ChecksumError or FormatError naming the file; file system errors (ENOENT ...)
 * as they are.
 */
export async function readFileChecked(target: string, opts: ReadOptions = {}): Promise<Uint8Array> {
  checkPath(target, 'readFileChecked');
  const fs = opts.fs ?? nodeFs;
  return decodeChecked(await fs.readFile(target), target);
}
