/**
 * Stage 4: corruption in synced data. Bit rot in every field of a record, misdirected writes,
 * a zeroed sector, a lost segment, stray bytes: each must surface as a WalCorruptionError naming
 * the segment and the byte offset, never as a silent skip or a shorter log.
 */
import { describe, expect, it } from 'vitest';
import { flipBit, misdirectWrite } from '#support/corrupt';
import { forEachSeed } from '#support/seed';
import { SimFs } from '#support/simfs/index';
import { DIR, expectCorruption, openAndRead, parseSegment, runWorkload, type DiskRecord } from './helpers.ts';

const COUNT = 30;

interface Placed extends DiskRecord {
  file: string;
}

/** 30 records (sync 'always') in 4 segments; every record with its file and offset. */
async function corpus(): Promise<{ sim: SimFs; records: Placed[] }> {
  const sim = new SimFs({ seed: 11 });
  await runWorkload(sim.fs, { appends: COUNT, writers: 1, sync: 'always', segmentBytes: 400 }, []);
  const records: Placed[] = [];
  for (const name of await sim.fs.readdir(DIR)) {
    const file = `${DIR}/${name}`;
    for (const r of parseSegment(sim.peekDurable(file)!)) records.push({ ...r, file });
  }
  expect(records.map((r) => Number(r.lsn))).toEqual(Array.from({ length: COUNT }, (_, i) => i + 1));
  return { sim, records };
}

const FIELDS = {
  crc: [0, 4],
  length: [4, 8],
  lsn: [8, 16],
  synced: [16, 24],
  payload: [24, Infinity],
} as const;

/** Records to damage: in the oldest segment, a middle one, and the last one (never the log's last record). */
function targets(records: Placed[]): Placed[] {
  const files = [...new Set(records.map((r) => r.file))];
  expect(files.length).toBeGreaterThanOrEqual(3);
  const inFile = (f: string) => records.filter((r) => r.file === f);
  const lastFile = inFile(files.at(-1)!);
  expect(lastFile.length).toBeGreaterThanOrEqual(3);
  return [inFile(files[0]!)[0]!, inFile(files[0]!).at(-1)!, inFile(files[1]!)[2]!, lastFile[0]!, lastFile.at(-2)!];
}

describe('stage 4: corruption', () => {
  it('a flipped bit in the crc, length, LSN, synced or payload field of a synced record is a WalCorruptionError at that record', async () => {
    const { sim, records } = await corpus();
    const image = sim.durableImage();
    await forEachSeed(2, async (random) => {
      for (const rec of targets(records)) {
        for (const [field, [from, to]] of Object.entries(FIELDS)) {
          if (from >= rec.size) continue;
          const disk = SimFs.fromImage(image, { random });
          const flip = flipBit(disk, rec.file, { from: rec.offset + from, to: rec.offset + Math.min(to, rec.size) });
          const what = `bit ${flip.bit} of byte ${flip.offset} flipped (${field} field of LSN ${rec.lsn} in ${rec.file} at offset ${rec.offset})`;
          expectCorruption(await openAndRead(disk.fs), rec.file, rec.offset, Number(rec.lsn), what);
        }
      }
    });
  });

  it('a record copied over another record’s slot (a misdirected write) is caught: its CRC covers its own LSN', async () => {
    const { sim, records } = await corpus();
    const image = sim.durableImage();
    await forEachSeed(3, async (random) => {
      for (const victim of targets(records)) {
        const fileSize = sim.peekDurable(victim.file)!.length;
        const sources = records.filter((r) => r.lsn !== victim.lsn && victim.offset + r.size <= fileSize);
        const source = random.pick(sources);
        const disk = SimFs.fromImage(image, { random });
        misdirectWrite(disk, victim.file, { source: source.file, from: source.offset, length: source.size, to: victim.offset });
        const what = `LSN ${source.lsn} (${source.file}@${source.offset}) copied over LSN ${victim.lsn} (${victim.file}@${victim.offset})`;
        expectCorruption(await openAndRead(disk.fs), victim.file, victim.offset, Number(victim.lsn), what);
      }
    });
  });

  it('a zeroed record followed by intact ones (a lost sector) is corruption, not a torn tail, and stays reported on every open', async () => {
    const { sim, records } = await corpus();
    const image = sim.durableImage();
    for (const rec of targets(records)) {
      const disk = SimFs.fromImage(image, { seed: 1 });
      disk.damage(rec.file, rec.offset, new Uint8Array(rec.size), 'a lost sector reads as zeros');
      const damaged = disk.peekDurable(rec.file);
      const what = `LSN ${rec.lsn} zeroed in ${rec.file}@${rec.offset}`;
      expectCorruption(await openAndRead(disk.fs), rec.file, rec.offset, Number(rec.lsn), what);
      // nothing was cut: the next open finds the same damage, and the intact records after it are still on disk
      expectCorruption(await openAndRead(disk.fs), rec.file, rec.offset, Number(rec.lsn), `${what}, opened again`);
      expect(disk.peekDurable(rec.file), `${what}: the segment was changed`).toEqual(damaged);
    }
  });

  it('a lost middle segment is reported, never skipped', async () => {
    const { sim, records } = await corpus();
    const files = [...new Set(records.map((r) => r.file))];
    for (const gone of files.slice(1, -1)) {
      const disk = SimFs.fromImage(sim.durableImage(), { seed: 2 });
      await disk.unlink(gone);
      await disk.fsyncDir(DIR);
      const firstGone = Number(records.find((r) => r.file === gone)!.lsn);
      const result = await openAndRead(disk.fs);
      expect(result.error, `${gone} deleted, the log read as ${result.records.length} records`).toHaveProperty('code', 'WAL_CORRUPT');
      expect(result.records.length, 'records returned from past the gap').toBeLessThan(firstGone);
    }
  });

  it('stray bytes after the last record of an older segment are corruption', async () => {
    const { sim, records } = await corpus();
    const first = records[0]!.file;
    const end = sim.peekDurable(first)!.length;
    for (const stray of [new Uint8Array(7), Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25)]) {
      const disk = SimFs.fromImage(sim.durableImage(), { seed: 3 });
      const fd = await disk.fs.open(first, 'a');
      await disk.fs.write(fd, stray);
      await disk.fs.fdatasync(fd);
      await disk.fs.close(fd);
      const lastInFirst = records.filter((r) => r.file === first).at(-1)!;
      expectCorruption(await openAndRead(disk.fs), first, end, Number(lastInFirst.lsn) + 1, `${stray.length} bytes appended to ${first}`);
    }
  });
});
