/**
 * Shared by the durable-log spec files: protobufjs loaded from record.proto (the oracle for the
 * record format), an independent reader of the segment files (README "On disk", CRC-32C from the
 * `crc-32` package, payloads decoded by protobufjs), the expected index of a segment, workloads
 * and the recovery checks of FAULTS.md.
 */
import { fileURLToPath } from 'node:url';
import CRC32C from 'crc-32/crc32c';
import protobuf from 'protobufjs';
import { openLog, type DurableLog, type LogOptions, type LogRecord } from '#kata/durable-log';
import { fc } from '#support/property';
import type { StoreFs } from '#support/simfs/index';

export const DIR = '/log';
export const PROTO = fileURLToPath(new URL('./record.proto', import.meta.url));
const root = protobuf.loadSync(PROTO);
export const RecordType = root.lookupType('durablelog.Record');
export const RecordV2Type = root.lookupType('durablelog.RecordV2');

export const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const enc = new TextEncoder();
export const bytes = (s: string) => enc.encode(s);
export const text = (b: Uint8Array) => new TextDecoder().decode(b);
export const crc32c = (data: Uint8Array) => CRC32C.buf(data, 0) >>> 0;

/** `/log/00000000000000000000.log` */
export const logFile = (base: number | bigint, dir = DIR) => `${dir}/${String(base).padStart(20, '0')}.log`;
export const indexFile = (base: number | bigint, dir = DIR) => `${dir}/${String(base).padStart(20, '0')}.index`;

/** A record as plain comparable data: bigints as strings, bytes as hex, headers sorted. */
export interface Plain {
  offset: string;
  timestamp: string;
  key: string;
  value: string;
  headers: Array<[string, string]>;
}

export function plain(r: LogRecord): Plain {
  return {
    offset: String(r.offset),
    timestamp: String(r.timestamp),
    key: hex(r.key),
    value: hex(r.value),
    headers: Object.entries(r.headers).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  };
}

/** protobufjs's decoding of `buf` as a Record, as plain data. */
export function pbDecode(buf: Uint8Array): Plain {
  const o = RecordType.toObject(RecordType.decode(buf), { longs: String, defaults: true }) as {
    offset: string;
    timestamp: string;
    key: Uint8Array;
    value: Uint8Array;
    headers: Record<string, string>;
  };
  return plain({ offset: BigInt(o.offset), timestamp: BigInt(o.timestamp), key: o.key, value: o.value, headers: o.headers ?? {} });
}

/** protobufjs's encoding of a record, only non-default fields set (proto3's canonical bytes). */
export function pbEncode(r: LogRecord, type = RecordType, extra: Record<string, unknown> = {}): Uint8Array {
  const o: Record<string, unknown> = { ...extra };
  if (r.offset !== 0n) o.offset = r.offset.toString();
  if (r.timestamp !== 0n) o.timestamp = r.timestamp.toString();
  if (r.key.length > 0) o.key = r.key;
  if (r.value.length > 0) o.value = r.value;
  if (Object.keys(r.headers).length > 0) o.headers = r.headers;
  return type.encode(type.fromObject(o)).finish();
}

const UINT64_MAX = (1n << 64n) - 1n;
const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

/** uint64 values with the 7-bit group boundaries over-represented (127, 128, 2^14 - 1, 2^14, ...). */
export const uint64 = fc.oneof(
  fc.bigInt({ min: 0n, max: UINT64_MAX }),
  fc.integer({ min: 1, max: 9 }).chain((k) => fc.constantFrom((1n << BigInt(7 * k)) - 1n, 1n << BigInt(7 * k))),
  fc.bigInt({ min: 0n, max: 300n }),
);
export const int64 = fc.oneof(fc.bigInt({ min: INT64_MIN, max: INT64_MAX }), fc.bigInt({ min: -300n, max: 300n }), fc.constantFrom(INT64_MIN, INT64_MAX, -1n));
const headerKey = fc.string({ unit: 'grapheme', maxLength: 8 }).filter((k) => k !== '__proto__');
export const headers = fc.dictionary(headerKey, fc.string({ unit: 'grapheme', maxLength: 12 }), { maxKeys: 4 });

export const record: fc.Arbitrary<LogRecord> = fc.record({
  offset: uint64,
  timestamp: int64,
  key: fc.uint8Array({ maxLength: 40 }),
  value: fc.oneof(fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ minLength: 120, maxLength: 300 })),
  headers,
});

// ---------------------------------------------------------------------------------------------
// The segment files
// ---------------------------------------------------------------------------------------------

export interface DiskFrame {
  position: number;
  size: number;
  record: Plain;
}

/** Reads a varint from the README's frame (an independent decoder for the spec). */
function readVarint(buf: Uint8Array, at: number): { value: number; bytes: number } {
  let value = 0;
  for (let i = 0; i < 5; i++) {
    if (at + i >= buf.length) throw new Error(`segment: length varint at ${at} runs off the end`);
    const b = buf[at + i]!;
    value += (b & 0x7f) * 2 ** (7 * i);
    if ((b & 0x80) === 0) return { value, bytes: i + 1 };
  }
  throw new Error(`segment: length varint at ${at} is longer than 5 bytes`);
}

/** Decodes a whole .log file by the README's format; throws on anything that does not fit exactly. */
export function parseLog(file: Uint8Array): DiskFrame[] {
  const out: DiskFrame[] = [];
  for (let at = 0; at < file.length; ) {
    if (at + 5 > file.length) throw new Error(`segment: ${file.length - at} stray bytes at position ${at}`);
    const len = readVarint(file, at + 4);
    const size = 4 + len.bytes + len.value;
    if (at + size > file.length) throw new Error(`segment: frame at ${at} claims ${len.value} payload bytes, the file ends first`);
    const stored = new DataView(file.buffer, file.byteOffset + at, 4).getUint32(0, true);
    const want = crc32c(file.subarray(at + 4, at + size));
    if (stored !== want) throw new Error(`segment: frame at ${at} stores CRC ${stored.toString(16)}, CRC-32C of its length and payload is ${want.toString(16)}`);
    out.push({ position: at, size, record: pbDecode(file.subarray(at + 4 + len.bytes, at + size)) });
    at += size;
  }
  return out;
}

/** The index the README prescribes for a segment's frames: an entry each time `interval` bytes passed. */
export function expectedIndex(frames: DiskFrame[], base: bigint, interval: number): Uint8Array {
  const entries: Array<[number, number]> = [];
  let last = 0;
  for (const f of frames) {
    if (f.position > 0 && f.position - last >= interval) {
      entries.push([Number(BigInt(f.record.offset) - base), f.position]);
      last = f.position;
    }
  }
  const out = new Uint8Array(entries.length * 8);
  const view = new DataView(out.buffer);
  entries.forEach(([rel, pos], i) => {
    view.setUint32(i * 8, rel, false);
    view.setUint32(i * 8 + 4, pos, false);
  });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Workloads and recovery checks
// ---------------------------------------------------------------------------------------------

/** The value of workload append i (0-based): 1 to ~60 bytes, told apart by content. */
export function value(i: number): Uint8Array {
  return bytes(`v${i}:${'abcdefghij'.repeat(6).slice(0, (i * 11) % 57)}`);
}

/** What workload append i must come back as (on a fresh log, its offset is i). */
export function expected(i: number): string {
  return `${i}:k${i % 3}:${text(value(i))}`;
}

/** Records as `offset:key:value` strings: easy to compare and to print. */
export function texts(records: LogRecord[]): string[] {
  return records.map((r) => `${r.offset}:${text(r.key)}:${text(r.value)}`);
}

export async function readAll(log: DurableLog, from = 0n): Promise<string[]> {
  return texts(await log.read(from));
}

export interface Workload {
  appends: number;
  /** flush() after every `flushEvery` appends. */
  flushEvery: number;
  segmentBytes: number;
  indexIntervalBytes: number;
}

/**
 * Appends value(0 .. appends-1) to a fresh log, flushing every `flushEvery`, and records in
 * `durable` how many appends the last resolved flush covered.
 */
export async function runWorkload(fs: StoreFs, w: Workload, durable: { count: number }): Promise<void> {
  const log = await openLog(DIR, { fs, segmentBytes: w.segmentBytes, indexIntervalBytes: w.indexIntervalBytes });
  for (let i = 0; i < w.appends; i++) {
    await log.append({ key: bytes(`k${i % 3}`), value: value(i), timestamp: BigInt(1_700_000_000_000 + i), headers: i % 4 === 0 ? { n: String(i) } : {} });
    if ((i + 1) % w.flushEvery === 0) {
      await log.flush();
      durable.count = i + 1;
    }
  }
  await log.close();
  durable.count = w.appends;
}

/** Throws unless `records` are appends 0..n-1 of the workload in order. */
export function assertPrefix(records: string[], what: string): void {
  records.forEach((r, k) => {
    if (r !== expected(k)) throw new Error(`${what}: record ${k} is ${JSON.stringify(r)}, expected ${JSON.stringify(expected(k))}: not a prefix of the appends issued`);
  });
}

/** The base offsets of the segments in `dir`, from the file names. */
export async function bases(fs: StoreFs, dir = DIR): Promise<bigint[]> {
  return (await fs.readdir(dir)).filter((n) => n.endsWith('.log')).map((n) => BigInt(n.slice(0, 20)));
}

/**
 * Every .index file is exactly the index of its .log (the log is read independently). Call on a
 * log that is open or was closed: the active segment's index must have been rebuilt by recovery.
 */
export async function assertIndexesMatch(peek: (path: string) => Uint8Array | undefined, fs: StoreFs, interval: number, what: string): Promise<void> {
  for (const base of await bases(fs)) {
    const frames = parseLog(peek(logFile(base)) ?? new Uint8Array(0));
    const want = hex(expectedIndex(frames, base, interval));
    const got = peek(indexFile(base));
    if (got === undefined || hex(got) !== want) {
      throw new Error(`${what}: ${indexFile(base)} is ${got === undefined ? 'missing' : hex(got) || '(empty)'}, the index of its log is ${want || '(empty)'}: the index was not rebuilt from the log`);
    }
  }
}

/**
 * Recovers a crashed disk and checks: open succeeds; what comes back is a prefix of the appends
 * issued with every flushed one; reading from every offset agrees (the index leads to the right
 * record); the next append gets the next offset and is there after a reopen.
 */
export async function checkRecovery(fs: StoreFs, opts: LogOptions, mustHave: number, what: string): Promise<string[]> {
  const log = await openLog(DIR, { ...opts, fs });
  let records: string[];
  try {
    records = await readAll(log);
    assertPrefix(records, what);
    if (records.length < mustHave) throw new Error(`${what}: ${mustHave} appends were flushed but only ${records.length} came back`);
    if (log.nextOffset !== BigInt(records.length)) throw new Error(`${what}: ${records.length} records recovered but nextOffset is ${log.nextOffset}`);
    for (let from = 1; from < records.length; from += 3) {
      const got = texts(await log.read(BigInt(from), 2));
      if (got.join('|') !== records.slice(from, from + 2).join('|')) throw new Error(`${what}: read(${from}, 2) gave ${JSON.stringify(got)}`);
    }
    const off = await log.append({ key: bytes('after'), value: bytes('recovery') });
    if (off !== BigInt(records.length)) throw new Error(`${what}: the first append after recovering ${records.length} records got offset ${off}`);
  } finally {
    await log.close().catch(() => undefined);
  }
  const again = await openLog(DIR, { ...opts, fs });
  const after = await readAll(again);
  await again.close();
  const want = [...records, `${records.length}:after:recovery`];
  if (after.join('|') !== want.join('|')) throw new Error(`${what}: after recovery and one append, a reopen read ${after.length} records, expected ${want.length}`);
  return records;
}

/**
 * The error a promise rejects with, or a string saying what it resolved to. Assert on this, not
 * on `.rejects`: a failure report must not carry a raw BigInt, which the reporter cannot serialize.
 */
export async function settle(p: Promise<unknown> | (() => Promise<unknown> | unknown)): Promise<unknown> {
  try {
    const v = await (typeof p === 'function' ? p() : p);
    return `resolved to ${typeof v === 'bigint' ? `${v}n` : Array.isArray(v) ? `an array of ${v.length}` : String(v)}`;
  } catch (err) {
    return err;
  }
}
