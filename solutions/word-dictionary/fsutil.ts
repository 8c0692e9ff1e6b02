/** File helpers shared by both dictionaries: full writes, durable directories, atomic replace. */
import path from 'node:path';
import type { StoreFs } from '../../katas/store-fs.ts';

/** Writes all of `bytes` at the descriptor's position (short writes happen: loop). */
export async function writeAll(fs: StoreFs, fd: number, bytes: Uint8Array): Promise<void> {
  for (let done = 0; done < bytes.length; ) {
    const n = await fs.write(fd, bytes, done, bytes.length - done, null);
    if (n <= 0) throw new Error('word-dictionary: a write made no progress');
    done += n;
  }
}

/** Reads exactly `length` bytes at `position`; fewer only when the file ends first. */
export async function readAt(fs: StoreFs, fd: number, position: number, length: number): Promise<Uint8Array> {
  const buf = new Uint8Array(length);
  let got = 0;
  while (got < length) {
    const n = await fs.read(fd, buf, got, length - got, position + got);
    if (n === 0) break;
    got += n;
  }
  return got === length ? buf : buf.subarray(0, got);
}

/** mkdir -p, with every directory it creates made durable in its parent. */
export async function ensureDir(fs: StoreFs, dir: string): Promise<void> {
  const created: string[] = [];
  for (let d = dir; !(await fs.exists(d)); d = path.posix.dirname(d)) {
    created.unshift(d);
    if (path.posix.dirname(d) === d) break;
  }
  if (created.length === 0) return;
  await fs.mkdir(dir, { recursive: true });
  for (const d of created) await fs.fsyncDir(path.posix.dirname(d));
}

/**
 * Replaces `file` with `bytes` so that a crash leaves either the old or the new content, never a
 * mix: write a temporary file, fsync it, rename it over the old one, fsync the directory.
 */
export async function replaceFile(fs: StoreFs, file: string, bytes: Uint8Array): Promise<void> {
  const tmp = `${file}.tmp`;
  const fd = await fs.open(tmp, 'w');
  try {
    await writeAll(fs, fd, bytes);
    await fs.fsync(fd);
  } finally {
    await fs.close(fd);
  }
  await fs.rename(tmp, file);
  await fs.fsyncDir(path.posix.dirname(file));
}

/** Rejects what cannot be a word or a meaning. */
export function checkEntry(where: string, word: unknown, meaning?: unknown): asserts word is string {
  if (typeof word !== 'string') throw new TypeError(`${where}: the word must be a string, not ${typeof word}`);
  if (word.length === 0) throw new RangeError(`${where}: the word must not be empty`);
  if (LONE_SURROGATE.test(word)) throw new RangeError(`${where}: the word is not well-formed UTF-16 (a lone surrogate has no UTF-8 form)`);
  if (meaning === undefined) return; // a lookup or delete: no meaning to check
  if (typeof meaning !== 'string') throw new TypeError(`${where}: the meaning must be a string, not ${typeof meaning}`);
  if (LONE_SURROGATE.test(meaning)) throw new RangeError(`${where}: the meaning is not well-formed UTF-16 (a lone surrogate has no UTF-8 form)`);
}

const LONE_SURROGATE = /\p{Surrogate}/u;

/** A promise chain that runs tasks one at a time, in call order; a failed task does not stop the next. */
export class Serial {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.tail.then(fn, fn);
    this.tail = next.catch(() => undefined);
    return next;
  }
}
