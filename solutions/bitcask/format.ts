/**
 * The on-disk format of the reference Bitcask: data file entries, hint files, and the scan that
 * rebuilds a keydir from a data file (README: "The on-disk format").
 *
 * Data file entry (all integers little-endian):
 *
 *   0   u32  crc        CRC-32C of bytes 8 .. end of entry (timestamp, sizes, key, value)
 *   4   u32  keyCrc     CRC-32C of bytes 16 .. 24 + keySize (the two sizes and the key)
 *   8   u64  timestamp  logical clock, strictly increasing within a store
 *   16  u32  keySize
 *   20  u32  valueSize  0xFFFFFFFF marks a tombstone (a delete): no value bytes follow
 *   24  key, then value
 *
 * Two checksums, because they answer two questions. `crc` says "this whole entry is what was
 * written"; get() checks it. `keyCrc` says "these sizes and this key are right", which is what a
 * scan needs to step to the next entry and to know whose entry this is, even when the value is
 * damaged. Neither covers the other's field, so damage to one checksum field is caught by the other.
 */
import { crc32c } from '../checksum/index.ts';

export const HEADER_SIZE = 24;
/** valueSize of a tombstone. */
export const TOMBSTONE = 0xffffffff;
export const MAX_KEY_SIZE = 64 * 1024;
export const MAX_VALUE_SIZE = 64 * 1024 * 1024;

/** Hint file entry: u64 timestamp, u32 keySize, u32 valueSize, u64 entry offset, key. */
export const HINT_ENTRY_SIZE = 24;
/** Hint file footer: u32 magic, u32 entry count, u64 data file size, u32 CRC-32C of all bytes before it. */
export const HINT_FOOTER_SIZE = 20;
/** "BCHF" read as a little-endian u32. */
export const HINT_MAGIC = 0x46484342;

/** Bytes of value an entry with this valueSize carries. */
export function valueLength(valueSize: number): number {
  return valueSize === TOMBSTONE ? 0 : valueSize;
}

function setU64(view: DataView, at: number, n: number): void {
  view.setUint32(at, n >>> 0, true);
  view.setUint32(at + 4, Math.floor(n / 2 ** 32), true);
}

function getU64(view: DataView, at: number): number {
  return view.getUint32(at, true) + view.getUint32(at + 4, true) * 2 ** 32;
}

const viewOf = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);

/** One entry, ready to append. `value === null` encodes a tombstone. */
export function encodeEntry(key: Uint8Array, value: Uint8Array | null, timestamp: number): Uint8Array {
  const out = new Uint8Array(HEADER_SIZE + key.length + (value?.length ?? 0));
  const view = viewOf(out);
  setU64(view, 8, timestamp);
  view.setUint32(16, key.length, true);
  view.setUint32(20, value ? value.length : TOMBSTONE, true);
  out.set(key, HEADER_SIZE);
  if (value) out.set(value, HEADER_SIZE + key.length);
  view.setUint32(4, crc32c(out.subarray(16, HEADER_SIZE + key.length)), true);
  view.setUint32(0, crc32c(out.subarray(8)), true);
  return out;
}

/** What a verified read of one entry found wrong, or undefined when it is whole and is `key`'s. */
export function entryProblem(entry: Uint8Array, key: Uint8Array, timestamp: number): string | undefined {
  if (entry.length < HEADER_SIZE) return 'the entry is cut short';
  const view = viewOf(entry);
  if (crc32c(entry.subarray(8)) !== view.getUint32(0, true)) return 'checksum mismatch';
  const keySize = view.getUint32(16, true);
  const valueSize = view.getUint32(20, true);
  if (keySize !== key.length || HEADER_SIZE + keySize + valueLength(valueSize) !== entry.length) return 'the entry sizes do not match the keydir';
  if (valueSize === TOMBSTONE) return 'the keydir points at a tombstone';
  if (!equalBytes(entry.subarray(HEADER_SIZE, HEADER_SIZE + keySize), key)) return 'the entry holds another key';
  if (getU64(view, 8) !== timestamp) return 'the entry holds another version of the key';
  return undefined;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

// ---------------------------------------------------------------------------------------------
// The scan
// ---------------------------------------------------------------------------------------------

/** An entry found by the scan: where it is and what it says. */
export interface ScannedEntry {
  key: Uint8Array;
  offset: number;
  size: number;
  timestamp: number;
  tombstone: boolean;
  /** Both checksums hold: the timestamp can be trusted (damaged entries still name their key). */
  verified: boolean;
}

export interface ScanResult {
  entries: ScannedEntry[];
  /** Where the file's good bytes end: its length, or where a torn tail starts (newest file only). */
  end: number;
}

/** A data file entry that cannot be attributed to a key, or damage in a file that cannot be torn. */
export class ScanDamage extends Error {
  constructor(
    readonly offset: number,
    readonly detail: string,
  ) {
    super(detail);
  }
}

/** CRC-32C of (keySize, valueSize, key) for candidate sizes, the key taken from the file. */
function keyCrcOf(data: Uint8Array, p: number, keySize: number, valueSize: number): number {
  const sizes = new Uint8Array(8);
  const v = viewOf(sizes);
  v.setUint32(0, keySize, true);
  v.setUint32(4, valueSize, true);
  return crc32c(data.subarray(p + HEADER_SIZE, p + HEADER_SIZE + keySize), crc32c(sizes));
}

/** CRC-32C of (timestamp, keySize, valueSize, key, value) for candidate sizes. */
function entryCrcOf(data: Uint8Array, p: number, keySize: number, valueSize: number): number {
  const head = new Uint8Array(16);
  head.set(data.subarray(p + 8, p + 16));
  const v = viewOf(head);
  v.setUint32(8, keySize, true);
  v.setUint32(12, valueSize, true);
  return crc32c(data.subarray(p + HEADER_SIZE, p + HEADER_SIZE + keySize + valueLength(valueSize)), crc32c(head));
}

const plausible = (keySize: number, valueSize: number) => keySize <= MAX_KEY_SIZE && (valueSize <= MAX_VALUE_SIZE || valueSize === TOMBSTONE);

/** True when a whole, valid entry (both checksums) starts at p. */
function wholeEntryAt(data: Uint8Array, view: DataView, p: number): boolean {
  if (p + HEADER_SIZE > data.length) return false;
  const keySize = view.getUint32(p + 16, true);
  const valueSize = view.getUint32(p + 20, true);
  if (!plausible(keySize, valueSize) || p + HEADER_SIZE + keySize + valueLength(valueSize) > data.length) return false;
  return keyCrcOf(data, p, keySize, valueSize) === view.getUint32(p + 4, true) && entryCrcOf(data, p, keySize, valueSize) === view.getUint32(p, true);
}

/** Resync: the first offset >= from where a whole entry starts, or -1. */
function nextWholeEntry(data: Uint8Array, view: DataView, from: number): number {
  for (let q = from; q + HEADER_SIZE <= data.length; q++) if (wholeEntryAt(data, view, q)) return q;
  return -1;
}

/**
 * The damaged entry that fills exactly [p, end): whose is it? The sizes cannot be trusted, but the
 * length is known, so try the stored sizes, then each size repaired from the other and the
 * length. A candidate counts when either checksum confirms it. Undefined: nobody can tell.
 */
function attribute(data: Uint8Array, view: DataView, p: number, end: number): ScannedEntry | undefined {
  if (p + HEADER_SIZE > end) return undefined;
  const body = end - p - HEADER_SIZE;
  const keySize = view.getUint32(p + 16, true);
  const valueSize = view.getUint32(p + 20, true);
  const candidates: Array<[number, number]> = [[keySize, valueSize]];
  if (keySize <= body) candidates.push([keySize, body - keySize]);
  if (keySize === body) candidates.push([keySize, TOMBSTONE]);
  if (valueLength(valueSize) <= body) candidates.push([body - valueLength(valueSize), valueSize]);
  for (const [k, v] of candidates) {
    if (k > MAX_KEY_SIZE || k + valueLength(v) !== body) continue;
    const keyOk = keyCrcOf(data, p, k, v) === view.getUint32(p + 4, true);
    const entryOk = entryCrcOf(data, p, k, v) === view.getUint32(p, true);
    if (keyOk || entryOk) {
      const key = data.slice(p + HEADER_SIZE, p + HEADER_SIZE + k);
      return { key, offset: p, size: end - p, timestamp: getU64(view, p + 8), tombstone: v === TOMBSTONE, verified: false };
    }
  }
  return undefined;
}

/**
 * Walks one data file from the start.
 *
 * - A whole entry: taken.
 * - Sizes and key confirmed by keyCrc but the entry checksum fails: a damaged value. The entry is
 *   still this key's latest version, so it goes into the keydir and get() reports it.
 * - keyCrc fails: the sizes are not to be trusted, so do not follow them. Resync: look for the next
 *   whole entry byte by byte, then attribute the damaged bytes in between (see `attribute`).
 * - Damage that runs to the end of the file: in the newest file that is the torn last write of a
 *   crash, cut off (`end`). In any other file (synced before it was sealed) it is damage.
 *
 * Throws ScanDamage for damage that cannot be attributed to a key.
 */
export function scanDataFile(data: Uint8Array, newest: boolean): ScanResult {
  const view = viewOf(data);
  const entries: ScannedEntry[] = [];
  let p = 0;
  while (p < data.length) {
    if (p + HEADER_SIZE <= data.length) {
      const keySize = view.getUint32(p + 16, true);
      const valueSize = view.getUint32(p + 20, true);
      const keyEnd = p + HEADER_SIZE + keySize;
      if (plausible(keySize, valueSize) && keyEnd <= data.length && keyCrcOf(data, p, keySize, valueSize) === view.getUint32(p + 4, true)) {
        const end = keyEnd + valueLength(valueSize);
        if (end <= data.length) {
          const verified = entryCrcOf(data, p, keySize, valueSize) === view.getUint32(p, true);
          // The last entry of the newest file with a bad value: the torn last write of a crash.
          // (Bit rot there looks the same; nobody can tell the two apart.)
          if (!verified && newest && end === data.length) return { entries, end: p };
          const key = data.slice(p + HEADER_SIZE, keyEnd);
          entries.push({ key, offset: p, size: end - p, timestamp: getU64(view, p + 8), tombstone: valueSize === TOMBSTONE, verified });
          p = end;
          continue;
        }
      }
    }
    // The header is damaged, or the entry runs past the end of the file.
    const next = nextWholeEntry(data, view, p + 1);
    if (next === -1 && newest) return { entries, end: p };
    const end = next === -1 ? data.length : next;
    const damaged = attribute(data, view, p, end);
    if (!damaged) {
      throw new ScanDamage(p, next === -1 ? 'the file ends inside a damaged entry' : `a damaged entry (${end - p} bytes) whose key cannot be told`);
    }
    entries.push(damaged);
    p = end;
  }
  return { entries, end: data.length };
}

// ---------------------------------------------------------------------------------------------
// Hint files
// ---------------------------------------------------------------------------------------------

/** What a hint entry says: where a key's entry is in the merged data file. */
export interface HintEntry {
  key: Uint8Array;
  timestamp: number;
  valueSize: number;
  offset: number;
}

/** A whole hint file: entries, then the footer that seals them. */
export function encodeHint(entries: readonly HintEntry[], dataSize: number): Uint8Array {
  let size = HINT_FOOTER_SIZE;
  for (const e of entries) size += HINT_ENTRY_SIZE + e.key.length;
  const out = new Uint8Array(size);
  const view = viewOf(out);
  let p = 0;
  for (const e of entries) {
    setU64(view, p, e.timestamp);
    view.setUint32(p + 8, e.key.length, true);
    view.setUint32(p + 12, e.valueSize, true);
    setU64(view, p + 16, e.offset);
    out.set(e.key, p + HINT_ENTRY_SIZE);
    p += HINT_ENTRY_SIZE + e.key.length;
  }
  view.setUint32(p, HINT_MAGIC, true);
  view.setUint32(p + 4, entries.length, true);
  setU64(view, p + 8, dataSize);
  view.setUint32(p + 16, crc32c(out.subarray(0, p + 16)), true);
  return out;
}

/**
 * The entries of a hint file, or undefined when it cannot be trusted: too short, no footer at the
 * very end, checksum mismatch, written for a data file of another size, entries that do not add
 * up to the footer, or an entry pointing outside the data file. The caller then scans the data file.
 */
export function decodeHint(hint: Uint8Array, dataSize: number): HintEntry[] | undefined {
  if (hint.length < HINT_FOOTER_SIZE) return undefined;
  const view = viewOf(hint);
  const f = hint.length - HINT_FOOTER_SIZE;
  if (view.getUint32(f, true) !== HINT_MAGIC) return undefined;
  if (crc32c(hint.subarray(0, f + 16)) !== view.getUint32(f + 16, true)) return undefined;
  if (getU64(view, f + 8) !== dataSize) return undefined;
  const entries: HintEntry[] = [];
  let p = 0;
  while (p < f) {
    if (p + HINT_ENTRY_SIZE > f) return undefined;
    const keySize = view.getUint32(p + 8, true);
    const valueSize = view.getUint32(p + 12, true);
    const offset = getU64(view, p + 16);
    if (p + HINT_ENTRY_SIZE + keySize > f || valueSize === TOMBSTONE) return undefined;
    if (offset + HEADER_SIZE + keySize + valueSize > dataSize) return undefined;
    entries.push({ key: hint.slice(p + HINT_ENTRY_SIZE, p + HINT_ENTRY_SIZE + keySize), timestamp: getU64(view, p), valueSize, offset });
    p += HINT_ENTRY_SIZE + keySize;
  }
  return entries.length === view.getUint32(f + 4, true) ? entries : undefined;
}
