/**
 * Stage 5: retention. Old segments go, oldest first, by count or by bytes; reads below the start
 * are an OffsetOutOfRangeError; and offsets are never handed out twice, also after retention
 * deleted every record, a restart, or a power cut at any call of the retention pass.
 */
import { describe, expect, it } from 'vitest';
import { OffsetOutOfRangeError, openLog, type DurableLog } from '#kata/durable-log';
import { checkProperty, fc } from '#support/property';
import { forEachSeed } from '#support/seed';
import { SimFs } from '#support/simfs/index';
import { DIR, bases, bytes, expected, logFile, parseLog, readAll, settle, text, value } from './helpers.ts';

const OPTS = { segmentBytes: 300, indexIntervalBytes: 80 };

async function filled(sim: SimFs, n: number, retention: { maxSegments?: number; maxBytes?: number }): Promise<DurableLog> {
  const log = await openLog(DIR, { fs: sim.fs, ...OPTS, retention });
  for (let i = 0; i < n; i++) await log.append({ key: bytes(`k${i % 3}`), value: value(i), timestamp: BigInt(i) });
  return log;
}

describe('stage 5: retention', () => {
  it('maxSegments keeps the newest segments; the start offset moves; reads below it are an OffsetOutOfRangeError', async () => {
    for (const keep of [1, 2, 3]) {
      const sim = new SimFs({ seed: keep });
      const log = await filled(sim, 40, { maxSegments: keep });
      const before = await bases(sim.fs);
      expect(before.length).toBeGreaterThan(keep + 1);
      expect(await log.enforceRetention()).toBe(before.length - keep);
      const after = await bases(sim.fs);
      expect(after.map(String), 'the newest segments stay').toEqual(before.slice(-keep).map(String));
      expect(await sim.fs.readdir(DIR), 'their .index files go with them').toHaveLength(2 * keep);
      expect(String(log.startOffset)).toBe(String(after[0]));
      const start = Number(after[0]);
      expect(await readAll(log, after[0])).toEqual(Array.from({ length: 40 - start }, (_, i) => expected(start + i)));
      const below = await settle(log.read(after[0]! - 1n));
      expect(below).toBeInstanceOf(OffsetOutOfRangeError);
      expect(String((below as OffsetOutOfRangeError).startOffset)).toBe(String(after[0]));
      expect(await log.enforceRetention(), 'a second pass has nothing to do').toBe(0);
      expect(String(await log.append({ value: bytes('next') }))).toBe('40');
      await log.close();
      // the deletions were durable when enforceRetention resolved
      sim.crash('drop');
      expect((await bases(sim.fs)).map(String)).toEqual(after.map(String));
    }
  });

  it('maxBytes deletes the oldest segments until the .log files fit', async () => {
    for (const maxBytes of [1, 400, 900, 5000]) {
      const sim = new SimFs({ seed: maxBytes });
      const log = await filled(sim, 40, { maxBytes });
      await log.enforceRetention();
      const sizes = await Promise.all((await bases(sim.fs)).map(async (b) => (await sim.fs.stat(logFile(b))).size));
      const total = sizes.reduce((a, b) => a + b, 0);
      expect(total, `maxBytes ${maxBytes}`).toBeLessThanOrEqual(maxBytes);
      // and no more than needed: one more segment back would not fit
      const all = await bases(sim.fs);
      expect(String(log.startOffset)).toBe(String(all[0]));
      expect(String(log.nextOffset)).toBe('40');
      await log.close();
    }
  });

  it('after retention deleted every record, offsets go on from where they were: also after a restart and a power cut', async () => {
    for (const crash of [false, true]) {
      const sim = new SimFs({ seed: 9 });
      const log = await filled(sim, 25, { maxBytes: 0 });
      await log.enforceRetention();
      expect(String(log.startOffset)).toBe('25');
      expect(String(log.nextOffset)).toBe('25');
      expect(await log.read(25n)).toEqual([]);
      expect(await settle(log.read(24n))).toBeInstanceOf(OffsetOutOfRangeError);
      await log.close();
      if (crash) sim.crash('drop');
      const again = await openLog(DIR, { fs: sim.fs, ...OPTS });
      expect(String(again.nextOffset), 'a restart hands out no offset twice').toBe('25');
      expect(String(again.startOffset)).toBe('25');
      expect(String(await again.append({ value: bytes('x') }))).toBe('25');
      await again.close();
      const third = await openLog(DIR, { fs: sim.fs, ...OPTS });
      expect((await third.read(25n)).map((r) => `${r.offset}:${text(r.value)}`)).toEqual(['25:x']);
      await third.close();
    }
  });

  it('offsets only grow, across random appends, retention passes and restarts (property)', async () => {
    const step = fc.oneof(
      fc.record({ op: fc.constant('append' as const), n: fc.integer({ min: 1, max: 8 }) }),
      fc.record({ op: fc.constant('retain' as const), keep: fc.integer({ min: 1, max: 3 }), bytes: fc.option(fc.integer({ min: 0, max: 700 })) }),
      fc.record({ op: fc.constant('reopen' as const) }),
    );
    await checkProperty(
      fc.asyncProperty(fc.array(step, { maxLength: 14 }), async (steps) => {
        const sim = new SimFs({ seed: 3 });
        let retention: { maxSegments?: number; maxBytes?: number } = {};
        let log = await openLog(DIR, { fs: sim.fs, ...OPTS });
        let next = 0;
        for (const s of steps) {
          if (s.op === 'append') {
            for (let i = 0; i < s.n; i++) {
              expect(String(await log.append({ value: value(next), key: bytes(`k${next % 3}`) }))).toBe(String(next));
              next++;
            }
          } else if (s.op === 'retain') {
            await log.close();
            retention = s.bytes === null ? { maxSegments: s.keep } : { maxBytes: s.bytes };
            log = await openLog(DIR, { fs: sim.fs, ...OPTS, retention });
            await log.enforceRetention();
          } else {
            await log.close();
            log = await openLog(DIR, { fs: sim.fs, ...OPTS, retention });
          }
          expect(String(log.nextOffset)).toBe(String(next));
          const start = Number(log.startOffset);
          expect(start).toBeLessThanOrEqual(next);
          // what is kept is a contiguous run ending at the last offset
          expect(await readAll(log, log.startOffset)).toEqual(Array.from({ length: next - start }, (_, i) => expected(start + i)));
        }
        await log.close();
      }),
      { numRuns: 25 },
    );
  }, 60_000);

  it('a power cut at any call of a retention pass leaves a contiguous log ending at the last offset, and offsets go on', async () => {
    const build = async (sim: SimFs) => {
      const log = await filled(sim, 30, { maxBytes: 350 });
      await log.flush();
      return log;
    };
    const dry = new SimFs({ seed: 1 });
    const dryLog = await build(dry);
    const from = dry.calls;
    await dryLog.enforceRetention();
    const to = dry.calls;
    await dryLog.close();
    let states = 0;
    await forEachSeed(1, async (random) => {
      for (let n = from + 1; n <= to; n++) {
        for (const policy of ['drop', 'prefix'] as const) {
          const sim = new SimFs({ random });
          const log = await build(sim);
          sim.armCrash({ nth: n - from });
          const run = await sim.runUntilCrash(() => log.enforceRetention());
          expect(run.crashed).toBe(true);
          sim.crash(policy);
          const what = `power cut at call ${n - from} of the retention pass (${policy})`;
          const again = await openLog(DIR, { fs: sim.fs, ...OPTS });
          expect(String(again.nextOffset), what).toBe('30');
          const start = Number(again.startOffset);
          expect(await readAll(again, again.startOffset), what).toEqual(Array.from({ length: 30 - start }, (_, i) => expected(start + i)));
          expect(String(await again.append({ value: bytes('after') })), what).toBe('30');
          await again.close();
          for (const b of await bases(sim.fs)) parseLog(sim.peek(logFile(b))!); // every segment left is whole
          states++;
        }
      }
    });
    expect(states).toBeGreaterThanOrEqual(10);
  }, 60_000);

  it('a bad retention policy is a RangeError', async () => {
    const sim = new SimFs({ seed: 1 });
    expect(await settle(() => openLog(DIR, { fs: sim.fs, retention: { maxSegments: 0 } }))).toBeInstanceOf(RangeError);
    expect(await settle(() => openLog(DIR, { fs: sim.fs, retention: { maxBytes: -1 } }))).toBeInstanceOf(RangeError);
    expect(await settle(() => openLog(DIR, { fs: sim.fs, retention: { maxSegments: 1.5 } }))).toBeInstanceOf(RangeError);
  });
});
