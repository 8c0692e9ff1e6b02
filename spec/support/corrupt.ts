/**
 * Corruptors for a SimFs disk: bit rot and misdirected (stale) writes, applied to synced data only
 * (the bytes a store believes durable), seeded by the sim's Random unless one is given.
 *
 * Both go through `sim.damage`, which changes the durable image and the page cache alike and shows
 * up in the op trace, so a failure message says what was corrupted where.
 */
import type { Random } from './seed.ts';
import { SimFsUsageError, type SimFs } from './simfs/index.ts';

export interface ByteRange {
  /** First byte (default 0). */
  from?: number;
  /** One past the last byte (default: the synced size of the file). */
  to?: number;
}

export interface BitFlip {
  /** Byte offset in the file. */
  offset: number;
  /** Bit 0 (least significant) to 7. */
  bit: number;
  before: number;
  after: number;
}

/** Flips one seeded bit inside `range` of the file's synced content. */
export function flipBit(sim: SimFs, file: string, range: ByteRange = {}, random: Random = sim.random): BitFlip {
  const data = sim.peekDurable(file);
  if (!data) throw new SimFsUsageError(`flipBit: ${file} is not a file`);
  const from = range.from ?? 0;
  const to = range.to ?? data.byteLength;
  if (!(Number.isInteger(from) && Number.isInteger(to) && 0 <= from && from < to && to <= data.byteLength)) {
    throw new SimFsUsageError(`flipBit: range [${from}, ${to}) is empty or outside the ${data.byteLength} synced bytes of ${file}`);
  }
  const offset = random.int(from, to - 1);
  const bit = random.int(0, 7);
  const before = data[offset]!;
  const after = before ^ (1 << bit);
  sim.damage(file, offset, Uint8Array.of(after), `bit rot: bit ${bit} of byte ${offset} (0x${hex(before)} → 0x${hex(after)})`);
  return { offset, bit, before, after };
}

export interface Misdirect {
  /** Where the copied bytes come from (default: the file itself). */
  source?: string;
  /** Source offset. */
  from: number;
  length: number;
  /** Destination offset in `file`. */
  to: number;
}

/**
 * A misdirected or stale write: `length` synced bytes from `source` (default `file`) at `from`
 * land over `file` at `to`, e.g. a valid record copied into another record's slot. Both ranges
 * must lie inside synced data.
 */
export function misdirectWrite(sim: SimFs, file: string, m: Misdirect): void {
  const source = m.source ?? file;
  const data = sim.peekDurable(source);
  if (!data) throw new SimFsUsageError(`misdirectWrite: ${source} is not a file`);
  if (!(Number.isInteger(m.from) && Number.isInteger(m.length) && m.from >= 0 && m.length > 0 && m.from + m.length <= data.byteLength)) {
    throw new SimFsUsageError(`misdirectWrite: source bytes [${m.from}, ${m.from + m.length}) are outside the ${data.byteLength} synced bytes of ${source}`);
  }
  const bytes = data.slice(m.from, m.from + m.length);
  sim.damage(file, m.to, bytes, `misdirected write: ${m.length} bytes from ${source}@${m.from}`);
}

const hex = (n: number) => n.toString(16).padStart(2, '0');
