/**
 * Shared by the atomic-write spec files: an independent encoder of the checked format (README
 * "The checked format", CRC-32C from the `crc-32` package), a StoreFs that splits every write into
 * small pieces (disk.ts), deterministic payloads, and the outcome of a
 * crash: the old content, the new, or something else.
 */
import CRC32C from 'crc-32/crc32c';
export { pieces } from './disk.ts';

export const HEADER = 20;
export const MAGIC_BYTES = [0x41, 0x57, 0x46, 0x31]; // "AWF1"

export const crc32c = (data: Uint8Array) => CRC32C.buf(data, 0) >>> 0;

const enc = new TextEncoder();
const dec = new TextDecoder();
export const bytes = (s: string) => enc.encode(s);
export const text = (b: Uint8Array) => dec.decode(b);
export const hex = (b: Uint8Array | undefined) => (b === undefined ? 'absent' : Buffer.from(b).toString('hex'));

/** A checked file as the README defines it, built without the kata. */
export function frame(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(HEADER + payload.length);
  const view = new DataView(out.buffer);
  out.set(MAGIC_BYTES, 0);
  view.setBigUint64(4, BigInt(payload.length), true);
  view.setUint32(12, crc32c(payload), true);
  view.setUint32(16, crc32c(out.subarray(0, 16)), true);
  out.set(payload, HEADER);
  return out;
}

/**
 * `size` bytes that spell `tag` over and over, with a block number every 4 KiB so that bytes that
 * land at the wrong offset do not match. Payloads of two tags differ from their first byte.
 */
export function payloadFor(tag: string, size: number): Uint8Array {
  const out = Buffer.alloc(size, `${tag};`);
  for (let at = 4096, i = 1; at < size; at += 4096, i++) out.write(`#${i}#`, at);
  return out;
}

export const same = (a: Uint8Array | undefined, b: Uint8Array | undefined) =>
  a !== undefined && b !== undefined && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

export type Outcome = 'old' | 'new' | 'absent' | 'partial' | 'other';

/**
 * What a crash left at a path: exactly the old bytes, exactly the new, nothing, a proper prefix of
 * the new bytes (a write cut short), or anything else (a mix, zeros, garbage).
 */
export function outcome(got: Uint8Array | undefined, oldBytes: Uint8Array | undefined, newBytes: Uint8Array): Outcome {
  if (got === undefined) return 'absent';
  if (same(got, newBytes)) return 'new';
  if (oldBytes !== undefined && same(got, oldBytes)) return 'old';
  if (got.length < newBytes.length && same(got, newBytes.subarray(0, got.length))) return 'partial';
  return 'other';
}

/** The error a promise rejects with, or a string saying it resolved. */
export async function settle(p: Promise<unknown> | (() => Promise<unknown>)): Promise<unknown> {
  try {
    const v = await (typeof p === 'function' ? p() : p);
    return `resolved to ${v instanceof Uint8Array ? `${v.length} bytes` : String(v)}`;
  } catch (err) {
    return err;
  }
}

/** True for a temp file name the README allows: `.<name>.` ... `.tmp` in the target's directory. */
export const isTempOf = (name: string, base: string) => name.startsWith(`.${base}.`) && name.endsWith('.tmp');
