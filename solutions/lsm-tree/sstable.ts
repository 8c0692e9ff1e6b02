/**
 * Sorted string tables: immutable files of sorted entries.
 *
 *   data blocks   entries, then u32 CRC-32C of the block's entry bytes
 *                 entry: u32 keyLength · u32 valueLength (0xFFFFFFFF = tombstone) · key · value
 *   index         one entry per block (the sparse index):
 *                 u32 keyLength · first key of the block · u64 block offset · u32 block length
 *                 (the length includes the block's CRC)
 *   bloom         u32 probes · bit array (bloom.ts)
 *   footer        32 bytes: u64 index offset · u32 index length · u32 bloom length ·
 *                 u64 entry count · u32 magic 0x314d534c ("LSM1") ·
 *                 u32 CRC-32C of every byte from the index offset up to this field
 *
 * All integers little-endian. The bloom filter follows the index, the footer follows the bloom, and
 * the footer ends the file. A reader loads the index and the filter into memory once (the footer
 * CRC vouches for both) and reads one block per lookup, checking that block's CRC.
 */
import { crc32c } from '../checksum/index.ts';
import type { StoreFs } from '../../katas/store-fs.ts';
import { TableBloom } from './bloom.ts';
import { ByteWriter, compareBytes, readFully, TOMBSTONE, writeFully, type Entry } from './bytes.ts';
import { LsmCorruptionError } from './errors.ts';

export const FOOTER_BYTES = 32;
export const TABLE_MAGIC = 0x314d534c;
export const DEFAULT_BLOCK_BYTES = 4096;

export interface SSTableWriteOptions {
  /** A block is closed once its entries reach this many bytes (default 4096). */
  blockBytes?: number;
}

/** What writeSSTable wrote. */
export interface SSTableInfo {
  path: string;
  /** Entries written, tombstones included. */
  entries: number;
  /** Data blocks written. */
  blocks: number;
  /** File size in bytes. */
  bytes: number;
  /** Smallest and largest key, undefined for an empty table. */
  smallest: Uint8Array | undefined;
  largest: Uint8Array | undefined;
}

/**
 * Writes `entries` (strictly ascending keys, tombstones as `value: null`) as a table at `path`,
 * replacing any file there, and fsyncs it before resolving. The directory entry is not synced:
 * the caller makes the name durable (the LSM does it with the manifest's directory fsync).
 * RangeError when the keys are not strictly ascending.
 */
export async function writeSSTable(
  fs: StoreFs,
  path: string,
  entries: Iterable<Entry> | AsyncIterable<Entry>,
  opts: SSTableWriteOptions = {},
): Promise<SSTableInfo> {
  const blockBytes = opts.blockBytes ?? DEFAULT_BLOCK_BYTES;
  if (!Number.isInteger(blockBytes) || blockBytes < 1) throw new RangeError(`blockBytes must be a positive integer, got ${blockBytes}`);
  const fd = await fs.open(path, 'w');
  try {
    let position = 0;
    let count = 0;
    let previous: Uint8Array | undefined;
    let smallest: Uint8Array | undefined;
    const block = new ByteWriter();
    const index = new ByteWriter();
    let blockFirst: Uint8Array | undefined;
    let blocks = 0;
    // Bloom hashes need the key count to size the filter: keep the keys' bytes until the end.
    const keys: Uint8Array[] = [];

    const closeBlock = async () => {
      if (blockFirst === undefined) return;
      const crc = crc32c(block.view());
      block.u32(crc);
      // A copy: the block buffer is reused for the next block, and a write must own its bytes.
      const bytes = Buffer.from(block.view());
      await writeFully(fs, fd, bytes, position);
      index.u32(blockFirst.length);
      index.bytes(blockFirst);
      index.u64(position);
      index.u32(bytes.length);
      position += bytes.length;
      blocks++;
      block.reset();
      blockFirst = undefined;
    };

    for await (const e of entries) {
      if (previous !== undefined && compareBytes(previous, e.key) >= 0) {
        throw new RangeError(`writeSSTable: keys must be strictly ascending; ${Buffer.from(e.key).toString('hex')} follows ${Buffer.from(previous).toString('hex')}`);
      }
      previous = e.key;
      smallest ??= e.key;
      keys.push(e.key);
      blockFirst ??= e.key;
      block.u32(e.key.length);
      block.u32(e.value === null ? TOMBSTONE : e.value.length);
      block.bytes(e.key);
      if (e.value !== null) block.bytes(e.value);
      count++;
      if (block.length >= blockBytes) await closeBlock();
    }
    await closeBlock();

    const bloom = TableBloom.sized(keys.length);
    for (const k of keys) bloom.add(k);
    const bloomBytes = bloom.encode();
    const footer = Buffer.alloc(FOOTER_BYTES);
    footer.writeBigUInt64LE(BigInt(position), 0);
    footer.writeUInt32LE(index.length, 8);
    footer.writeUInt32LE(bloomBytes.length, 12);
    footer.writeBigUInt64LE(BigInt(count), 16);
    footer.writeUInt32LE(TABLE_MAGIC, 24);
    const meta = Buffer.concat([index.view(), bloomBytes, footer]);
    meta.writeUInt32LE(crc32c(meta.subarray(0, meta.length - 4)), meta.length - 4);
    await writeFully(fs, fd, meta, position);
    position += meta.length;
    await fs.fsync(fd); // the table's bytes are durable before any manifest names it
    return { path, entries: count, blocks, bytes: position, smallest, largest: previous };
  } finally {
    await fs.close(fd);
  }
}

/** An open table: index and bloom filter in memory, blocks read on demand. */
export interface SSTable {
  readonly path: string;
  /** Entries in the table, tombstones included. */
  readonly count: number;
  /** Data blocks in the table. */
  readonly blocks: number;
  /** File size in bytes. */
  readonly bytes: number;
  /** Data blocks read from disk since the table was opened (by get and entries). */
  readonly blocksRead: number;
  /** The bloom filter's verdict: false means the table surely lacks the key. */
  mayContain(key: Uint8Array): boolean;
  /** The value, `null` for a tombstone, `undefined` when the table has no entry for the key. */
  get(key: Uint8Array): Promise<Uint8Array | null | undefined>;
  /** Entries with lo ≤ key < hi, ascending, tombstones included. */
  entries(lo?: Uint8Array, hi?: Uint8Array): AsyncIterableIterator<Entry>;
  close(): Promise<void>;
}

class TableReader implements SSTable {
  blocksRead = 0;
  constructor(
    readonly fs: StoreFs,
    readonly fd: number,
    readonly path: string,
    readonly bytes: number,
    readonly count: number,
    /** First key, offset and length of each block, in order. */
    readonly firstKeys: Uint8Array[],
    readonly offsets: number[],
    readonly lengths: number[],
    readonly bloom: TableBloom,
  ) {}

  get blocks(): number {
    return this.firstKeys.length;
  }

  mayContain(key: Uint8Array): boolean {
    return this.bloom.mayContain(key);
  }

  /** Index of the last block whose first key is ≤ key: the only block that can hold it. -1: none. */
  findBlock(key: Uint8Array): number {
    let lo = 0;
    let hi = this.firstKeys.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (compareBytes(this.firstKeys[mid]!, key) <= 0) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }

  /** Reads block `i`, checks its CRC, and decodes its entries. */
  async readBlock(i: number): Promise<Entry[]> {
    const offset = this.offsets[i]!;
    const length = this.lengths[i]!;
    const data = await readFully(this.fs, this.fd, length, offset);
    this.blocksRead++;
    if (data.length !== length) throw new LsmCorruptionError(this.path, offset, `block ${i} is cut short (${data.length} of ${length} bytes)`);
    const body = data.subarray(0, length - 4);
    if (crc32c(body) !== data.readUInt32LE(length - 4)) throw new LsmCorruptionError(this.path, offset, `block ${i} checksum mismatch`);
    const out: Entry[] = [];
    let p = 0;
    while (p < body.length) {
      if (p + 8 > body.length) throw new LsmCorruptionError(this.path, offset + p, 'entry header runs past the block');
      const keyLength = body.readUInt32LE(p);
      const valueLength = body.readUInt32LE(p + 4);
      const valueBytes = valueLength === TOMBSTONE ? 0 : valueLength;
      const end = p + 8 + keyLength + valueBytes;
      if (end > body.length) throw new LsmCorruptionError(this.path, offset + p, 'entry runs past the block');
      const key = body.subarray(p + 8, p + 8 + keyLength);
      out.push({ key, value: valueLength === TOMBSTONE ? null : body.subarray(p + 8 + keyLength, end) });
      p = end;
    }
    return out;
  }

  async get(key: Uint8Array): Promise<Uint8Array | null | undefined> {
    if (!this.bloom.mayContain(key)) return undefined;
    const i = this.findBlock(key);
    if (i < 0) return undefined;
    for (const e of await this.readBlock(i)) {
      const c = compareBytes(e.key, key);
      if (c === 0) return e.value;
      if (c > 0) break;
    }
    return undefined;
  }

  async *entries(lo?: Uint8Array, hi?: Uint8Array): AsyncIterableIterator<Entry> {
    const start = lo === undefined ? 0 : Math.max(0, this.findBlock(lo));
    for (let i = start; i < this.firstKeys.length; i++) {
      if (hi !== undefined && compareBytes(this.firstKeys[i]!, hi) >= 0) return;
      for (const e of await this.readBlock(i)) {
        if (lo !== undefined && compareBytes(e.key, lo) < 0) continue;
        if (hi !== undefined && compareBytes(e.key, hi) >= 0) return;
        yield e;
      }
    }
  }

  async close(): Promise<void> {
    await this.fs.close(this.fd);
  }
}

/**
 * Opens a table: reads the footer, checks its CRC over the index, the bloom filter and the footer,
 * and loads the index and the filter. LsmCorruptionError (with the file and the offset of the damaged
 * part) when the file is too short, the footer is malformed or any checksum fails.
 */
export async function openSSTable(fs: StoreFs, path: string): Promise<SSTable> {
  const fd = await fs.open(path, 'r');
  try {
    const size = (await fs.fstat(fd)).size;
    if (size < FOOTER_BYTES) throw new LsmCorruptionError(path, 0, `${size} bytes is shorter than a table footer (${FOOTER_BYTES})`);
    const footerAt = size - FOOTER_BYTES;
    const footer = await readFully(fs, fd, FOOTER_BYTES, footerAt);
    const indexOffset = Number(footer.readBigUInt64LE(0));
    const indexLength = footer.readUInt32LE(8);
    const bloomLength = footer.readUInt32LE(12);
    const count = Number(footer.readBigUInt64LE(16));
    if (footer.readUInt32LE(24) !== TABLE_MAGIC) throw new LsmCorruptionError(path, footerAt, 'bad footer magic');
    if (indexOffset + indexLength + bloomLength !== footerAt) throw new LsmCorruptionError(path, footerAt, 'footer lengths do not add up to the file size');
    const meta = await readFully(fs, fd, size - indexOffset, indexOffset);
    if (crc32c(meta.subarray(0, meta.length - 4)) !== meta.readUInt32LE(meta.length - 4)) {
      throw new LsmCorruptionError(path, indexOffset, 'footer checksum mismatch (index, bloom filter or footer damaged)');
    }

    const firstKeys: Uint8Array[] = [];
    const offsets: number[] = [];
    const lengths: number[] = [];
    let p = 0;
    let expected = 0;
    while (p < indexLength) {
      if (p + 4 > indexLength) throw new LsmCorruptionError(path, indexOffset + p, 'index entry cut short');
      const keyLength = meta.readUInt32LE(p);
      if (p + 4 + keyLength + 12 > indexLength) throw new LsmCorruptionError(path, indexOffset + p, 'index entry cut short');
      firstKeys.push(meta.subarray(p + 4, p + 4 + keyLength));
      const offset = Number(meta.readBigUInt64LE(p + 4 + keyLength));
      const length = meta.readUInt32LE(p + 12 + keyLength);
      if (offset !== expected || length < 4) throw new LsmCorruptionError(path, indexOffset + p, 'index entry points outside the data blocks');
      expected = offset + length;
      offsets.push(offset);
      lengths.push(length);
      p += 16 + keyLength;
    }
    if (expected !== indexOffset) throw new LsmCorruptionError(path, indexOffset, 'index does not cover the data blocks');
    const bloom = TableBloom.decode(meta.subarray(indexLength, indexLength + bloomLength));
    if (!bloom) throw new LsmCorruptionError(path, indexOffset + indexLength, 'malformed bloom filter');
    return new TableReader(fs, fd, path, size, count, firstKeys, offsets, lengths, bloom);
  } catch (err) {
    await fs.close(fd).catch(() => {});
    throw err;
  }
}
