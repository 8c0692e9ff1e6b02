/**
 * The manifest names the files that make up the store: the live WAL and the tables of each level.
 * It is replaced whole, atomically: written to MANIFEST.tmp, fsynced, renamed over MANIFEST, and the
 * directory fsynced. That last fsync also makes durable the names of the files created since the
 * previous install (the new table, the new WAL), so it is the single commit point of a flush or a
 * compaction. Files the manifest does not name are leftovers of an interrupted flush or compaction.
 *
 *   u32 magic 0x4d4d534c ("LSMM") · u32 version 1 · u64 next file number · u64 WAL file number ·
 *   u32 level count · per level: u32 table count, then u64 file number per table (L0 newest first) ·
 *   u32 CRC-32C of every byte before it
 */
import { crc32c } from '../checksum/index.ts';
import type { StoreFs } from '../../katas/store-fs.ts';
import { ByteWriter, writeFully } from './bytes.ts';
import { LsmCorruptionError } from './errors.ts';

export const MANIFEST_MAGIC = 0x4d4d534c;

export interface ManifestState {
  nextFile: number;
  wal: number;
  /** File numbers per level; levels[0] newest first. */
  levels: number[][];
}

export function encodeManifest(m: ManifestState): Buffer {
  const w = new ByteWriter();
  w.u32(MANIFEST_MAGIC);
  w.u32(1);
  w.u64(m.nextFile);
  w.u64(m.wal);
  w.u32(m.levels.length);
  for (const level of m.levels) {
    w.u32(level.length);
    for (const n of level) w.u64(n);
  }
  w.u32(crc32c(w.view()));
  return Buffer.from(w.view());
}

export function decodeManifest(path: string, data: Buffer): ManifestState {
  if (data.length < 32) throw new LsmCorruptionError(path, 0, `${data.length} bytes is too short for a manifest`);
  const body = data.subarray(0, data.length - 4);
  if (crc32c(body) !== data.readUInt32LE(data.length - 4)) throw new LsmCorruptionError(path, data.length - 4, 'manifest checksum mismatch');
  if (data.readUInt32LE(0) !== MANIFEST_MAGIC || data.readUInt32LE(4) !== 1) throw new LsmCorruptionError(path, 0, 'not a version 1 manifest');
  const nextFile = Number(data.readBigUInt64LE(8));
  const wal = Number(data.readBigUInt64LE(16));
  const levelCount = data.readUInt32LE(24);
  let p = 28;
  const levels: number[][] = [];
  for (let l = 0; l < levelCount; l++) {
    if (p + 4 > body.length) throw new LsmCorruptionError(path, p, 'level list cut short');
    const n = data.readUInt32LE(p);
    p += 4;
    if (p + 8 * n > body.length) throw new LsmCorruptionError(path, p, 'table list cut short');
    const level: number[] = [];
    for (let i = 0; i < n; i++, p += 8) level.push(Number(data.readBigUInt64LE(p)));
    levels.push(level);
  }
  if (p !== body.length) throw new LsmCorruptionError(path, p, 'trailing bytes after the level list');
  return { nextFile, wal, levels };
}

/** Atomically replaces `dir`/MANIFEST with `m`, durable when it resolves. */
export async function installManifest(fs: StoreFs, dir: string, m: ManifestState): Promise<void> {
  const tmp = `${dir}/MANIFEST.tmp`;
  const fd = await fs.open(tmp, 'w');
  try {
    const data = encodeManifest(m);
    await writeFully(fs, fd, data, 0);
    await fs.fsync(fd);
  } finally {
    await fs.close(fd);
  }
  await fs.rename(tmp, `${dir}/MANIFEST`);
  await fs.fsyncDir(dir); // the commit point: the new MANIFEST, and every file it names, is durable
}
