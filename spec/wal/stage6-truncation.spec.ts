/**
 * Stage 6: truncation at a checkpoint. truncateBefore(lsn) deletes whole segments below lsn and
 * nothing at or after it, durably; LSNs continue; a crash in the middle leaves a readable log.
 */
import { describe, expect, it } from 'vitest';
import { openWal, WalClosedError } from '#kata/wal';
import { checkProperty, fc } from '#support/property';
import { forEachSeed } from '#support/seed';
import { SimFs } from '#support/simfs/index';
import { DIR, bytes, openAndRead, readAll, readTexts, seg, text, settle } from './helpers.ts';

const COUNT = 23;
/** 40-byte records; segmentBytes 200 puts LSNs 1-5, 6-10, 11-15, 16-20, 21-23 in five segments. */
const rec16 = (i: number) => bytes(`rec-${String(i).padStart(12, '0')}`);
const OPTS = { segmentBytes: 200 };
const FIRSTS = [1, 6, 11, 16, 21];
const want = (from: number, to = COUNT) => Array.from({ length: Math.max(0, to - from + 1) }, (_, k) => `${from + k}:${text(rec16(from + k - 1))}`);

async function fiveSegments(): Promise<SimFs> {
  const sim = new SimFs({ seed: 1 });
  const wal = await openWal(DIR, { fs: sim.fs, ...OPTS });
  for (let i = 0; i < COUNT; i++) await wal.append(rec16(i));
  await wal.close();
  expect(await sim.fs.readdir(DIR)).toEqual(FIRSTS.map((f) => seg(f).slice(DIR.length + 1)));
  return sim;
}

/** The segments truncateBefore(lsn) keeps: those holding an LSN >= lsn, and always the last. */
const kept = (lsn: number) => FIRSTS.filter((f, i) => i === FIRSTS.length - 1 || FIRSTS[i + 1]! > lsn);

describe('stage 6: truncation', () => {
  it('truncateBefore(lsn) deletes exactly the segments whose every record is below lsn, for every lsn', async () => {
    const base = (await fiveSegments()).durableImage();
    for (let lsn = 1; lsn <= COUNT + 3; lsn++) {
      const sim = SimFs.fromImage(base, { seed: lsn });
      const wal = await openWal(DIR, { fs: sim.fs, ...OPTS });
      await wal.truncateBefore(BigInt(lsn));
      expect(await sim.fs.readdir(DIR), `after truncateBefore(${lsn}n)`).toEqual(kept(lsn).map((f) => seg(f).slice(DIR.length + 1)));
      expect(await readTexts(wal), `read() after truncateBefore(${lsn}n)`).toEqual(want(kept(lsn)[0]!));
      if (lsn <= COUNT) expect(await readTexts(wal, BigInt(lsn)), `read(${lsn}n) after truncateBefore(${lsn}n)`).toEqual(want(lsn));
      await wal.close();
    }
  });

  it('reading from below the oldest kept LSN rejects with a RangeError; from the oldest kept it works', async () => {
    const sim = await fiveSegments();
    const wal = await openWal(DIR, { fs: sim.fs, ...OPTS });
    await wal.truncateBefore(13n);
    expect(await settle(readAll(wal, 10n))).toBeInstanceOf(RangeError);
    expect(await readTexts(wal, 11n)).toEqual(want(11));
    await wal.close();
  });

  it('truncation is durable once it resolves; the active segment stays and LSNs continue after a reopen', async () => {
    const sim = await fiveSegments();
    const wal = await openWal(DIR, { fs: sim.fs, ...OPTS });
    await wal.truncateBefore(1000n);
    sim.crash('drop');
    expect(await sim.fs.readdir(DIR), 'segments after truncateBefore(1000n) and a power cut').toEqual([seg(21).slice(DIR.length + 1)]);
    const again = await openWal(DIR, { fs: sim.fs, ...OPTS });
    expect(await readTexts(again)).toEqual(want(21));
    expect(await again.append(rec16(COUNT))).toBe(BigInt(COUNT + 1));
    expect(await readTexts(again)).toEqual(want(21, COUNT + 1));
    await again.close();
    expect(await settle(again.truncateBefore(1n))).toBeInstanceOf(WalClosedError);
  });

  it('a power cut at any call of truncateBefore leaves a readable log that still holds every record from lsn on', async () => {
    const base = (await fiveSegments()).durableImage();
    let states = 0;
    await forEachSeed(2, async (random) => {
      for (const lsn of [7, 16, 22, 40]) {
        const dry = SimFs.fromImage(base, { seed: 1 });
        const w = await openWal(DIR, { fs: dry.fs, ...OPTS });
        const start = dry.calls;
        await w.truncateBefore(BigInt(lsn));
        const calls = dry.calls - start;
        for (let n = 1; n <= calls; n++) {
          const sim = SimFs.fromImage(base, { random });
          const wal = await openWal(DIR, { fs: sim.fs, ...OPTS });
          sim.armCrash({ nth: n });
          expect((await sim.runUntilCrash(() => wal.truncateBefore(BigInt(lsn)))).crashed).toBe(true);
          const report = sim.crash(random.pick(['drop', 'keep', 'prefix', 'subset'] as const));
          const back = await openAndRead(sim.fs, OPTS);
          const what = `truncateBefore(${lsn}n) cut at call ${n} (${report.description})`;
          expect(back.error, what).toBeUndefined();
          const first = Number(back.records[0]?.split(':')[0]);
          expect(back.records, what).toEqual(want(first));
          expect(first, `${what}: records at or after ${lsn} are gone`).toBeLessThanOrEqual(Math.min(lsn, 21));
          states++;
        }
      }
    });
    expect(states).toBeGreaterThan(10);
  });

  it('appends, truncations, reopens and power cuts against a model (property)', async () => {
    type Op = { kind: 'append'; size: number } | { kind: 'truncate'; at: number } | { kind: 'reopen' } | { kind: 'crash' };
    const op: fc.Arbitrary<Op> = fc.oneof(
      { weight: 6, arbitrary: fc.integer({ min: 0, max: 70 }).map((size) => ({ kind: 'append' as const, size })) },
      { weight: 2, arbitrary: fc.integer({ min: 0, max: 1000 }).map((at) => ({ kind: 'truncate' as const, at })) },
      { weight: 1, arbitrary: fc.constant({ kind: 'reopen' as const }) },
      { weight: 1, arbitrary: fc.constant({ kind: 'crash' as const }) },
    );
    await checkProperty(
      fc.asyncProperty(fc.array(op, { maxLength: 60 }), fc.integer({ min: 60, max: 300 }), async (ops, segmentBytes) => {
        const sim = new SimFs({ seed: 1 });
        const opts = { segmentBytes, sync: 'always' as const };
        let wal = await openWal(DIR, { fs: sim.fs, ...opts });
        const model: string[] = []; // model[k] is the data of LSN k + 1
        let floor = 1; // every LSN >= floor must still be readable
        for (const o of ops) {
          if (o.kind === 'append') {
            const data = `${model.length + 1}.`.padEnd(o.size + 2, '#');
            expect(await wal.append(bytes(data))).toBe(BigInt(model.length + 1));
            model.push(data);
          } else if (o.kind === 'truncate') {
            const at = (o.at % (model.length + 2)) + 1;
            await wal.truncateBefore(BigInt(at));
            floor = Math.max(floor, at);
          } else {
            if (o.kind === 'reopen') await wal.close();
            else sim.crash('drop');
            wal = await openWal(DIR, { fs: sim.fs, ...opts });
          }
          const got = (await readAll(wal)).map((r) => `${r.lsn}=${text(r.data)}`);
          const first = got.length ? Number(got[0]!.split('=')[0]) : model.length + 1;
          expect(first, 'the oldest readable LSN is past a record that was never truncated').toBeLessThanOrEqual(Math.min(floor, model.length + 1));
          expect(got).toEqual(model.slice(first - 1).map((d, k) => `${first + k}=${d}`));
        }
        await wal.close();
      }),
      { numRuns: 30 },
    );
  });
});
