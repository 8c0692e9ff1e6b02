/**
 * SimFs: a simulated disk that can lose power. It implements StoreFs on top of memfs (the volatile
 * view the program sees) and keeps beside it the durable state (what the last fsync / fsyncDir
 * covered) and the list of pending ops in between. `crash(policy)` throws the volatile state away
 * and reboots from the durable state plus whatever pending ops the policy lets through.
 *
 * Every call runs synchronously inside its promise, so a workload gives the same trace every time,
 * and every random choice comes from one seeded Random: same seed, same trace, same crash images.
 * See README.md in this folder for the model and a worked example.
 */
import path from 'node:path';
import { Volume, createFsFromVolume, type IFs } from 'memfs';
import type { FileStat, OpenFlags, StoreFs } from '../../../katas/store-fs.ts';
import { Random, freshSeed } from '../seed.ts';
import {
  chooseKept,
  countKept,
  crashImage,
  cutPoints,
  describeChoice,
  enumerateKept,
  lastKeptWrite,
  normalizePolicy,
  type CrashChoice,
  type CrashPolicy,
  type Unsynced,
} from './crash.ts';
import { Disk, isDataOp, syncDirOf, type DiskImage, type PendingOp } from './disk.ts';
import { SimFsUsageError, SimulatedCrash, StaleEpochError, fsError } from './errors.ts';
import { ActiveFault, ArmedCrash, type ArmCrashOptions, type FaultHandle, type FaultRule, type OpName, type PathMatch } from './faults.ts';
import { formatTrace, type TraceEntry } from './trace.ts';

export type DirSyncPolicy = 'strict' | 'lenient';

export interface SimFsOptions {
  /** Seeds every random choice. Default: a fresh seed (or `--seed`), readable as `sim.seed`. */
  seed?: number;
  /** Or share a Random with the test (e.g. the one `forEachSeed` hands out). */
  random?: Random;
  /**
   * 'strict' (default): a create, rename or unlink is durable only after fsyncDir of its directory.
   * 'lenient': any fsync, fdatasync or fsyncDir also makes every earlier directory change durable,
   * which is what ext4 (data=ordered) does in practice, because one journal commit carries them all.
   */
  dirSync?: DirSyncPolicy;
  /** Initial durable files (parents are created): `{ '/db/wal': bytes }`. */
  files?: Record<string, string | Uint8Array>;
  /** Or a whole initial image (from `crashStates`, `durableImage()` ...). */
  image?: DiskImage;
}

export interface CrashReport {
  /** The epoch the disk rebooted into. */
  readonly epoch: number;
  /** `prefix: kept 2 of 5 pending ops (#3 #4), lost #6 #8 #9, tore #4 at +3 of 8 (rest zeros)`. */
  readonly description: string;
  readonly choice: CrashChoice;
  /** The disk as it came back. */
  readonly image: DiskImage;
  /** Trace numbers of the pending ops that survived and that were lost. */
  readonly kept: readonly number[];
  readonly lost: readonly number[];
}

export interface CrashState {
  /** What this state is, for a failure message: the crash description. */
  readonly label: string;
  readonly choice: CrashChoice;
  readonly image: DiskImage;
  /** A fresh SimFs booted from this image (same seed and directory policy unless overridden). */
  boot(options?: Omit<SimFsOptions, 'image' | 'files'>): SimFs;
}

/** A pending op as text, for tests and messages. */
export interface PendingInfo {
  readonly seq: number;
  readonly kind: PendingOp['kind'];
  readonly text: string;
}

interface Flags {
  read: boolean;
  write: boolean;
  append: boolean;
  create: boolean;
  trunc: boolean;
}

const FLAGS: Record<OpenFlags, Flags> = {
  r: { read: true, write: false, append: false, create: false, trunc: false },
  'r+': { read: true, write: true, append: false, create: false, trunc: false },
  w: { read: false, write: true, append: false, create: true, trunc: true },
  'w+': { read: true, write: true, append: false, create: true, trunc: true },
  wx: { read: false, write: true, append: false, create: true, trunc: true },
  'wx+': { read: true, write: true, append: false, create: true, trunc: true },
  a: { read: false, write: true, append: true, create: true, trunc: false },
  'a+': { read: true, write: true, append: true, create: true, trunc: false },
  ax: { read: false, write: true, append: true, create: true, trunc: false },
  'ax+': { read: true, write: true, append: true, create: true, trunc: false },
};

interface Handle {
  readonly fd: number;
  readonly epoch: number;
  readonly mfd: number;
  readonly ino: number;
  readonly path: string;
  readonly flags: Flags;
  pos: number;
  closed: boolean;
}

type VNode = { kind: 'file' } | { kind: 'dir'; entries: Map<string, number> };

interface Target {
  fd?: number;
  path?: string;
  path2?: string;
  detail?: string;
}

const norm = (p: string) => path.posix.resolve('/', p);

function checkRange(buffer: Uint8Array, offset: number, length: number, what: string): void {
  const ok = Number.isInteger(offset) && Number.isInteger(length) && offset >= 0 && length >= 0 && offset + length <= buffer.byteLength;
  if (!ok) {
    const err = new RangeError(`${what}: offset ${offset} and length ${length} do not fit a buffer of ${buffer.byteLength} bytes`);
    (err as { code?: string }).code = 'ERR_OUT_OF_RANGE';
    throw err;
  }
}

function toStat(s: { size: number | bigint; isFile(): boolean; isDirectory(): boolean }): FileStat {
  const size = Number(s.size);
  const file = s.isFile();
  const dir = s.isDirectory();
  return { size, isFile: () => file, isDirectory: () => dir };
}

function errText(err: unknown): string {
  const code = (err as { code?: string })?.code;
  return code ?? (err instanceof Error ? err.name : String(err));
}

export class SimFs implements StoreFs {
  readonly random: Random;
  readonly dirSync: DirSyncPolicy;

  private vol!: IFs;
  private vnodes = new Map<number, VNode>();
  private root = 0;
  private durable!: Disk;
  private pendingOps: PendingOp[] = [];
  private readonly fds = new Map<number, Handle>();
  private nextFd = 3;
  private nextIno = 1;
  private epochNo = -1;
  private down: string | undefined;
  private armed: ArmedCrash[] = [];
  private faults: ActiveFault[] = [];
  private seq = 0;
  private callsThisEpoch = 0;
  private readonly entries: TraceEntry[] = [];
  private view!: StoreFs;

  constructor(options: SimFsOptions = {}) {
    this.random = options.random ?? new Random(options.seed ?? freshSeed());
    this.dirSync = options.dirSync ?? 'strict';
    if (this.dirSync !== 'strict' && this.dirSync !== 'lenient') throw new SimFsUsageError(`dirSync must be 'strict' or 'lenient'`);
    this.boot(options.image ?? imageOf(options.files ?? {}));
  }

  /** A SimFs whose disk starts as `image` (everything in it durable). */
  static fromImage(image: DiskImage, options: Omit<SimFsOptions, 'image' | 'files'> = {}): SimFs {
    return new SimFs({ ...options, image });
  }

  get seed(): number {
    return this.random.seed;
  }

  /** Increases by one at every crash or reboot. */
  get epoch(): number {
    return this.epochNo;
  }

  /**
   * The StoreFs to hand a store: bound to the current epoch. After a crash every call through an
   * old view fails with StaleEpochError, so a dead store's leftover promises cannot touch the
   * recovered disk. Take `sim.fs` again after each crash.
   */
  get fs(): StoreFs {
    return this.view;
  }

  /** True from the moment an armed crash fires until `crash()` reboots the disk. */
  get crashed(): boolean {
    return this.down !== undefined;
  }

  /** StoreFs calls that reached the disk in this epoch (what `armCrash`'s nth counts, unfiltered). */
  get calls(): number {
    return this.callsThisEpoch;
  }

  get trace(): readonly TraceEntry[] {
    return this.entries;
  }

  /** The last `n` trace lines. */
  traceTail(n = 20): string {
    const tail = this.entries.slice(-n);
    return (this.entries.length > n ? `… (${this.entries.length - n} earlier)\n` : '') + formatTrace(tail);
  }

  /** The ops not yet covered by a sync, in program order. */
  pending(): PendingInfo[] {
    return this.pendingOps.map((op) => ({ seq: op.seq, kind: op.kind, text: this.describeOp(op) }));
  }

  /** `err` with the seed and the trace tail appended to its message (the original kept as `cause`). */
  annotate(err: unknown, tail = 20): Error {
    const msg = err instanceof Error ? err.message : String(err);
    const out = new Error(`${msg}\n\nsimfs seed ${this.seed}, epoch ${this.epoch}, last ops:\n${this.traceTail(tail)}`, { cause: err });
    out.name = err instanceof Error ? err.name : 'Error';
    return out;
  }

  // ---------------------------------------------------------------- faults

  /** The power goes at the nth matching call. From then on every call fails until `crash()`. */
  armCrash(options: ArmCrashOptions = {}): void {
    this.armed.push(new ArmedCrash(options));
  }

  /** Makes matching calls fail or come up short; see FaultRule. Cleared by a crash. */
  inject(rule: FaultRule): FaultHandle {
    const fault = new ActiveFault(rule);
    this.faults.push(fault);
    return fault;
  }

  /** The nth fsync or fdatasync (on `path`) fails with EIO and drops the file's unsynced writes. */
  failFsync(options: { path?: PathMatch; nth?: number; times?: number; code?: string } = {}): FaultHandle {
    return this.inject({ op: ['fsync', 'fdatasync'], path: options.path, nth: options.nth, times: options.times, error: options.code ?? 'EIO' });
  }

  /** The nth write (to `path`) writes only `bytes` bytes and returns that count. */
  shortWrite(options: { bytes: number; path?: PathMatch; nth?: number; times?: number }): FaultHandle {
    return this.inject({ op: 'write', path: options.path, nth: options.nth, times: options.times, short: options.bytes });
  }

  /** The nth read (of `path`) fails with EIO. */
  failRead(options: { path?: PathMatch; nth?: number; times?: number; code?: string } = {}): FaultHandle {
    return this.inject({ op: 'read', path: options.path, nth: options.nth, times: options.times, error: options.code ?? 'EIO' });
  }

  /** Removes every armed crash and injected fault. */
  clearFaults(): void {
    this.armed = [];
    for (const f of this.faults) f.remove();
    this.faults = [];
  }

  /**
   * Runs `fn` (a workload) and reports whether the armed crash cut it short. An error that is not
   * due to the crash is rethrown.
   */
  async runUntilCrash<T>(fn: () => Promise<T>): Promise<{ crashed: boolean; value?: T; error?: unknown }> {
    try {
      const value = await fn();
      return { crashed: this.crashed, value };
    } catch (error) {
      if (this.crashed) return { crashed: true, error };
      throw error;
    }
  }

  // ---------------------------------------------------------------- crashes

  /**
   * Power loss: the volatile state is gone; the disk reboots from the durable state plus the
   * pending ops the policy lets through (see crash.ts). Descriptors and views of the old epoch stop
   * working; armed crashes and faults are cleared (arm again to crash during recovery).
   */
  crash(policy: Unsynced | CrashPolicy = 'drop'): CrashReport {
    const p = normalizePolicy(policy);
    const kept = chooseKept(p, this.pendingOps, this.random);
    let torn: CrashChoice['torn'];
    if (p.tear) {
      const index = lastKeptWrite(this.pendingOps, kept);
      const op = index === undefined ? undefined : this.pendingOps[index];
      if (index !== undefined && op?.kind === 'write') {
        const cuts = cutPoints(op, p.tear.unit);
        if (p.tear.at !== undefined && !cuts.includes(p.tear.at)) {
          throw new SimFsUsageError(
            `crash policy: tear.at ${p.tear.at} is not a tear point of #${op.seq} (${op.data.byteLength} bytes at ${op.offset}, unit ${p.tear.unit}): ` +
              `use one of ${cuts.slice(0, 8).join(', ')}${cuts.length > 8 ? ', ...' : ''}`,
          );
        }
        torn = { index, cut: p.tear.at ?? this.random.pick(cuts) };
      }
    }
    const choice: CrashChoice = torn ? { kept, torn } : { kept };
    const image = crashImage(this.durable, this.pendingOps, choice, p, this.random).image();
    const description = describeChoice(p, this.pendingOps, choice);
    const report: CrashReport = {
      epoch: this.epochNo + 1,
      description,
      choice,
      image,
      kept: this.pendingOps.filter((_, i) => kept[i]).map((op) => op.seq),
      lost: this.pendingOps.filter((_, i) => !kept[i]).map((op) => op.seq),
    };
    this.record('CRASH', '', '', `${description}; rebooted as epoch ${report.epoch}`);
    this.boot(image);
    countCrashStates(1);
    return report;
  }

  /**
   * Every crash image the policy allows from the current state, without crashing: each choice of
   * surviving pending ops (prefix: n + 1; subset: (m + 1) · 2^d for d data and m directory ops;
   * drop / keep: 1), and with `tear`, besides each untorn state, one per tear point of its last
   * surviving write. Throws beyond `limit` states.
   */
  crashStates(policy: Unsynced | CrashPolicy, options: { limit?: number } = {}): CrashState[] {
    const limit = options.limit ?? 4096;
    const p = normalizePolicy(policy);
    const tooMany = (n: number) =>
      new SimFsUsageError(
        `crashStates: ${n}+ states for ${this.pendingOps.length} pending ops exceeds the limit of ${limit}; ` +
          'shorten the workload, sync more often, or sample with crash(policy) over seeds',
      );
    const base = countKept(p, this.pendingOps);
    if (base > limit) throw tooMany(base);
    const choices: CrashChoice[] = [];
    for (const kept of enumerateKept(p, this.pendingOps)) {
      choices.push({ kept });
      const index = p.tear ? lastKeptWrite(this.pendingOps, kept) : undefined;
      const op = index === undefined ? undefined : this.pendingOps[index];
      if (p.tear && index !== undefined && op?.kind === 'write') {
        const cuts = p.tear.at !== undefined ? [p.tear.at] : cutPoints(op, p.tear.unit);
        for (const cut of cuts) choices.push({ kept, torn: { index, cut } });
      }
      if (choices.length > limit) throw tooMany(choices.length);
    }
    countCrashStates(choices.length);
    return choices.map((choice) => {
      const image = crashImage(this.durable, this.pendingOps, choice, p, this.random).image();
      const label = describeChoice(p, this.pendingOps, choice);
      return {
        label,
        choice,
        image,
        boot: (opts = {}) => SimFs.fromImage(image, { seed: this.seed, dirSync: this.dirSync, ...opts }),
      };
    });
  }

  /** Reboots into `image` as if after a crash (new epoch, everything durable). */
  reboot(image: DiskImage): void {
    this.record('REBOOT', '', '', `into a given image; epoch ${this.epochNo + 1}`);
    this.boot(image);
  }

  // ---------------------------------------------------------------- inspection

  /** What the program sees now, as an image (untraced). */
  volatileImage(): DiskImage {
    const dirs: string[] = [];
    const files = new Map<string, Uint8Array>();
    const walk = (ino: number, p: string) => {
      dirs.push(p);
      const node = this.vnodes.get(ino);
      if (node?.kind !== 'dir') return;
      for (const name of [...node.entries.keys()].sort()) {
        const child = node.entries.get(name)!;
        const childPath = p === '/' ? `/${name}` : `${p}/${name}`;
        if (this.vnodes.get(child)?.kind === 'dir') walk(child, childPath);
        else files.set(childPath, new Uint8Array(this.vol.readFileSync(childPath) as Buffer));
      }
    };
    walk(this.root, '/');
    return { dirs, files };
  }

  /** What a crash that loses every pending op would leave (untraced, no randomness used). */
  durableImage(): DiskImage {
    return this.durable.image();
  }

  /** The file's current content as the program sees it, or undefined (untraced). */
  peek(file: string): Uint8Array | undefined {
    const ino = this.lookup(norm(file));
    if (ino === undefined || this.vnodes.get(ino)?.kind !== 'file') return undefined;
    return new Uint8Array(this.vol.readFileSync(norm(file)) as Buffer);
  }

  /**
   * The synced content of the file now at `file` (by inode: what its last fsync covered, whether
   * or not its directory entry is durable yet), or undefined (untraced).
   */
  peekDurable(file: string): Uint8Array | undefined {
    const ino = this.lookup(norm(file));
    if (ino === undefined || !this.durable.isFile(ino)) return undefined;
    return this.durable.content(ino);
  }

  /**
   * Overwrites synced bytes of a file on the disk itself (and in the page cache, as if re-read):
   * the primitive behind the corruptors in spec/support/corrupt.ts. Refuses bytes that unsynced
   * writes still cover: corrupt only what the store believes durable.
   */
  damage(file: string, offset: number, bytes: Uint8Array, note: string): void {
    const p = norm(file);
    const ino = this.lookup(p);
    if (ino === undefined || !this.durable.isFile(ino)) throw new SimFsUsageError(`damage: ${p} is not a file`);
    const end = offset + bytes.byteLength;
    const size = this.durable.size(ino);
    if (!Number.isInteger(offset) || offset < 0 || end > size) {
      throw new SimFsUsageError(`damage: bytes [${offset}, ${end}) are outside the ${size} synced bytes of ${p}`);
    }
    for (const op of this.pendingOps) {
      if (!isDataOp(op) || op.ino !== ino) continue;
      const overlaps = op.kind === 'write' ? op.offset < end && op.offset + op.data.byteLength > offset : op.size < end;
      if (overlaps) throw new SimFsUsageError(`damage: bytes [${offset}, ${end}) of ${p} have unsynced changes (#${op.seq}); fsync or crash first`);
    }
    this.durable.write(ino, offset, bytes);
    const mfd = this.vol.openSync(p, 'r+');
    try {
      this.vol.writeSync(mfd, bytes, 0, bytes.byteLength, offset);
    } finally {
      this.vol.closeSync(mfd);
    }
    this.record('DAMAGE', p, `@${offset}+${bytes.byteLength}`, note);
  }

  /** Harness self-check: the volatile tree kept here agrees with memfs's. Throws if not. */
  assertConsistent(): void {
    const walk = (p: string): string[] => {
      const out: string[] = [];
      for (const name of (this.vol.readdirSync(p) as string[]).slice().sort()) {
        const child = p === '/' ? `/${name}` : `${p}/${name}`;
        const dir = this.vol.statSync(child).isDirectory();
        out.push(dir ? `${child}/` : child);
        if (dir) out.push(...walk(child));
      }
      return out;
    };
    const theirs = walk('/');
    const image = this.volatileImage();
    const ours = [...image.dirs.filter((d) => d !== '/').map((d) => `${d}/`), ...image.files.keys()].sort();
    if (theirs.sort().join('\n') !== ours.join('\n')) {
      throw new Error(`simfs internal: tree mismatch\nmemfs:\n${theirs.join('\n')}\nsimfs:\n${ours.join('\n')}`);
    }
  }

  // ---------------------------------------------------------------- StoreFs (current epoch)

  open(file: string, flags: OpenFlags): Promise<number> {
    return this.doOpen(this.epochNo, file, flags);
  }
  read(fd: number, buffer: Uint8Array, offset: number, length: number, position: number | null): Promise<number> {
    return this.doRead(this.epochNo, fd, buffer, offset, length, position);
  }
  write(fd: number, buffer: Uint8Array, offset?: number, length?: number, position?: number | null): Promise<number> {
    return this.doWrite(this.epochNo, fd, buffer, offset, length, position);
  }
  fsync(fd: number): Promise<void> {
    return this.doSync(this.epochNo, fd, 'fsync');
  }
  fdatasync(fd: number): Promise<void> {
    return this.doSync(this.epochNo, fd, 'fdatasync');
  }
  ftruncate(fd: number, length: number): Promise<void> {
    return this.doFtruncate(this.epochNo, fd, length);
  }
  fstat(fd: number): Promise<FileStat> {
    return this.doFstat(this.epochNo, fd);
  }
  close(fd: number): Promise<void> {
    return this.doClose(this.epochNo, fd);
  }
  stat(file: string): Promise<FileStat> {
    return this.doStat(this.epochNo, file);
  }
  exists(file: string): Promise<boolean> {
    return this.doExists(this.epochNo, file);
  }
  rename(from: string, to: string): Promise<void> {
    return this.doRename(this.epochNo, from, to);
  }
  unlink(file: string): Promise<void> {
    return this.doUnlink(this.epochNo, file);
  }
  mkdir(dir: string, options?: { recursive?: boolean }): Promise<void> {
    return this.doMkdir(this.epochNo, dir, options);
  }
  readdir(dir: string): Promise<string[]> {
    return this.doReaddir(this.epochNo, dir);
  }
  fsyncDir(dir: string): Promise<void> {
    return this.doFsyncDir(this.epochNo, dir);
  }
  readFile(file: string): Promise<Buffer> {
    return readWhole(this.view, file);
  }
  writeFile(file: string, data: Uint8Array | string): Promise<void> {
    return writeWhole(this.view, file, data);
  }

  // ---------------------------------------------------------------- the ops

  private doOpen(epoch: number, file: string, flags: OpenFlags): Promise<number> {
    const p = norm(file);
    let created = false;
    return this.invoke(epoch, 'open', { path: p, detail: flags }, () => {
      const f = FLAGS[flags];
      if (!f) {
        const err = new TypeError(`open: flags must be one of ${Object.keys(FLAGS).join(', ')}, not ${JSON.stringify(flags)}`);
        (err as { code?: string }).code = 'ERR_INVALID_ARG_VALUE';
        throw err;
      }
      const existing = this.lookup(p);
      if (existing !== undefined && this.vnodes.get(existing)?.kind === 'dir' && f.write) throw fsError('EISDIR', 'open', p);
      const mfd = this.vol.openSync(p, flags) as number;
      let ino = existing;
      if (ino === undefined) {
        const { dir, name } = this.parentOf(p);
        ino = this.nextIno++;
        this.vnodes.set(ino, { kind: 'file' });
        this.dirEntries(dir).set(name, ino);
        this.durable.addFile(ino);
        this.pendingOps.push({ kind: 'link', seq: this.seq, dir, name, ino });
        created = true;
      } else if (f.trunc && this.vnodes.get(ino)?.kind === 'file') {
        this.pendingOps.push({ kind: 'truncate', seq: this.seq, ino, size: 0 });
      }
      const fd = this.nextFd++;
      this.fds.set(fd, { fd, epoch: this.epochNo, mfd, ino, path: p, flags: f, pos: 0, closed: false });
      return fd;
    }, (fd) => `fd=${fd}${created ? ' (created)' : ''}`);
  }

  private doRead(epoch: number, fd: number, buffer: Uint8Array, offset: number, length: number, position: number | null): Promise<number> {
    const target: Target = { fd, detail: `${position ?? 'pos'}+${length}` };
    return this.invoke(epoch, 'read', target, (h, short) => {
      if (!h!.flags.read) throw fsError('EBADF', 'read');
      if (this.vnodes.get(h!.ino)?.kind === 'dir') throw fsError('EISDIR', 'read');
      checkRange(buffer, offset, length, 'read');
      const want = short === undefined ? length : Math.min(length, short);
      const at = position ?? h!.pos;
      target.detail = `@${at}+${length}`;
      const n = want === 0 ? 0 : (this.vol.readSync(h!.mfd, buffer, offset, want, at) as number);
      if (position === null || position === undefined) h!.pos = at + n;
      return n;
    }, String);
  }

  private doWrite(epoch: number, fd: number, buffer: Uint8Array, offset = 0, length?: number, position?: number | null): Promise<number> {
    const len = length ?? buffer.byteLength - offset;
    const target: Target = { fd, detail: `${position ?? 'pos'}+${len}` };
    return this.invoke(epoch, 'write', target, (h, short) => {
      if (!h!.flags.write) throw fsError('EBADF', 'write');
      checkRange(buffer, offset, len, 'write');
      const n = short === undefined ? len : Math.min(len, short);
      const at = h!.flags.append ? Number(this.vol.fstatSync(h!.mfd).size) : (position ?? h!.pos);
      target.detail = `@${at}+${len}`;
      if (n > 0) {
        this.vol.writeSync(h!.mfd, buffer, offset, n, at);
        this.pendingOps.push({ kind: 'write', seq: this.seq, ino: h!.ino, offset: at, data: Uint8Array.prototype.slice.call(buffer, offset, offset + n) }); // a copy: Buffer#slice is a view the caller may reuse
      }
      if (position === null || position === undefined || h!.flags.append) h!.pos = at + n;
      return n;
    }, (n) => `${n}${n < len ? ' (short)' : ''}`);
  }

  private doSync(epoch: number, fd: number, op: 'fsync' | 'fdatasync'): Promise<void> {
    let n = 0;
    return this.invoke(epoch, op, { fd }, (h) => {
      n = this.vnodes.get(h!.ino)?.kind === 'dir' ? this.syncDir(h!.ino) : this.syncFile(h!.ino);
    }, () => `ok (${n} op${n === 1 ? '' : 's'} durable)`);
  }

  private doFtruncate(epoch: number, fd: number, length: number): Promise<void> {
    return this.invoke(epoch, 'ftruncate', { fd, detail: String(length) }, (h) => {
      if (!h!.flags.write || !Number.isInteger(length) || length < 0) throw fsError('EINVAL', 'ftruncate');
      this.vol.ftruncateSync(h!.mfd, length);
      this.pendingOps.push({ kind: 'truncate', seq: this.seq, ino: h!.ino, size: length });
    });
  }

  private doFstat(epoch: number, fd: number): Promise<FileStat> {
    return this.invoke(epoch, 'fstat', { fd }, (h) => toStat(this.vol.fstatSync(h!.mfd)), (s) => `size ${s.size}`);
  }

  private doClose(epoch: number, fd: number): Promise<void> {
    return this.invoke(epoch, 'close', { fd }, (h) => {
      this.vol.closeSync(h!.mfd);
      h!.closed = true;
    });
  }

  private doStat(epoch: number, file: string): Promise<FileStat> {
    const p = norm(file);
    return this.invoke(epoch, 'stat', { path: p }, () => toStat(this.vol.statSync(p)), (s) => (s.isDirectory() ? 'dir' : `size ${s.size}`));
  }

  private doExists(epoch: number, file: string): Promise<boolean> {
    const p = norm(file);
    return this.invoke(epoch, 'exists', { path: p }, () => this.lookup(p) !== undefined, String);
  }

  private doRename(epoch: number, from: string, to: string): Promise<void> {
    const f = norm(from);
    const t = norm(to);
    return this.invoke(epoch, 'rename', { path: f, path2: t }, () => {
      const src = this.lookup(f);
      if (src === undefined) throw fsError('ENOENT', 'rename', f, t);
      const { dir: toDir, name: toName } = this.parentOf(t, 'rename', f);
      const dst = this.lookup(t);
      if (f === t || dst === src) return;
      const srcDir = this.vnodes.get(src)!.kind === 'dir';
      const dstNode = dst === undefined ? undefined : this.vnodes.get(dst);
      if (srcDir && t.startsWith(`${f}/`)) throw fsError('EINVAL', 'rename', f, t);
      if (dstNode?.kind === 'dir' && !srcDir) throw fsError('EISDIR', 'rename', f, t);
      if (dstNode?.kind === 'file' && srcDir) throw fsError('ENOTDIR', 'rename', f, t);
      if (dstNode?.kind === 'dir' && dstNode.entries.size > 0) throw fsError('ENOTEMPTY', 'rename', f, t);
      if (dstNode?.kind === 'dir') this.vol.rmdirSync(t); // memfs will not replace a directory itself
      this.vol.renameSync(f, t);
      const { dir: fromDir, name: fromName } = this.parentOf(f);
      this.dirEntries(fromDir).delete(fromName);
      this.dirEntries(toDir).set(toName, src);
      this.pendingOps.push({ kind: 'rename', seq: this.seq, fromDir, fromName, toDir, toName, ino: src });
    });
  }

  private doUnlink(epoch: number, file: string): Promise<void> {
    const p = norm(file);
    return this.invoke(epoch, 'unlink', { path: p }, () => {
      const ino = this.lookup(p);
      if (ino !== undefined && this.vnodes.get(ino)?.kind === 'dir') throw fsError('EISDIR', 'unlink', p);
      this.vol.unlinkSync(p);
      const { dir, name } = this.parentOf(p);
      this.dirEntries(dir).delete(name);
      this.pendingOps.push({ kind: 'unlink', seq: this.seq, dir, name, ino: ino! });
    });
  }

  private doMkdir(epoch: number, dir: string, options?: { recursive?: boolean }): Promise<void> {
    const p = norm(dir);
    const recursive = options?.recursive ?? false;
    return this.invoke(epoch, 'mkdir', { path: p, detail: recursive ? 'recursive' : '' }, () => {
      if (recursive) {
        const existing = this.lookup(p);
        if (existing !== undefined && this.vnodes.get(existing)?.kind === 'file') throw fsError('EEXIST', 'mkdir', p);
        this.vol.mkdirSync(p, { recursive: true });
      } else {
        this.vol.mkdirSync(p);
      }
      // Record every directory that did not exist before, parents first.
      let cur = '/';
      for (const part of p.split('/').filter(Boolean)) {
        const next = cur === '/' ? `/${part}` : `${cur}/${part}`;
        if (this.lookup(next) === undefined) {
          const parent = this.lookup(cur)!;
          const ino = this.nextIno++;
          this.vnodes.set(ino, { kind: 'dir', entries: new Map() });
          this.dirEntries(parent).set(part, ino);
          this.durable.addDir(ino);
          this.pendingOps.push({ kind: 'link', seq: this.seq, dir: parent, name: part, ino });
        }
        cur = next;
      }
    });
  }

  private doReaddir(epoch: number, dir: string): Promise<string[]> {
    const p = norm(dir);
    return this.invoke(epoch, 'readdir', { path: p }, () => (this.vol.readdirSync(p) as string[]).map(String).sort(), (names) => `${names.length} names`);
  }

  private doFsyncDir(epoch: number, dir: string): Promise<void> {
    const p = norm(dir);
    let n = 0;
    return this.invoke(epoch, 'fsyncDir', { path: p }, () => {
      const ino = this.lookup(p);
      if (ino === undefined) {
        this.vol.statSync(p); // throws memfs's ENOENT / ENOTDIR
        throw fsError('ENOENT', 'open', p);
      }
      if (this.vnodes.get(ino)?.kind !== 'dir') throw fsError('ENOTDIR', 'fsyncDir', p);
      n = this.syncDir(ino);
    }, () => `ok (${n} op${n === 1 ? '' : 's'} durable)`);
  }

  // ---------------------------------------------------------------- durability

  /** fsync of a file: its pending data ops become durable (lenient: all directory ops too). */
  private syncFile(ino: number): number {
    return this.flush((op) => (isDataOp(op) && op.ino === ino) || (this.dirSync === 'lenient' && !isDataOp(op)));
  }

  /** fsyncDir: the directory's pending entry changes become durable (lenient: every directory's). */
  private syncDir(ino: number): number {
    return this.flush((op) => !isDataOp(op) && (this.dirSync === 'lenient' || syncDirOf(op) === ino));
  }

  private flush(which: (op: PendingOp) => boolean): number {
    let n = 0;
    this.pendingOps = this.pendingOps.filter((op) => {
      if (!which(op)) return true;
      this.durable.apply(op);
      n++;
      return false;
    });
    return n;
  }

  /** A failed sync: what it should have written is gone from the write-back queue (Linux). */
  private dropDirty(op: OpName, h: Handle | undefined, p: string | undefined): number {
    const before = this.pendingOps.length;
    if (op === 'fsyncDir') {
      const ino = p === undefined ? undefined : this.lookup(p);
      this.pendingOps = this.pendingOps.filter((o) => isDataOp(o) || syncDirOf(o) !== ino);
    } else if (h && this.vnodes.get(h.ino)?.kind === 'dir') {
      this.pendingOps = this.pendingOps.filter((o) => isDataOp(o) || syncDirOf(o) !== h.ino);
    } else if (h) {
      this.pendingOps = this.pendingOps.filter((o) => !(isDataOp(o) && o.ino === h.ino));
    }
    return before - this.pendingOps.length;
  }

  // ---------------------------------------------------------------- the call wrapper

  /**
   * Runs one call synchronously and returns its result as a promise: epoch and liveness checks,
   * descriptor lookup, armed crash, injected fault, the op itself, the trace line.
   */
  private invoke<T>(
    epoch: number,
    op: OpName,
    target: Target,
    body: (h: Handle | undefined, short: number | undefined) => T,
    show: (result: T) => string = () => 'ok',
  ): Promise<T> {
    return new Promise<T>((resolve) => resolve(this.invokeSync(epoch, op, target, body, show)));
  }

  private invokeSync<T>(
    epoch: number,
    op: OpName,
    target: Target,
    body: (h: Handle | undefined, short: number | undefined) => T,
    show: (result: T) => string,
  ): T {
    this.seq++;
    let where = target.path2 !== undefined ? `${target.path} → ${target.path2}` : (target.path ?? `fd=${target.fd}`);
    let outcome = '';
    let fired = false;
    try {
      if (epoch !== this.epochNo) {
        throw new StaleEpochError(
          `${op}: this StoreFs view belongs to epoch ${epoch}, but the disk crashed and rebooted (now epoch ${this.epochNo}); ` +
            'a store must be reopened on sim.fs after a crash',
        );
      }
      if (this.down !== undefined) throw new SimulatedCrash(`${op}: the simulated machine is down (${this.down}); call sim.crash(policy) to reboot`);
      let h: Handle | undefined;
      if (target.fd !== undefined) {
        h = this.handle(target.fd, op);
        where = `${h.path} fd=${h.fd}`;
      }
      const paths = h ? [h.path] : [target.path, target.path2].filter((x): x is string => x !== undefined);
      this.callsThisEpoch++;
      let fire: ArmedCrash | undefined;
      for (const a of this.armed) if (a.hit(op, paths) && !fire) fire = a;
      fired = fire !== undefined;
      if (fire?.timing === 'before') this.goDown(op, fire);
      let fault: ActiveFault | undefined;
      for (const f of this.faults) if (f.hit(op, paths, this.random) && !fault) fault = f;
      let result: T;
      try {
        if (fault?.rule.error !== undefined) {
          const dropped = op === 'fsync' || op === 'fdatasync' || op === 'fsyncDir' ? this.dropDirty(op, h, target.path) : 0;
          outcome = `✗ ${fault.rule.error} (injected${dropped ? `, ${dropped} unsynced op${dropped === 1 ? '' : 's'} dropped` : ''})`;
          throw fsError(fault.rule.error, op, h?.path ?? target.path, target.path2);
        }
        const short = fault?.rule.short;
        result = body(h, op === 'read' || op === 'write' ? short : undefined);
        outcome = show(result);
        if (short !== undefined && (op === 'read' || op === 'write')) outcome += ' (injected short)';
      } catch (err) {
        if (fire) this.goDown(op, fire);
        throw err;
      }
      if (fire) this.goDown(op, fire, outcome);
      return result;
    } catch (err) {
      const why =
        err instanceof StaleEpochError ? 'stale epoch' : err instanceof SimulatedCrash ? (fired ? `power lost (${this.down})` : 'machine down') : errText(err);
      if (!outcome) outcome = `✗ ${why}`;
      else if (err instanceof SimulatedCrash) outcome += `, then ✗ ${why}`;
      throw err;
    } finally {
      this.entries.push({ seq: this.seq, epoch: this.epochNo, op, target: where, detail: target.detail ?? '', outcome });
    }
  }

  private goDown(op: OpName, armed: ArmedCrash, outcome?: string): never {
    this.down = `${armed.describe()}, hit at ${op}${outcome ? ' after it completed' : ''}`;
    throw new SimulatedCrash(`${op}: simulated power loss (${armed.describe()})`);
  }

  private handle(fd: number, op: OpName): Handle {
    const h = this.fds.get(fd);
    if (h && h.epoch !== this.epochNo) {
      throw new StaleEpochError(`${op}: fd ${fd} was opened in epoch ${h.epoch}, before the crash (now epoch ${this.epochNo}); reopen the file`);
    }
    if (!h || h.closed) throw fsError('EBADF', op);
    return h;
  }

  private record(op: string, target: string, detail: string, outcome: string): void {
    this.entries.push({ seq: ++this.seq, epoch: this.epochNo, op, target, detail, outcome });
  }

  // ---------------------------------------------------------------- the volatile tree

  private lookup(p: string): number | undefined {
    let ino = this.root;
    for (const part of p.split('/').filter(Boolean)) {
      const node = this.vnodes.get(ino);
      if (node?.kind !== 'dir') return undefined;
      const next = node.entries.get(part);
      if (next === undefined) return undefined;
      ino = next;
    }
    return ino;
  }

  private parentOf(p: string, syscall = 'open', dest?: string): { dir: number; name: string } {
    const dir = this.lookup(path.posix.dirname(p));
    const name = path.posix.basename(p);
    if (dir === undefined) throw fsError('ENOENT', syscall, dest ?? p, dest ? p : undefined);
    if (this.vnodes.get(dir)?.kind !== 'dir') throw fsError('ENOTDIR', syscall, dest ?? p, dest ? p : undefined);
    return { dir, name };
  }

  private dirEntries(ino: number): Map<string, number> {
    const node = this.vnodes.get(ino);
    if (node?.kind !== 'dir') throw new Error(`simfs internal: inode ${ino} is not a directory`);
    return node.entries;
  }

  private pathOf(ino: number): string {
    const search = (dir: number, p: string): string | undefined => {
      const node = this.vnodes.get(dir);
      if (node?.kind !== 'dir') return undefined;
      for (const [name, child] of node.entries) {
        const cp = p === '/' ? `/${name}` : `${p}/${name}`;
        if (child === ino) return cp;
        const deeper = search(child, cp);
        if (deeper) return deeper;
      }
      return undefined;
    };
    return ino === this.root ? '/' : (search(this.root, '/') ?? `(inode ${ino}, unlinked)`);
  }

  private describeOp(op: PendingOp): string {
    switch (op.kind) {
      case 'write':
        return `#${op.seq} write ${this.pathOf(op.ino)} @${op.offset}+${op.data.byteLength}`;
      case 'truncate':
        return `#${op.seq} truncate ${this.pathOf(op.ino)} to ${op.size}`;
      case 'link':
        return `#${op.seq} create ${this.join(op.dir, op.name)}`;
      case 'unlink':
        return `#${op.seq} unlink ${this.join(op.dir, op.name)}`;
      case 'rename':
        return `#${op.seq} rename ${this.join(op.fromDir, op.fromName)} → ${this.join(op.toDir, op.toName)}`;
    }
  }

  private join(dir: number, name: string): string {
    const d = this.pathOf(dir);
    return d === '/' ? `/${name}` : `${d}/${name}`;
  }

  // ---------------------------------------------------------------- boot

  private boot(image: DiskImage): void {
    this.vol = createFsFromVolume(new Volume());
    this.vnodes = new Map();
    this.root = this.nextIno++;
    this.vnodes.set(this.root, { kind: 'dir', entries: new Map() });
    this.durable = new Disk(this.root);
    const add = (p: string, node: VNode, content?: Uint8Array) => {
      const parent = this.lookup(path.posix.dirname(p));
      if (parent === undefined) throw new SimFsUsageError(`image: ${p} has no parent directory in the image`);
      const ino = this.nextIno++;
      this.vnodes.set(ino, node);
      this.dirEntries(parent).set(path.posix.basename(p), ino);
      if (content) this.durable.addFile(ino, content);
      else this.durable.addDir(ino);
      this.durable.apply({ kind: 'link', seq: 0, dir: parent, name: path.posix.basename(p), ino });
    };
    const depth = (d: string) => d.split('/').filter(Boolean).length;
    for (const d of [...image.dirs].sort((a, b) => depth(a) - depth(b) || (a < b ? -1 : a > b ? 1 : 0))) {
      const p = norm(d);
      if (p === '/') continue;
      this.vol.mkdirSync(p);
      add(p, { kind: 'dir', entries: new Map() });
    }
    for (const [file, data] of [...image.files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const p = norm(file);
      this.vol.writeFileSync(p, data);
      add(p, { kind: 'file' }, data);
    }
    this.pendingOps = [];
    this.epochNo++;
    this.down = undefined;
    this.clearFaults();
    this.callsThisEpoch = 0;
    const epoch = this.epochNo;
    const view: StoreFs = {
      open: (f, flags) => this.doOpen(epoch, f, flags),
      read: (fd, b, o, l, pos) => this.doRead(epoch, fd, b, o, l, pos),
      write: (fd, b, o, l, pos) => this.doWrite(epoch, fd, b, o, l, pos),
      fsync: (fd) => this.doSync(epoch, fd, 'fsync'),
      fdatasync: (fd) => this.doSync(epoch, fd, 'fdatasync'),
      ftruncate: (fd, l) => this.doFtruncate(epoch, fd, l),
      fstat: (fd) => this.doFstat(epoch, fd),
      close: (fd) => this.doClose(epoch, fd),
      stat: (f) => this.doStat(epoch, f),
      exists: (f) => this.doExists(epoch, f),
      rename: (a, b) => this.doRename(epoch, a, b),
      unlink: (f) => this.doUnlink(epoch, f),
      mkdir: (d, o) => this.doMkdir(epoch, d, o),
      readdir: (d) => this.doReaddir(epoch, d),
      fsyncDir: (d) => this.doFsyncDir(epoch, d),
      readFile: (f) => readWhole(view, f),
      writeFile: (f, data) => writeWhole(view, f, data),
    };
    this.view = view;
  }
}

/** An image from `{ path: content }`, with every parent directory. */
/**
 * How many crash states this process has produced (crash() and crashStates()), kept on globalThis
 * so that spec/support/setup.ts can report it per spec file without loading SimFs.
 */
function countCrashStates(n: number): void {
  const g = globalThis as { __kataCrashStates?: number };
  g.__kataCrashStates = (g.__kataCrashStates ?? 0) + n;
}

export function imageOf(files: Record<string, string | Uint8Array>): DiskImage {
  const dirs = new Set<string>(['/']);
  const map = new Map<string, Uint8Array>();
  for (const [file, content] of Object.entries(files)) {
    const p = norm(file);
    for (let d = path.posix.dirname(p); d !== '/'; d = path.posix.dirname(d)) dirs.add(d);
    map.set(p, typeof content === 'string' ? new TextEncoder().encode(content) : Uint8Array.prototype.slice.call(content));
  }
  return { dirs: [...dirs].sort((a, b) => a.split('/').length - b.split('/').length || (a < b ? -1 : 1)), files: map };
}

async function readWhole(fs: StoreFs, file: string): Promise<Buffer> {
  const fd = await fs.open(file, 'r');
  try {
    const chunks: Buffer[] = [];
    for (;;) {
      const chunk = Buffer.alloc(64 * 1024);
      const n = await fs.read(fd, chunk, 0, chunk.byteLength, null);
      if (n === 0) break;
      chunks.push(chunk.subarray(0, n));
    }
    return Buffer.concat(chunks);
  } finally {
    await fs.close(fd);
  }
}

async function writeWhole(fs: StoreFs, file: string, data: Uint8Array | string): Promise<void> {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  const fd = await fs.open(file, 'w');
  try {
    for (let done = 0; done < bytes.byteLength; ) {
      const n = await fs.write(fd, bytes, done, bytes.byteLength - done, done);
      if (n === 0) throw fsError('ENOSPC', 'write', file);
      done += n;
    }
  } finally {
    await fs.close(fd);
  }
}
