/**
 * Shared pieces of the bitcask spec: the on-disk format written from the README (independently of
 * any solution), a Map model of the store, and the crash-check loop.
 */
import CRC32C from 'crc-32/crc32c';
import { expect } from 'vitest';
import { openBitcask, type Bitcask, type BitcaskOptions } from '#kata/bitcask';
import type { Random } from '#support/seed';
import { SimFs, type CrashPolicy, type DirSyncPolicy, type StoreFs, type Unsynced } from '#support/simfs';

/** CRC-32C by the `crc-32` package (signed int → unsigned): the spec does not trust the kata's own. */
export const crc32c = (data: Uint8Array) => CRC32C.buf(data, 0) >>> 0;

export const DIR = '/db';
export const HEADER = 24;
export const TOMBSTONE = 0xffffffff;
export const HINT_ENTRY = 24;
export const HINT_FOOTER = 20;
export const HINT_MAGIC = 0x46484342;

export const dataName = (id: number) => `${String(id).padStart(10, '0')}.data`;
export const hintName = (id: number) => `${String(id).padStart(10, '0')}.hint`;
export const dataPath = (id: number, dir = DIR) => `${dir}/${dataName(id)}`;
export const hintPath = (id: number, dir = DIR) => `${dir}/${hintName(id)}`;

export const text = (b: Uint8Array | undefined) => (b === undefined ? undefined : Buffer.from(b).toString('utf8'));
export const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

// ---------------------------------------------------------------------------------------------
// The README format, byte by byte
// ---------------------------------------------------------------------------------------------

/** A data file entry as the README defines it. `value === null` is a tombstone. */
export function encodeEntry(key: string | Uint8Array, value: string | Uint8Array | null, timestamp: number): Buffer {
  const k = Buffer.from(key);
  const v = value === null ? Buffer.alloc(0) : Buffer.from(value);
  const out = Buffer.alloc(HEADER + k.length + v.length);
  out.writeBigUInt64LE(BigInt(timestamp), 8);
  out.writeUInt32LE(k.length, 16);
  out.writeUInt32LE(value === null ? TOMBSTONE : v.length, 20);
  k.copy(out, HEADER);
  v.copy(out, HEADER + k.length);
  out.writeUInt32LE(crc32c(out.subarray(16, HEADER + k.length)), 4);
  out.writeUInt32LE(crc32c(out.subarray(8)), 0);
  return out;
}

export interface DecodedEntry {
  offset: number;
  size: number;
  timestamp: number;
  key: string;
  /** null for a tombstone. */
  value: string | null;
  keySize: number;
  valueSize: number;
}

/** Decodes a whole, undamaged data file; fails the test at the first byte that breaks the format. */
export function decodeEntries(data: Uint8Array, what = 'data file'): DecodedEntry[] {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const out: DecodedEntry[] = [];
  let p = 0;
  while (p < buf.length) {
    if (p + HEADER > buf.length) throw new Error(`${what}: ${buf.length - p} bytes at offset ${p} are too few for a 24-byte entry header`);
    const keySize = buf.readUInt32LE(p + 16);
    const valueSize = buf.readUInt32LE(p + 20);
    const vlen = valueSize === TOMBSTONE ? 0 : valueSize;
    const end = p + HEADER + keySize + vlen;
    if (end > buf.length) throw new Error(`${what}: the entry at offset ${p} (keySize ${keySize}, valueSize ${valueSize}) runs past the end (${buf.length} bytes)`);
    const keyCrc = crc32c(buf.subarray(p + 16, p + HEADER + keySize));
    if (keyCrc !== buf.readUInt32LE(p + 4)) {
      throw new Error(`${what}: keyCrc of the entry at offset ${p} is 0x${buf.readUInt32LE(p + 4).toString(16)}, expected CRC-32C of bytes ${p + 16}..${p + HEADER + keySize} = 0x${keyCrc.toString(16)}`);
    }
    const crc = crc32c(buf.subarray(p + 8, end));
    if (crc !== buf.readUInt32LE(p)) throw new Error(`${what}: crc of the entry at offset ${p} is 0x${buf.readUInt32LE(p).toString(16)}, expected CRC-32C of bytes ${p + 8}..${end} = 0x${crc.toString(16)}`);
    out.push({
      offset: p,
      size: end - p,
      timestamp: Number(buf.readBigUInt64LE(p + 8)),
      key: buf.subarray(p + HEADER, p + HEADER + keySize).toString('utf8'),
      value: valueSize === TOMBSTONE ? null : buf.subarray(p + HEADER + keySize, end).toString('utf8'),
      keySize,
      valueSize,
    });
    p = end;
  }
  return out;
}

export interface DecodedHint {
  entries: Array<{ timestamp: number; keySize: number; valueSize: number; offset: number; key: string }>;
  count: number;
  dataSize: number;
}

export function decodeHint(data: Uint8Array): DecodedHint {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (buf.length < HINT_FOOTER) throw new Error(`hint file: ${buf.length} bytes, shorter than its 20-byte footer`);
  const f = buf.length - HINT_FOOTER;
  const magic = buf.readUInt32LE(f);
  if (magic !== HINT_MAGIC) throw new Error(`hint file: footer magic at offset ${f} is 0x${magic.toString(16)}, expected 0x46484342 ("BCHF")`);
  const crc = crc32c(buf.subarray(0, f + 16));
  if (crc !== buf.readUInt32LE(f + 16)) throw new Error(`hint file: footer crc is 0x${buf.readUInt32LE(f + 16).toString(16)}, expected CRC-32C of bytes 0..${f + 16} = 0x${crc.toString(16)}`);
  const entries: DecodedHint['entries'] = [];
  let p = 0;
  while (p < f) {
    const keySize = buf.readUInt32LE(p + 8);
    entries.push({
      timestamp: Number(buf.readBigUInt64LE(p)),
      keySize,
      valueSize: buf.readUInt32LE(p + 12),
      offset: Number(buf.readBigUInt64LE(p + 16)),
      key: buf.subarray(p + HINT_ENTRY, p + HINT_ENTRY + keySize).toString('utf8'),
    });
    p += HINT_ENTRY + keySize;
  }
  if (p !== f) throw new Error(`hint file: the entries end at ${p}, past the footer at ${f}`);
  return { entries, count: buf.readUInt32LE(f + 4), dataSize: Number(buf.readBigUInt64LE(f + 8)) };
}

// ---------------------------------------------------------------------------------------------
// The model
// ---------------------------------------------------------------------------------------------

export type Op = { op: 'put'; key: string; value: string } | { op: 'del'; key: string };

export function apply(state: Map<string, string>, o: Op): void {
  if (o.op === 'put') state.set(o.key, o.value);
  else state.delete(o.key);
}

/** states[j] is the model after the first j ops. */
export function prefixStates(ops: readonly Op[]): Map<string, string>[] {
  const states = [new Map<string, string>()];
  for (const o of ops) {
    const next = new Map(states[states.length - 1]);
    apply(next, o);
    states.push(next);
  }
  return states;
}

/** Random puts and deletes over a few keys; values unique so every version is told apart. */
export function randomOps(random: Random, n: number, keys = 6, valueBytes: [number, number] = [1, 12]): Op[] {
  const ops: Op[] = [];
  const live = new Set<string>();
  for (let i = 0; i < n; i++) {
    const key = `k${random.int(0, keys - 1)}`;
    if (live.has(key) && random.bool(0.25)) {
      ops.push({ op: 'del', key });
      live.delete(key);
    } else {
      const value = `v${i}-`.padEnd(random.int(...valueBytes), String.fromCharCode(97 + (i % 26)));
      ops.push({ op: 'put', key, value });
      live.add(key);
    }
  }
  return ops;
}

export async function run(db: Bitcask, o: Op): Promise<void> {
  if (o.op === 'put') await db.put(o.key, o.value);
  else await db.delete(o.key);
}

/** The store's whole content as key → value text, read through keys() and get(). */
export async function dump(db: Bitcask): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const keys: string[] = [];
  for await (const k of db.keys()) keys.push(text(k)!);
  for (const k of keys.sort()) {
    expect(out.has(k), `keys() lists ${JSON.stringify(k)} twice`).toBe(false);
    const v = await db.get(k);
    expect(v, `keys() lists ${JSON.stringify(k)} but get() says it is not there`).toBeDefined();
    out.set(k, text(v)!);
  }
  return out;
}

export const show = (m: Map<string, string>) => JSON.stringify(Object.fromEntries([...m].sort(([a], [b]) => (a < b ? -1 : 1))));
export const sameState = (a: Map<string, string>, b: Map<string, string>) => show(a) === show(b);

/** Opens (on `fs`, or the real disk when undefined), dumps and closes. */
export async function stateOf(fs: StoreFs | undefined, opts: BitcaskOptions = {}, dir = DIR): Promise<Map<string, string>> {
  const db = await openBitcask(dir, fs ? { ...opts, fs } : opts);
  try {
    return await dump(db);
  } finally {
    await db.close();
  }
}

export function freshSim(seed: number, dirSync: DirSyncPolicy = 'strict'): SimFs {
  return new SimFs({ seed, dirSync });
}

/** Data file ids in the directory (of the volatile view), sorted. */
export async function dataIds(fs: StoreFs, dir = DIR): Promise<number[]> {
  return (await fs.readdir(dir)).filter((n) => /^\d{10}\.data$/.test(n)).map((n) => Number(n.slice(0, 10)));
}

// ---------------------------------------------------------------------------------------------
// Crash checking
// ---------------------------------------------------------------------------------------------

export type Policy = Unsynced | CrashPolicy;

export const describePolicy = (p: Policy) => (typeof p === 'string' ? p : JSON.stringify(p));

/**
 * After a crash: opens the store, checks that what it holds is the model after the first j ops for
 * some j in [acked, maxIssued] (every acknowledged op there, nothing invented, no deleted key back),
 * then puts one more key, closes, and checks a second open sees exactly the same plus that key
 * (recovery is idempotent and appends after it survive). Returns a problem description or ''.
 */
export async function checkRecovery(
  sim: SimFs,
  states: readonly Map<string, string>[],
  acked: number,
  maxIssued: number,
  opts: BitcaskOptions = {},
): Promise<string> {
  let got: Map<string, string>;
  const db = await openBitcask(DIR, { ...opts, fs: sim.fs });
  try {
    got = await dump(db);
    await db.put('after-recovery', 'post');
  } finally {
    await db.close();
  }
  const allowed = states.slice(acked, maxIssued + 1);
  if (!allowed.some((s) => sameState(s, got))) {
    const lines = allowed.map((s, i) => `  after ${acked + i} ops: ${show(s)}`).join('\n');
    return `recovered ${show(got)}\n  but ${acked} ops were acknowledged; allowed states:\n${lines}`;
  }
  const again = await stateOf(sim.fs, opts);
  const want = new Map(got).set('after-recovery', 'post');
  if (!sameState(again, want)) return `a second open after recovery and one put gave ${show(again)}, expected ${show(want)}`;
  return '';
}
