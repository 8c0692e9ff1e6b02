/**
 * The log's record format (README: "The log format").
 *
 * Each record is the checksum kata's framed record:
 *
 *   0   u32 LE  length     of the payload
 *   4   u32 LE  crc        CRC-32C of the 4 length bytes, continued over the payload
 *   8   payload:
 *         u8      kind      0x50 'P' put, 0x44 'D' delete (a tombstone)
 *         u32 LE  wordSize  bytes of the word
 *         word    UTF-8
 *         meaning UTF-8, the rest of the payload (a delete has none)
 */
import { crc32c, encodeRecord } from '../checksum/index.ts';

export const FRAME_HEADER = 8;
export const KIND_PUT = 0x50;
export const KIND_DELETE = 0x44;
/** kind + wordSize. */
const PAYLOAD_HEADER = 5;
/** Words and meanings are small: a length beyond this is damage, not data. */
export const MAX_PAYLOAD = 16 * 1024 * 1024;

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder('utf-8', { fatal: true });

export interface LogRecord {
  kind: typeof KIND_PUT | typeof KIND_DELETE;
  word: string;
  /** '' for a delete. */
  meaning: string;
  /** The whole record: frame header and payload. */
  size: number;
}

/** The bytes of one record, ready to append. `meaning === null` encodes a delete. */
export function encodeLogRecord(word: string, meaning: string | null): Uint8Array {
  const w = utf8.encode(word);
  const m = meaning === null ? new Uint8Array(0) : utf8.encode(meaning);
  const payload = new Uint8Array(PAYLOAD_HEADER + w.length + m.length);
  payload[0] = meaning === null ? KIND_DELETE : KIND_PUT;
  new DataView(payload.buffer).setUint32(1, w.length, true);
  payload.set(w, PAYLOAD_HEADER);
  payload.set(m, PAYLOAD_HEADER + w.length);
  return encodeRecord(payload);
}

/**
 * Reads the record at `p`: the record, or a string saying why there is no whole, valid one there
 * ('truncated' when the bytes run out first).
 */
export function readLogRecord(data: Uint8Array, p: number): LogRecord | string {
  if (p + FRAME_HEADER > data.length) return 'truncated';
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const length = view.getUint32(p, true);
  if (length > MAX_PAYLOAD) return `implausible length ${length}`;
  const end = p + FRAME_HEADER + length;
  if (end > data.length) return 'truncated';
  const payload = data.subarray(p + FRAME_HEADER, end);
  // The checksum covers the length field too, so a damaged length is caught here as well.
  if (crc32c(payload, crc32c(data.subarray(p, p + 4))) !== view.getUint32(p + 4, true)) return 'checksum mismatch';
  if (payload.length < PAYLOAD_HEADER) return 'payload too short';
  const kind = payload[0];
  if (kind !== KIND_PUT && kind !== KIND_DELETE) return `unknown record kind 0x${kind!.toString(16)}`;
  const wordSize = view.getUint32(p + FRAME_HEADER + 1, true);
  if (wordSize === 0 || PAYLOAD_HEADER + wordSize > payload.length) return `bad word size ${wordSize}`;
  if (kind === KIND_DELETE && PAYLOAD_HEADER + wordSize !== payload.length) return 'a delete with a meaning';
  try {
    const word = fromUtf8.decode(payload.subarray(PAYLOAD_HEADER, PAYLOAD_HEADER + wordSize));
    const meaning = fromUtf8.decode(payload.subarray(PAYLOAD_HEADER + wordSize));
    return { kind, word, meaning, size: end - p };
  } catch {
    return 'invalid UTF-8';
  }
}
