/**
 * The LOCK file: one writer per directory. It holds the owner's pid as text ("1234\n").
 *
 * Taking it: create LOCK exclusively ('wx'). If it exists, read the pid in it (exactly "<pid>\n"):
 *   - a live process other than this one: the directory is in use, BitcaskLockedError;
 *   - this process, with a store open on it through the same fs: also in use;
 *   - a pid that is not alive, garbage, or this process without a store open on it (a store that
 *     died without close(), e.g. in a simulated power cut): stale. Remove it and take it over.
 *
 * "This process holds it" is tracked per fs object, because a simulated disk hands out a new fs
 * after each simulated power cut: a store on the old one is as dead as a killed process.
 */
import path from 'node:path';
import type { StoreFs } from '../../katas/store-fs.ts';
import { BitcaskLockedError } from './errors.ts';

export const LOCK_FILE = 'LOCK';

const held = new WeakMap<StoreFs, Set<string>>();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else. ESRCH: no such process.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function create(fs: StoreFs, file: string): Promise<boolean> {
  let fd: number;
  try {
    fd = await fs.open(file, 'wx');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    const text = Buffer.from(`${process.pid}\n`);
    for (let done = 0; done < text.length; ) done += await fs.write(fd, text, done, text.length - done, null);
  } finally {
    await fs.close(fd);
  }
  return true;
}

/** Takes the directory's lock or throws BitcaskLockedError. */
export async function acquireLock(fs: StoreFs, dir: string): Promise<void> {
  const mine = held.get(fs) ?? new Set<string>();
  if (mine.has(dir)) throw new BitcaskLockedError(dir, process.pid);
  const file = path.posix.join(dir, LOCK_FILE);
  if (!(await create(fs, file))) {
    let owner = Number.NaN;
    try {
      // Exactly "<pid>\n": a LOCK torn by a crash ("12" of "1234\n", zeros, garbage) names nobody.
      const m = /^([1-9]\d{0,9})\n$/.exec((await fs.readFile(file)).toString('latin1'));
      if (m) owner = Number(m[1]);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (Number.isInteger(owner) && owner !== process.pid && alive(owner)) throw new BitcaskLockedError(dir, owner);
    // Stale. Two processes taking over the same stale lock at once can both win here; a real
    // store uses flock/fcntl locks, which the kernel drops when the owner dies (README).
    await fs.unlink(file).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
    if (!(await create(fs, file))) throw new BitcaskLockedError(dir, Number.NaN);
  }
  mine.add(dir);
  held.set(fs, mine);
}

/** Gives the lock back (close, or an open that failed after taking it). */
export async function releaseLock(fs: StoreFs, dir: string): Promise<void> {
  held.get(fs)?.delete(dir);
  await fs.unlink(path.posix.join(dir, LOCK_FILE)).catch(() => undefined);
}
