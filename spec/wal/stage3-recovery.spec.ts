/**
 * Stage 3: recovery on the simulated disk. Power cuts at every call of a 200-append workload, a
 * torn last append at every byte, zero and garbage tails, reordered write-back of unsynced appends,
 * and recovery that itself crashes. (SIGKILL runs are in sigkill.spec.ts, same stage.)
 */
import { describe, expect, it } from 'vitest';
import { openWal } from '#kata/wal';
import { forEachSeed } from '#support/seed';
import { SimFs, type CrashState } from '#support/simfs/index';
import { DIR, HEADER, checkRecovery, crashAtEveryOp, expected, openAndRead, parseSegment, payload, readTexts, runWorkload, seg } from './helpers.ts';

/** Appends payload(0..count-1) with sync 'always' on a fresh log and returns the sim. */
async function logOf(count: number, seed: number, segmentBytes = 1 << 20): Promise<SimFs> {
  const sim = new SimFs({ seed });
  await runWorkload(sim.fs, { appends: count, writers: 1, sync: 'always', segmentBytes }, []);
  return sim;
}

describe('stage 3: recovery', () => {
  for (const [index, half] of ['first', 'second'].entries()) {
    it(`a power cut before any call of 200 appends (sync "always", fsync every append) loses no acknowledged append: the ${half} half of the calls`, async () => {
      await forEachSeed(1, async (random) => {
        // ~430 calls (4 rotations), two crash images each
        const states = await crashAtEveryOp({ appends: 200, writers: 1, sync: 'always', segmentBytes: 2048 }, random, { of: 2, index });
        expect(states).toBeGreaterThanOrEqual(400);
      });
    }, 120_000);
  }

  it('a torn last append, cut at every byte (header included) with the rest absent, zeros or garbage, is cut off; appends then work', async () => {
    let states = 0;
    for (const fill of ['absent', 'zeros', 'garbage'] as const) {
      const sim = new SimFs({ seed: 7 });
      // Appends 0..3 resolve; the 5th record is written but the power goes before its fsync.
      sim.armCrash({ op: 'fdatasync', path: /\.wal$/, nth: 6 });
      const acked: bigint[] = [];
      const run = await sim.runUntilCrash(() => runWorkload(sim.fs, { appends: 8, writers: 1, sync: 'always', segmentBytes: 1 << 20 }, acked));
      expect(run.crashed).toBe(true);
      expect(acked).toEqual([1n, 2n, 3n, 4n]);
      const five = parseSegment(sim.peek(seg(1))!);
      const goodEnd = five[4]!.offset;
      const all: CrashState[] = sim.crashStates({ unsynced: 'keep', tear: { fill } });
      expect(all).toHaveLength(1 + five[4]!.size); // untorn, and one state per byte of the 5th record
      for (const state of all) {
        const disk = state.boot();
        const back = await checkRecovery(disk.fs, {}, 4, `${state.label}`);
        expect(back, state.label).toEqual(Array.from({ length: state.choice.torn ? 4 : 5 }, (_, i) => expected(i)));
        if (state.choice.torn) {
          // the torn bytes are gone from the file, not just skipped (then one record was appended)
          const recs = parseSegment(disk.peek(seg(1))!);
          expect(recs[4]!.offset, state.label).toBe(goodEnd);
        }
        states++;
      }
    }
    expect(states).toBeGreaterThan(150);
  });

  it('zero and garbage tails after the last record are cut off durably, and the log goes on', async () => {
    await forEachSeed(6, async (random) => {
      const sim = await logOf(10, random.seed);
      const good = sim.peek(seg(1))!;
      const n = random.int(1, 300);
      const tail = random.bool() ? new Uint8Array(n) : random.bytes(n);
      const disk = new SimFs({ random, files: { [seg(1)]: new Uint8Array(Buffer.concat([good, tail])) } });
      const wal = await openWal(DIR, { fs: disk.fs });
      expect(await readTexts(wal)).toEqual(Array.from({ length: 10 }, (_, i) => expected(i)));
      expect(disk.peekDurable(seg(1))!.length, 'the cut is synced before open resolves').toBe(good.length);
      await wal.close();
      await checkRecovery(disk.fs, {}, 10, `10 records and a ${n}-byte ${tail.some((b) => b !== 0) ? 'garbage' : 'zero'} tail`);
    });
  });

  it('a file that grew before its data landed (zeros or garbage) reads as the end of the log', async () => {
    for (const grow of ['zeros', 'garbage'] as const) {
      for (let k = 1; k <= 6; k++) {
        const sim = new SimFs({ seed: k });
        const wal = await openWal(DIR, { fs: sim.fs, sync: 'none' });
        for (let i = 0; i < 6; i++) await wal.append(payload(i));
        // the first k appends reach the disk, the rest only grew the file
        sim.crash({ unsynced: 'prefix', count: k, grow });
        const back = await checkRecovery(sim.fs, { sync: 'none' }, 0, `prefix ${k}, grow ${grow}`);
        expect(back).toEqual(Array.from({ length: k }, (_, i) => expected(i)));
      }
    }
  });

  it('reordered write-back of unsynced appends: every subset that lands recovers the records before the first hole', async () => {
    let states = 0;
    for (const seed of [1, 2]) {
      const sim = new SimFs({ seed });
      const wal = await openWal(DIR, { fs: sim.fs, sync: 'none' });
      for (let i = 0; i < 2; i++) await wal.append(payload(i));
      await wal.close(); // two durable records
      const again = await openWal(DIR, { fs: sim.fs, sync: 'none' });
      for (let i = 2; i < 8; i++) await again.append(payload(i)); // six unsynced writes, one per append
      const all = sim.crashStates('subset');
      expect(all).toHaveLength(64);
      for (const state of all) {
        const disk = state.boot();
        const leading = state.choice.kept.indexOf(false) === -1 ? 6 : state.choice.kept.indexOf(false);
        const back = await checkRecovery(disk.fs, { sync: 'none' }, 2, state.label);
        expect(back, `${state.label}: a record after a hole in unsynced data must be cut, not reported as corruption`).toEqual(
          Array.from({ length: 2 + leading }, (_, i) => expected(i)),
        );
        states++;
      }
    }
    expect(states).toBe(128);
  });

  it('what recovery returns survives a power cut right after it (open syncs what it found)', async () => {
    for (let n = 1; n <= 5; n++) {
      const sim = new SimFs({ seed: n });
      const old = await openWal(DIR, { fs: sim.fs, sync: 'none' });
      for (let i = 0; i < n; i++) await old.append(payload(i)); // in the page cache only
      // The process restarts (the kernel keeps its page cache); the new one recovers the log ...
      const wal = await openWal(DIR, { fs: sim.fs, sync: 'none' });
      const seen = await readTexts(wal);
      expect(seen).toEqual(Array.from({ length: n }, (_, i) => expected(i)));
      // ... and then the power goes. Recovery handed these records out: they must stay.
      sim.crash('drop');
      expect((await openAndRead(sim.fs)).records, 'records a recovery returned vanished in the next power cut').toEqual(seen);
    }
  });

  it('recovery is idempotent, also when it crashes part-way: every crash point of a repair gives the same log', async () => {
    await forEachSeed(2, async (random) => {
      const base = await logOf(12, random.seed);
      const good = base.peek(seg(1))!;
      const recs = parseSegment(good);
      // a torn 13th record: a header that claims more bytes than follow, then garbage
      // (a plain Uint8Array: SimFs's `files` would share a Buffer's memory between disks)
      const torn = new Uint8Array(Buffer.concat([good, Buffer.from(good.subarray(recs[11]!.offset, recs[11]!.offset + HEADER + 3)), random.bytes(random.int(0, 40))]));
      const files = { [seg(1)]: torn };
      const reference = await openAndRead(new SimFs({ seed: 1, files }).fs);
      expect(reference.records).toEqual(Array.from({ length: 12 }, (_, i) => expected(i)));
      const dry = new SimFs({ seed: 1, files });
      await openWal(DIR, { fs: dry.fs });
      for (let n = 1; n <= dry.calls; n++) {
        const sim = new SimFs({ random, files });
        sim.armCrash({ nth: n, timing: random.pick(['before', 'after'] as const) });
        const run = await sim.runUntilCrash(() => openWal(DIR, { fs: sim.fs }));
        expect(run.crashed).toBe(true);
        sim.crash(random.pick(['drop', 'keep', 'prefix'] as const));
        const back = await checkRecovery(sim.fs, {}, 12, `repair crashed at call ${n}`);
        expect(back, `repair crashed at call ${n}, then ran again`).toEqual(reference.records);
      }
    });
  });
});

