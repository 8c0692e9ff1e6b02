/**
 * Spec helpers: a recording StoreFs with a fake clock, models of the documented algorithms, and
 * the cache drop the real-disk test and the experiment use.
 */
import { execFileSync } from 'node:child_process';
import { statfsSync } from 'node:fs';
import type { StoreFs } from '#support/simfs/index';
import { rng } from '#support/seed';

export interface Call {
  op: string;
  fd?: number;
  path?: string;
  flags?: string;
  /** read/write: absolute file position asked for. */
  position?: number | null;
  /** read/write: length asked for. */
  length?: number;
  /** read/write: what the call returned. */
  result?: number;
  /** write: a copy of the bytes the call moved (its result's worth). */
  data?: Uint8Array;
  /** fake clock after the call. */
  at: bigint;
}

/** Fake-clock cost of one call, in nanoseconds; `index` counts calls of that op from 0. */
export type Cost = (call: Call, index: number) => bigint;

/**
 * Wraps a StoreFs: records every call, and advances a fake nanosecond clock by the cost of each
 * call as it completes. `clock` reads it and never advances it, so how often the code under test
 * reads the clock does not change what it measures.
 */
export class Recorder {
  readonly calls: Call[] = [];
  now = 0n;
  readonly fs: StoreFs;
  readonly clock = (): bigint => this.now;
  private readonly counts = new Map<string, number>();

  constructor(
    inner: StoreFs,
    private readonly costs: Partial<Record<string, Cost>> = {},
  ) {
    const rec = <T>(call: Omit<Call, 'at'>, p: Promise<T>, after?: (v: T, c: Call) => void): Promise<T> =>
      p.then((v) => {
        const c = call as Call;
        after?.(v, c);
        const i = this.counts.get(c.op) ?? 0;
        this.counts.set(c.op, i + 1);
        this.now += this.costs[c.op]?.(c, i) ?? 0n;
        c.at = this.now;
        this.calls.push(c);
        return v;
      });
    this.fs = {
      open: (path, flags) => rec({ op: 'open', path, flags }, inner.open(path, flags), (fd, c) => (c.fd = fd)),
      read: (fd, buffer, offset, length, position) =>
        rec({ op: 'read', fd, position, length }, inner.read(fd, buffer, offset, length, position), (n, c) => (c.result = n)),
      write: (fd, buffer, offset = 0, length = buffer.byteLength - offset, position = null) =>
        rec({ op: 'write', fd, position, length }, inner.write(fd, buffer, offset, length, position), (n, c) => {
          c.result = n;
          c.data = buffer.slice(offset, offset + n);
        }),
      fsync: (fd) => rec({ op: 'fsync', fd }, inner.fsync(fd)),
      fdatasync: (fd) => rec({ op: 'fdatasync', fd }, inner.fdatasync(fd)),
      ftruncate: (fd, length) => rec({ op: 'ftruncate', fd, length }, inner.ftruncate(fd, length)),
      fstat: (fd) => rec({ op: 'fstat', fd }, inner.fstat(fd)),
      close: (fd) => rec({ op: 'close', fd }, inner.close(fd)),
      stat: (path) => rec({ op: 'stat', path }, inner.stat(path)),
      exists: (path) => rec({ op: 'exists', path }, inner.exists(path)),
      rename: (from, to) => rec({ op: 'rename', path: `${from} -> ${to}` }, inner.rename(from, to)),
      unlink: (path) => rec({ op: 'unlink', path }, inner.unlink(path)),
      mkdir: (path, options) => rec({ op: 'mkdir', path }, inner.mkdir(path, options)),
      readdir: (path) => rec({ op: 'readdir', path }, inner.readdir(path)),
      fsyncDir: (path) => rec({ op: 'fsyncDir', path }, inner.fsyncDir(path)),
      readFile: (path) => rec({ op: 'readFile', path }, inner.readFile(path)),
      writeFile: (path, data) => rec({ op: 'writeFile', path }, inner.writeFile(path, data)),
    };
  }

  /** A compact line per call: `write@4096+4096=4096`, `fsync`, `open r+`. */
  lines(from = 0, to = this.calls.length): string[] {
    return this.calls.slice(from, to).map((c) => {
      if (c.op === 'read' || c.op === 'write') return `${c.op}@${c.position}+${c.length}=${c.result}`;
      if (c.op === 'open') return `open ${c.flags}`;
      return c.op;
    });
  }
}

/** The documented random plan, written independently: a dense forward Fisher–Yates per pass. */
export function modelPlan(fileBytes: number, blockBytes: number, pattern: 'sequential' | 'random', ops: number, seed: number): number[] {
  const blocks = fileBytes / blockBytes;
  const out: number[] = [];
  if (pattern === 'sequential') {
    for (let k = 0; k < ops; k++) out.push((k % blocks) * blockBytes);
    return out;
  }
  const next = rng(seed);
  while (out.length < ops) {
    const a = Array.from({ length: blocks }, (_, i) => i);
    for (let i = 0; i < blocks && out.length < ops; i++) {
      const j = i + Math.floor(next() * (blocks - i));
      [a[i], a[j]] = [a[j]!, a[i]!];
      out.push(a[i]! * blockBytes);
    }
  }
  return out;
}

/** Nearest rank, the textbook way. */
export function modelPercentile(values: readonly number[], p: number): number {
  const s = [...values].sort((x, y) => x - y);
  if (p === 0) return s[0]!;
  return s[Math.ceil((p * s.length) / 100) - 1]!;
}

export function modelSeeks(offsets: readonly number[], blockBytes: number): number {
  return offsets.filter((o, i) => i === 0 || o !== offsets[i - 1]! + blockBytes).length;
}

const TMPFS_MAGIC = 0x01021994;

/**
 * Drops a file's pages from the page cache without root: GNU dd's `iflag=nocache` with `count=0`
 * calls posix_fadvise(POSIX_FADV_DONTNEED) over the whole file (Node has no fadvise). Returns false
 * where that cannot work: no GNU dd, or a tmpfs (whose pages are the file itself).
 */
export function dropCache(file: string): boolean {
  try {
    if (statfsSync(file).type === TMPFS_MAGIC) return false;
    execFileSync('dd', [`if=${file}`, 'iflag=nocache', 'count=0', 'status=none'], { stdio: 'ignore', timeout: 5000 });
    return true;
  } catch {
    return false;
  }
}
