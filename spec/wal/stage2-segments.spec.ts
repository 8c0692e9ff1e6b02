/**
 * Stage 2: segments. File names, rotation at segmentBytes, reading across segments, and the two
 * syncs a rotation owes: the full segment before the next exists, the directory entry of the new one.
 */
import { describe, expect, it } from 'vitest';
import { openWal } from '#kata/wal';
import { checkProperty, fc } from '#support/property';
import { forEachSeed } from '#support/seed';
import { SimFs } from '#support/simfs/index';
import { DIR, HEADER, bytes, checkRecovery, openAndRead, parseSegment, payload, readAll, seg, text } from './helpers.ts';

/** 40-byte records: 24-byte header + 16-byte payload. */
const rec16 = (i: number) => bytes(`rec-${String(i).padStart(12, '0')}`);

describe('stage 2: segments', () => {
  it('segments are named by their first LSN in 20 digits and rotate before a record would pass segmentBytes', async () => {
    const sim = new SimFs({ seed: 1 });
    const wal = await openWal(DIR, { fs: sim.fs, segmentBytes: 200 }); // 5 records of 40 bytes fit exactly
    for (let i = 0; i < 12; i++) await wal.append(rec16(i));
    expect(await sim.fs.readdir(DIR)).toEqual(['00000000000000000001.wal', '00000000000000000006.wal', '00000000000000000011.wal']);
    const lsns = [1, 6, 11].map((first) => parseSegment(sim.peek(seg(first))!).map((r) => Number(r.lsn)));
    expect(lsns).toEqual([
      [1, 2, 3, 4, 5],
      [6, 7, 8, 9, 10],
      [11, 12],
    ]);
    expect(sim.peek(seg(1))!.length).toBe(200);
    expect((await readAll(wal)).map((r) => text(r.data))).toEqual(Array.from({ length: 12 }, (_, i) => text(rec16(i))));
    await wal.close();
  });

  it('a record larger than segmentBytes gets a segment of its own', async () => {
    const sim = new SimFs({ seed: 2 });
    const wal = await openWal(DIR, { fs: sim.fs, segmentBytes: 100 });
    await wal.append(bytes('small'));
    await wal.append(new Uint8Array(500).fill(7));
    await wal.append(bytes('after'));
    expect(await sim.fs.readdir(DIR)).toEqual(['00000000000000000001.wal', '00000000000000000002.wal', '00000000000000000003.wal']);
    expect(sim.peek(seg(2))!.length).toBe(HEADER + 500);
    const got = await readAll(wal);
    expect(got.map((r) => r.data.length)).toEqual([5, 500, 5]);
    await wal.close();
  });

  it('read(from) and reopening work across segments; LSNs and segments continue after a reopen (property)', async () => {
    await checkProperty(
      fc.asyncProperty(
        fc.integer({ min: 30, max: 160 }),
        fc.array(fc.integer({ min: 0, max: 90 }), { minLength: 1, maxLength: 30 }),
        fc.array(fc.integer({ min: 0, max: 90 }), { maxLength: 10 }),
        fc.nat(),
        async (segmentBytes, sizes, more, fromSeed) => {
          const sim = new SimFs({ seed: 3 });
          const data = (i: number, n: number) => bytes(`${i}:`.padEnd(n + 2, '.'));
          let wal = await openWal(DIR, { fs: sim.fs, segmentBytes });
          const all: string[] = [];
          for (const n of sizes) {
            const d = data(all.length, n);
            expect(await wal.append(d)).toBe(BigInt(all.length + 1));
            all.push(text(d));
          }
          await wal.close();
          wal = await openWal(DIR, { fs: sim.fs, segmentBytes });
          for (const n of more) {
            const d = data(all.length, n);
            expect(await wal.append(d)).toBe(BigInt(all.length + 1));
            all.push(text(d));
          }
          const from = (fromSeed % (all.length + 2)) + 1;
          expect((await readAll(wal, BigInt(from))).map((r) => `${r.lsn}=${text(r.data)}`)).toEqual(
            all.map((t, i) => `${i + 1}=${t}`).slice(from - 1),
          );
          // Every segment is named by the LSN of its first record, and holds the records up to the next.
          const names = await sim.fs.readdir(DIR);
          const firsts = names.map((n) => Number(n.slice(0, 20)));
          for (const [k, name] of names.entries()) {
            const recs = parseSegment(sim.peek(`${DIR}/${name}`)!);
            const end = k + 1 < firsts.length ? firsts[k + 1]! : all.length + 1;
            expect(recs.map((r) => Number(r.lsn)), name).toEqual(Array.from({ length: end - firsts[k]! }, (_, j) => firsts[k]! + j));
            if (recs.length > 1) expect(sim.peek(`${DIR}/${name}`)!.length, `${name} is over segmentBytes`).toBeLessThanOrEqual(segmentBytes);
          }
          await wal.close();
        },
      ),
      { numRuns: 40 },
    );
  });

  it('rotation syncs the directory: an acknowledged record in a new segment survives a power cut', async () => {
    await forEachSeed(2, async (random) => {
      // Strict directory semantics (POSIX): a new file exists after a crash only once its directory was fsynced.
      for (let n = 1; n <= 9; n++) {
        const sim = new SimFs({ random, dirSync: 'strict' });
        const wal = await openWal(DIR, { fs: sim.fs, segmentBytes: 80, sync: 'always' }); // 2 records a segment
        for (let i = 0; i < n; i++) await wal.append(rec16(i));
        sim.crash('drop');
        const back = await openAndRead(sim.fs, { segmentBytes: 80 });
        expect(back.error).toBeUndefined();
        expect(back.records, `${n} acknowledged appends across ${Math.ceil(n / 2)} segments, then a power cut`).toEqual(
          Array.from({ length: n }, (_, i) => `${i + 1}:${text(rec16(i))}`),
        );
      }
    });
  });

  it('with sync "none", a power cut after rotations still leaves a readable prefix: a full segment is synced before the next one is made', async () => {
    await forEachSeed(2, async (random) => {
      for (let n = 1; n <= 24; n += random.int(1, 3)) {
        const sim = new SimFs({ random });
        const wal = await openWal(DIR, { fs: sim.fs, segmentBytes: 128, sync: 'none' });
        for (let i = 0; i < n; i++) await wal.append(payload(i));
        sim.crash(random.pick(['drop', 'prefix'] as const));
        // Nothing was promised with 'none', but what comes back must be a prefix and open, read and append must work.
        await checkRecovery(sim.fs, { segmentBytes: 128, sync: 'none' }, 0, `${n} appends with sync none, then a power cut`);
      }
    });
  });
});
