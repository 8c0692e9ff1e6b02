/**
 * Shared pieces of the word-dictionary spec: the shipped word list (its JSON twin is the oracle
 * for what the CSV holds), the README's log format decoded independently of any solution, and a
 * Map model driven by random operations.
 */
import CRC32C from 'crc-32/crc32c';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { Random } from '#support/seed';

/** CRC-32C by the `crc-32` package: the spec does not trust the kata's own. */
export const crc32c = (data: Uint8Array, seed = 0) => CRC32C.buf(data, seed) >>> 0;

export const FIXTURE_CSV = fileURLToPath(new URL('./fixtures/words.csv', import.meta.url));
/** The same list as JSON (written by the same generator): what the CSV must read as. */
export const FIXTURE_WORDS: Array<[string, string]> = JSON.parse(readFileSync(new URL('./fixtures/words.json', import.meta.url), 'utf8'));

export const DIR = '/dict';
export const LOG = `${DIR}/words.log`;

/** One log record, as the README defines it (framed: u32 length, u32 CRC-32C, payload). */
export function encodeRecord(word: string, meaning: string | null): Buffer {
  const w = Buffer.from(word, 'utf8');
  const m = Buffer.from(meaning ?? '', 'utf8');
  const payload = Buffer.alloc(5 + w.length + m.length);
  payload[0] = meaning === null ? 0x44 : 0x50;
  payload.writeUInt32LE(w.length, 1);
  w.copy(payload, 5);
  m.copy(payload, 5 + w.length);
  const len = Buffer.alloc(4);
  len.writeUInt32LE(payload.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32LE(crc32c(payload, CRC32C.buf(len, 0)));
  return Buffer.concat([len, crc, payload]);
}

export interface Decoded {
  offset: number;
  size: number;
  kind: 'put' | 'delete';
  word: string;
  meaning: string;
}

/** Decodes a whole, undamaged log; fails the test at the first byte that breaks the format. */
export function decodeLog(data: Uint8Array): Decoded[] {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const out: Decoded[] = [];
  for (let p = 0; p < buf.length; ) {
    if (p + 8 > buf.length) throw new Error(`log: ${buf.length - p} bytes at offset ${p} are too few for a record header`);
    const len = buf.readUInt32LE(p);
    if (p + 8 + len > buf.length) throw new Error(`log: the record at ${p} (payload ${len} bytes) runs past the end (${buf.length})`);
    const payload = buf.subarray(p + 8, p + 8 + len);
    const crc = crc32c(payload, CRC32C.buf(buf.subarray(p, p + 4), 0));
    if (crc !== buf.readUInt32LE(p + 4)) throw new Error(`log: CRC of the record at ${p} is 0x${buf.readUInt32LE(p + 4).toString(16)}, expected 0x${crc.toString(16)}`);
    const kind = payload[0] === 0x50 ? 'put' : payload[0] === 0x44 ? 'delete' : undefined;
    if (!kind) throw new Error(`log: record at ${p} has kind byte 0x${payload[0]?.toString(16)}, expected 0x50 or 0x44`);
    const wl = payload.readUInt32LE(1);
    out.push({ offset: p, size: 8 + len, kind, word: payload.subarray(5, 5 + wl).toString('utf8'), meaning: payload.subarray(5 + wl).toString('utf8') });
    p += 8 + len;
  }
  return out;
}

export type Op = { op: 'put'; word: string; meaning: string } | { op: 'delete'; word: string } | { op: 'get'; word: string };

/** The common surface of both dictionaries. */
export interface Dict {
  get(word: string): Promise<string | undefined>;
  put(word: string, meaning: string): Promise<void>;
  delete(word: string): Promise<boolean>;
  words(): Promise<string[]>;
  readonly size: number;
  close(): Promise<void>;
}

/** Runs `ops` on `dict` and on a Map, checking every answer against the model. */
export async function runAgainstModel(dict: Dict, model: Map<string, string>, ops: readonly Op[]): Promise<void> {
  for (const [i, o] of ops.entries()) {
    const where = `op ${i} ${JSON.stringify(o)}`;
    if (o.op === 'put') {
      await dict.put(o.word, o.meaning);
      model.set(o.word, o.meaning);
    } else if (o.op === 'delete') {
      expect(await dict.delete(o.word), where).toBe(model.delete(o.word));
    } else {
      expect(await dict.get(o.word), where).toBe(model.get(o.word));
    }
    expect(dict.size, where).toBe(model.size);
  }
}

/** Every word in the model answers the same, absent words are absent, and the word sets match. */
export async function expectSameAs(dict: Dict, model: ReadonlyMap<string, string>, context = ''): Promise<void> {
  expect(await dict.words(), context).toEqual([...model.keys()].sort());
  expect(dict.size, context).toBe(model.size);
  for (const [w, m] of model) expect(await dict.get(w), `${context} get(${JSON.stringify(w)})`).toBe(m);
}

const WORDS = ['apple', 'café', '中文', '🙂', 'a,b', 'say "hi"', 'line\nbreak', 'x'];

/** Random ops over a small vocabulary (so words are overwritten and deleted often). */
export function randomOps(random: Random, n: number): Op[] {
  const ops: Op[] = [];
  for (let i = 0; i < n; i++) {
    const word = WORDS[random.int(0, WORDS.length - 1)]!;
    const r = random.int(0, 9);
    if (r < 5) ops.push({ op: 'put', word, meaning: `${word} #${i}${r === 0 ? ', with "quotes"\r\nand lines' : ''}` });
    else if (r < 7) ops.push({ op: 'delete', word });
    else ops.push({ op: 'get', word });
  }
  return ops;
}
