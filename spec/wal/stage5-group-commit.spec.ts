/**
 * Stage 5: group commit and fsync errors. Concurrent appends share fsyncs; nothing is acknowledged
 * before the fsync that covers it (crash at every call with 4 and 16 writers); a group whose write
 * lands in pieces recovers a prefix; a failed fsync or write rejects the append and stops the log.
 */
import { describe, expect, it } from 'vitest';
import { openWal, WalClosedError, WalFailedError } from '#kata/wal';
import { forEachSeed } from '#support/seed';
import { SimFs } from '#support/simfs/index';
import { DIR, HEADER, checkRecovery, crashAtEveryOp, expected, openAndRead, payload, readTexts, runWorkload, settle } from './helpers.ts';

const syncs = (sim: SimFs) => sim.trace.filter((e) => (e.op === 'fsync' || e.op === 'fdatasync') && e.target.includes('.wal')).length;
const writes = (sim: SimFs) => sim.trace.filter((e) => e.op === 'write').length;

describe('stage 5: group commit and fsync errors', () => {
  it('8 concurrent writers with sync "batch" share fsyncs; with "always" every append has its own', async () => {
    const counts: Record<string, number> = {};
    for (const sync of ['batch', 'always'] as const) {
      const sim = new SimFs({ seed: 1 });
      const acked: bigint[] = [];
      const before = syncs(sim);
      await runWorkload(sim.fs, { appends: 200, writers: 8, sync, segmentBytes: 1 << 20 }, acked);
      counts[sync] = syncs(sim) - before;
      expect([...acked].sort((a, b) => (a < b ? -1 : 1))).toEqual(Array.from({ length: 200 }, (_, i) => BigInt(i + 1)));
      expect((await openAndRead(sim.fs)).records).toEqual(Array.from({ length: 200 }, (_, i) => expected(i)));
    }
    expect(counts.batch, `fsyncs for 200 appends from 8 writers with "batch"`).toBeLessThanOrEqual(50);
    expect(counts.always, `fsyncs for 200 appends with "always"`).toBeGreaterThanOrEqual(200);
  });

  it('appends issued together form one group: one write and one fsync, LSNs in call order', async () => {
    const sim = new SimFs({ seed: 2 });
    const wal = await openWal(DIR, { fs: sim.fs, sync: 'batch' });
    const [s0, w0] = [syncs(sim), writes(sim)];
    const lsns = await Promise.all(Array.from({ length: 64 }, (_, i) => wal.append(payload(i))));
    expect(lsns).toEqual(Array.from({ length: 64 }, (_, i) => BigInt(i + 1)));
    expect(syncs(sim) - s0, 'fsyncs for 64 appends made in one tick').toBeLessThanOrEqual(2);
    expect(writes(sim) - w0, 'write calls for 64 appends made in one tick').toBeLessThanOrEqual(2);
    expect(await readTexts(wal)).toEqual(Array.from({ length: 64 }, (_, i) => expected(i)));
    await wal.close();
  });

  for (const [writers, minStates] of [
    [4, 400],
    [16, 150],
  ] as const) {
    it(`group commit acknowledges nothing before its fsync: a power cut before any call of 200 appends from ${writers} writers`, async () => {
      await forEachSeed(1, async (random) => {
        const states = await crashAtEveryOp({ appends: 200, writers, sync: 'batch', segmentBytes: 2048 }, random);
        expect(states).toBeGreaterThanOrEqual(minStates);
      });
    }, 120_000);
  }

  it('a group written in several short writes: any subset of the pieces landing recovers exactly the records before the first hole', async () => {
    let states = 0;
    for (const piece of [40, 64]) {
      const sim = new SimFs({ seed: piece });
      const wal = await openWal(DIR, { fs: sim.fs, sync: 'batch' });
      for (let i = 0; i < 2; i++) await wal.append(payload(i)); // two acknowledged records
      sim.shortWrite({ bytes: piece, path: /\.wal$/, times: Infinity });
      sim.armCrash({ op: 'fdatasync', path: /\.wal$/ }); // the group is written, in pieces; the power goes before its fsync
      const group = Array.from({ length: 6 }, (_, k) => wal.append(payload(2 + k)).catch(() => 'failed'));
      await Promise.all(group);
      const sizes = Array.from({ length: 6 }, (_, k) => HEADER + payload(2 + k).length);
      const total = sizes.reduce((a, b) => a + b, 0);
      expect(sim.pending().map((p) => p.kind)).toEqual(Array.from({ length: Math.ceil(total / piece) }, () => 'write'));
      for (const state of sim.crashStates('subset')) {
        // record k of the group is whole when every piece that holds one of its bytes landed
        let intact = 0;
        for (let k = 0, at = 0; k < 6; at += sizes[k]!, k++) {
          const pieces = state.choice.kept.slice(Math.floor(at / piece), Math.ceil((at + sizes[k]!) / piece));
          if (pieces.every(Boolean)) intact++;
          else break;
        }
        const back = await checkRecovery(state.boot().fs, { sync: 'batch' }, 2, state.label);
        expect(back, `${state.label}: intact records after a hole in the unsynced group must be cut, not called corruption`).toEqual(
          Array.from({ length: 2 + intact }, (_, i) => expected(i)),
        );
        states++;
      }
    }
    expect(states).toBeGreaterThanOrEqual(128 + 32);
  });

  it('a failed fsync rejects the append with WalFailedError; the log then refuses appends without touching the disk', async () => {
    for (const sync of ['always', 'batch'] as const) {
      const sim = new SimFs({ seed: 3 });
      const wal = await openWal(DIR, { fs: sim.fs, sync });
      for (let i = 0; i < 3; i++) await wal.append(payload(i));
      sim.failFsync({ path: /\.wal$/ }); // EIO once; the kernel drops the dirty pages
      const err = await settle(wal.append(payload(3)));
      expect(err, `${sync}: the append whose fsync failed`).toBeInstanceOf(WalFailedError);
      expect((err as WalFailedError).code).toBe('WAL_FAILED');
      expect(((err as Error).cause as NodeJS.ErrnoException | undefined)?.code, 'the fs error is the cause').toBe('EIO');
      const [s0, w0] = [syncs(sim), writes(sim)];
      expect(await settle(wal.append(payload(4))), `${sync}: an append after the failure`).toBeInstanceOf(WalFailedError);
      expect([syncs(sim) - s0, writes(sim) - w0], 'fsyncs and writes after the failure: retrying cannot bring dropped pages back').toEqual([0, 0]);
      await wal.close();
      sim.crash('drop');
      const back = await checkRecovery(sim.fs, { sync }, 3, `${sync}: after a failed fsync and a power cut`);
      expect(back).toEqual([expected(0), expected(1), expected(2)]);
    }
  });

  it('a failed fsync fails every append of its group and every append queued behind it', async () => {
    const sim = new SimFs({ seed: 4 });
    const wal = await openWal(DIR, { fs: sim.fs, sync: 'batch' });
    await wal.append(payload(0));
    sim.failFsync({ path: /\.wal$/ });
    const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => wal.append(payload(i + 1))));
    expect(results.map((r) => (r.status === 'rejected' && r.reason instanceof WalFailedError ? 'WalFailedError' : r.status))).toEqual(
      Array.from({ length: 10 }, () => 'WalFailedError'),
    );
    await wal.close();
  });

  it('a failed write (disk full) or a failed directory sync at rotation rejects the append and stops the log', async () => {
    await forEachSeed(2, async (random) => {
      for (const fault of ['write', 'fsyncDir'] as const) {
        const sim = new SimFs({ random });
        const wal = await openWal(DIR, { fs: sim.fs, segmentBytes: 120 });
        const n = random.int(1, 5);
        for (let i = 0; i < n; i++) await wal.append(payload(i));
        if (fault === 'write') sim.inject({ op: 'write', error: 'ENOSPC' });
        else sim.inject({ op: 'fsyncDir', error: 'EIO' });
        let failedAt = -1;
        for (let i = n; i < n + 6 && failedAt < 0; i++) {
          const r = await settle(wal.append(payload(i)));
          if (typeof r !== 'string') {
            expect(r, `${fault} fault`).toBeInstanceOf(WalFailedError);
            failedAt = i;
          }
        }
        expect(failedAt, `${fault}: no append failed`).toBeGreaterThanOrEqual(n);
        expect(await settle(wal.append(payload(99)))).toBeInstanceOf(WalFailedError);
        await wal.close();
        sim.crash(random.pick(['drop', 'keep'] as const));
        await checkRecovery(sim.fs, { segmentBytes: 120 }, failedAt, `${fault} failed at append ${failedAt}`);
      }
    });
  });

  it('close() lets appends already made finish, then refuses new ones', async () => {
    const sim = new SimFs({ seed: 5 });
    const wal = await openWal(DIR, { fs: sim.fs, sync: 'batch' });
    const pending = Array.from({ length: 10 }, (_, i) => wal.append(payload(i)));
    const closing = wal.close();
    expect(await settle(wal.append(payload(10)))).toBeInstanceOf(WalClosedError);
    expect(await Promise.all(pending)).toEqual(Array.from({ length: 10 }, (_, i) => BigInt(i + 1)));
    await closing;
    sim.crash('drop');
    expect((await openAndRead(sim.fs)).records).toEqual(Array.from({ length: 10 }, (_, i) => expected(i)));
  });
});
