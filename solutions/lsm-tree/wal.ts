/**
 * The write-ahead log: every put and delete is appended here (and, with sync 'always', fdatasynced)
 * before it touches the memtable, so a crash loses nothing acknowledged. One log per memtable: a
 * flush starts a new one and the old one is deleted once the table holding its data is durable.
 *
 *   record: u32 CRC-32C of the rest · u32 keyLength · u32 valueLength (0xFFFFFFFF = tombstone) ·
 *           key · value
 *
 * Replay stops at the first record that is cut short or fails its CRC: that is the torn tail of a
 * write that never completed, and it is truncated away before new records are appended.
 */
import { crc32c } from '../checksum/index.ts';
import type { StoreFs } from '../../katas/store-fs.ts';
import { readFully, TOMBSTONE, writeFully, type Entry } from './bytes.ts';

export const WAL_HEADER = 12;

export function encodeWalRecord(key: Uint8Array, value: Uint8Array | null): Buffer {
  const out = Buffer.alloc(WAL_HEADER + key.length + (value?.length ?? 0));
  out.writeUInt32LE(key.length, 4);
  out.writeUInt32LE(value === null ? TOMBSTONE : value.length, 8);
  out.set(key, WAL_HEADER);
  if (value !== null) out.set(value, WAL_HEADER + key.length);
  out.writeUInt32LE(crc32c(out.subarray(4)), 0);
  return out;
}

/** The records of a log image, and where the valid part ends. */
export function decodeWal(data: Buffer): { entries: Entry[]; end: number } {
  const entries: Entry[] = [];
  let p = 0;
  while (p + WAL_HEADER <= data.length) {
    const keyLength = data.readUInt32LE(p + 4);
    const valueLength = data.readUInt32LE(p + 8);
    const end = p + WAL_HEADER + keyLength + (valueLength === TOMBSTONE ? 0 : valueLength);
    if (end > data.length) break;
    if (crc32c(data.subarray(p + 4, end)) !== data.readUInt32LE(p)) break;
    const key = data.subarray(p + WAL_HEADER, p + WAL_HEADER + keyLength);
    entries.push({ key, value: valueLength === TOMBSTONE ? null : data.subarray(p + WAL_HEADER + keyLength, end) });
    p = end;
  }
  return { entries, end: p };
}

export class Wal {
  private constructor(
    readonly fs: StoreFs,
    readonly path: string,
    private fd: number,
    private size: number,
    private readonly sync: boolean,
  ) {}

  /** A new, empty log (its directory entry becomes durable with the next manifest install). */
  static async create(fs: StoreFs, path: string, sync: boolean): Promise<Wal> {
    const fd = await fs.open(path, 'w');
    return new Wal(fs, path, fd, 0, sync);
  }

  /** Opens an existing log, replays it, and cuts a torn tail off (durably) before appending. */
  static async open(fs: StoreFs, path: string, sync: boolean): Promise<{ wal: Wal; entries: Entry[] }> {
    const fd = await fs.open(path, 'r+');
    try {
      const size = (await fs.fstat(fd)).size;
      const data = await readFully(fs, fd, size, 0);
      const { entries, end } = decodeWal(data);
      if (end < size) {
        await fs.ftruncate(fd, end);
        await fs.fsync(fd);
      }
      return { wal: new Wal(fs, path, fd, end, sync), entries };
    } catch (err) {
      await fs.close(fd).catch(() => {});
      throw err;
    }
  }

  /** Bytes appended; resolves once the record is durable (with sync) or written (without). */
  async append(key: Uint8Array, value: Uint8Array | null): Promise<number> {
    const record = encodeWalRecord(key, value);
    await writeFully(this.fs, this.fd, record, this.size);
    this.size += record.length;
    if (this.sync) await this.fs.fdatasync(this.fd); // durable before the put is acknowledged
    return record.length;
  }

  async syncNow(): Promise<void> {
    await this.fs.fdatasync(this.fd);
  }

  async close(): Promise<void> {
    await this.fs.close(this.fd);
  }
}
