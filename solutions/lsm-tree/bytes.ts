/** Byte helpers shared by the memtable, the tables, the WAL and the manifest. */
import type { StoreFs } from '../../katas/store-fs.ts';

/** One key's newest version. `value === null` is a tombstone: the key was deleted. */
export interface Entry {
  key: Uint8Array;
  value: Uint8Array | null;
}

/** Keys are ordered as unsigned bytes, shorter first on a common prefix (memcmp order). */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(a, b);
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

/** `value` length field of a tombstone, in WAL records and table entries. */
export const TOMBSTONE = 0xffffffff;
export const MAX_KEY_BYTES = 64 * 1024;
export const MAX_VALUE_BYTES = 64 * 1024 * 1024;

/** Writes all of `data` at `position`, looping over short writes. */
export async function writeFully(fs: StoreFs, fd: number, data: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < data.length) {
    const n = await fs.write(fd, data, done, data.length - done, position + done);
    if (n <= 0) throw Object.assign(new Error(`write returned ${n}`), { code: 'EIO' });
    done += n;
  }
}

/** Reads up to `length` bytes at `position`; fewer only at end of file. */
export async function readFully(fs: StoreFs, fd: number, length: number, position: number): Promise<Buffer> {
  const out = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const n = await fs.read(fd, out, done, length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done === length ? out : out.subarray(0, done);
}

/** A growable little-endian byte buffer. */
export class ByteWriter {
  #buf = Buffer.alloc(256);
  length = 0;

  #room(n: number): void {
    if (this.length + n <= this.#buf.length) return;
    let size = this.#buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = Buffer.alloc(size);
    this.#buf.copy(next, 0, 0, this.length);
    this.#buf = next;
  }
  u32(v: number): void {
    this.#room(4);
    this.#buf.writeUInt32LE(v >>> 0, this.length);
    this.length += 4;
  }
  u64(v: number): void {
    this.#room(8);
    this.#buf.writeBigUInt64LE(BigInt(v), this.length);
    this.length += 8;
  }
  bytes(b: Uint8Array): void {
    this.#room(b.length);
    this.#buf.set(b, this.length);
    this.length += b.length;
  }
  /** The bytes written so far (a view; copy before writing more if it must last). */
  view(): Buffer {
    return this.#buf.subarray(0, this.length);
  }
  reset(): void {
    this.length = 0;
  }
}
