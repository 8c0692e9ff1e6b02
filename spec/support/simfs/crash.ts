/**
 * Crash policies: which of the pending (unsynced) ops reach the disk when the power goes, whether
 * the last one that does is torn, and what a file that grew without its data shows.
 *
 * Synced state always survives. Of the pending ops, in program order:
 *   drop    none survive (the page cache is simply gone)
 *   keep    all survive (a process crash: the kernel still wrote everything back)
 *   prefix  the first k survive, k seeded in [0, n] or given as `count` (in-order write-back)
 *   subset  any subset survives, seeded or given as `keep` (reordered write-back). Directory ops
 *           keep their order among themselves (file systems journal them in order): the kept
 *           directory ops are always a prefix of the pending directory ops.
 */
import type { Random } from '../seed.ts';
import { Disk, isDataOp, type PendingOp, type PendingWrite } from './disk.ts';
import { SimFsUsageError } from './errors.ts';

export type Unsynced = 'drop' | 'keep' | 'prefix' | 'subset';
/** What the torn rest of a write shows: its old bytes (or nothing past the end), zeros, or garbage. */
export type TearFill = 'absent' | 'zeros' | 'garbage';

export interface TearOptions {
  /** Tear granularity in bytes, counted from the start of the file: 1 (default) or e.g. 512 (sectors). */
  unit?: number;
  /** Default 'absent'. */
  fill?: TearFill;
  /** Bytes of the torn write that land, counted from the write's start (default: seeded). */
  at?: number;
}

export interface CrashPolicy {
  unsynced: Unsynced;
  /** prefix: exactly this many pending ops survive (default: seeded in [0, n]). */
  count?: number;
  /** subset: exactly the pending ops at these indexes survive, taken as given (default: seeded). */
  keep?: readonly number[];
  /** Tear the last surviving pending write: only a part of it (`at` bytes, on `unit` boundaries) lands. */
  tear?: boolean | TearOptions;
  /**
   * A pending write that did not survive but extended its file leaves the file extended: the size
   * reached the disk, the data did not. The new region reads as zeros or garbage. Default: no growth.
   */
  grow?: 'zeros' | 'garbage';
}

/** The exact outcome of one crash: replaying it gives the same image (given the same garbage). */
export interface CrashChoice {
  /** One flag per pending op, in program order. */
  readonly kept: readonly boolean[];
  readonly torn?: { readonly index: number; readonly cut: number };
}

interface Normalized {
  unsynced: Unsynced;
  count?: number;
  keep?: readonly number[];
  tear?: { unit: number; fill: TearFill; at?: number };
  grow?: 'zeros' | 'garbage';
}

export function normalizePolicy(policy: Unsynced | CrashPolicy): Normalized {
  const p: CrashPolicy = typeof policy === 'string' ? { unsynced: policy } : policy;
  if (!['drop', 'keep', 'prefix', 'subset'].includes(p.unsynced)) {
    throw new SimFsUsageError(`crash policy: unsynced must be 'drop', 'keep', 'prefix' or 'subset', not ${JSON.stringify(p.unsynced)}`);
  }
  if (p.count !== undefined && p.unsynced !== 'prefix') throw new SimFsUsageError(`crash policy: count goes with unsynced 'prefix'`);
  if (p.keep !== undefined && p.unsynced !== 'subset') throw new SimFsUsageError(`crash policy: keep goes with unsynced 'subset'`);
  let tear: Normalized['tear'];
  if (p.tear) {
    const t = p.tear === true ? {} : p.tear;
    const unit = t.unit ?? 1;
    if (!Number.isInteger(unit) || unit < 1) throw new SimFsUsageError(`crash policy: tear.unit must be a positive integer, not ${unit}`);
    const fill = t.fill ?? 'absent';
    if (!['absent', 'zeros', 'garbage'].includes(fill)) throw new SimFsUsageError(`crash policy: tear.fill must be 'absent', 'zeros' or 'garbage'`);
    tear = { unit, fill, ...(t.at !== undefined ? { at: t.at } : {}) };
  }
  return { unsynced: p.unsynced, count: p.count, keep: p.keep, tear, grow: p.grow };
}

/** Tear points of a write: byte counts that may land, each < its length, on `unit` file boundaries. */
export function cutPoints(op: PendingWrite, unit: number): number[] {
  const cuts = [0];
  const len = op.data.byteLength;
  const first = Math.floor(op.offset / unit) * unit + unit;
  for (let abs = first; abs < op.offset + len; abs += unit) cuts.push(abs - op.offset);
  return cuts;
}

function metaIndexes(pending: readonly PendingOp[]): number[] {
  return pending.flatMap((op, i) => (isDataOp(op) ? [] : [i]));
}

/** The seeded (or explicit) choice of surviving ops for one crash, before tearing. */
export function chooseKept(p: Normalized, pending: readonly PendingOp[], random: Random): boolean[] {
  const n = pending.length;
  switch (p.unsynced) {
    case 'drop':
      return pending.map(() => false);
    case 'keep':
      return pending.map(() => true);
    case 'prefix': {
      const count = p.count ?? random.int(0, n);
      if (!Number.isInteger(count) || count < 0 || count > n) {
        throw new SimFsUsageError(`crash policy: count ${count} is outside [0, ${n}] (there are ${n} pending ops)`);
      }
      return pending.map((_, i) => i < count);
    }
    case 'subset': {
      if (p.keep) {
        for (const i of p.keep) {
          if (!Number.isInteger(i) || i < 0 || i >= n) throw new SimFsUsageError(`crash policy: keep index ${i} is outside [0, ${n - 1}]`);
        }
        const set = new Set(p.keep);
        return pending.map((_, i) => set.has(i));
      }
      const meta = metaIndexes(pending);
      const metaKept = new Set(meta.slice(0, random.int(0, meta.length)));
      return pending.map((op, i) => (isDataOp(op) ? random.bool() : metaKept.has(i)));
    }
  }
}

/** Every choice of surviving ops the policy allows, before tearing. */
export function enumerateKept(p: Normalized, pending: readonly PendingOp[]): boolean[][] {
  const n = pending.length;
  switch (p.unsynced) {
    case 'drop':
    case 'keep':
      return [chooseKept(p, pending, undefined as unknown as Random)];
    case 'prefix':
      if (p.count !== undefined) return [pending.map((_, i) => i < p.count!)];
      return Array.from({ length: n + 1 }, (_, k) => pending.map((_, i) => i < k));
    case 'subset': {
      if (p.keep) return [chooseKept(p, pending, undefined as unknown as Random)];
      const meta = metaIndexes(pending);
      const data = pending.flatMap((op, i) => (isDataOp(op) ? [i] : []));
      const out: boolean[][] = [];
      for (let m = 0; m <= meta.length; m++) {
        const metaKept = new Set(meta.slice(0, m));
        for (let mask = 0; mask < 2 ** data.length; mask++) {
          const kept = pending.map((_, i) => metaKept.has(i));
          data.forEach((idx, bit) => {
            if (Math.floor(mask / 2 ** bit) % 2 === 1) kept[idx] = true;
          });
          out.push(kept);
        }
      }
      return out;
    }
  }
}

/** How many choices `enumerateKept` would return, without building them. */
export function countKept(p: Normalized, pending: readonly PendingOp[]): number {
  if (p.unsynced === 'prefix' && p.count === undefined) return pending.length + 1;
  if (p.unsynced === 'subset' && !p.keep) {
    const meta = metaIndexes(pending).length;
    return (meta + 1) * 2 ** (pending.length - meta);
  }
  return 1;
}

/** The index of the last surviving write, which a tearing crash cuts. */
export function lastKeptWrite(pending: readonly PendingOp[], kept: readonly boolean[]): number | undefined {
  for (let i = pending.length - 1; i >= 0; i--) if (kept[i] && pending[i]!.kind === 'write') return i;
  return undefined;
}

/** Builds the crash image: the synced disk plus the surviving ops, the torn one cut. */
export function crashImage(durable: Disk, pending: readonly PendingOp[], choice: CrashChoice, p: Normalized, random: Random): Disk {
  const disk = durable.clone();
  const fillBytes = (kind: 'zeros' | 'garbage', n: number) => (kind === 'zeros' ? new Uint8Array(n) : random.bytes(n));
  pending.forEach((op, i) => {
    if (choice.torn?.index === i && op.kind === 'write') {
      const cut = choice.torn.cut;
      disk.write(op.ino, op.offset, op.data.subarray(0, cut));
      const fill = p.tear?.fill ?? 'absent';
      if (fill !== 'absent') disk.write(op.ino, op.offset + cut, fillBytes(fill, op.data.byteLength - cut));
    } else if (choice.kept[i]) {
      disk.apply(op);
    } else if (op.kind === 'write' && p.grow && disk.isFile(op.ino)) {
      const size = disk.size(op.ino);
      const end = op.offset + op.data.byteLength;
      if (end > size) disk.write(op.ino, Math.max(size, op.offset), fillBytes(p.grow, end - Math.max(size, op.offset)));
    }
  });
  return disk;
}

/** `prefix: kept 2 of 4 pending ops (#3 #5), lost #7 #8, tore #5 at +3 of 10 (rest zeros)`. */
export function describeChoice(p: Normalized, pending: readonly PendingOp[], choice: CrashChoice): string {
  const kept = pending.filter((_, i) => choice.kept[i]).map((op) => `#${op.seq}`);
  const lost = pending.filter((_, i) => !choice.kept[i]).map((op) => `#${op.seq}`);
  let text = `${p.unsynced}: kept ${kept.length} of ${pending.length} pending ops`;
  if (kept.length) text += ` (${kept.join(' ')})`;
  if (lost.length) text += `, lost ${lost.join(' ')}`;
  const torn = choice.torn && pending[choice.torn.index];
  if (choice.torn && torn?.kind === 'write') {
    text += `, tore #${torn.seq} at +${choice.torn.cut} of ${torn.data.byteLength} (rest ${p.tear?.fill ?? 'absent'})`;
  }
  if (p.grow) text += `, lost appends grow the file (${p.grow})`;
  return text;
}
