/**
 * Stages 1-5: the log and commit, page LSNs and the WAL rule, redo, undo with compensation
 * records, checkpoints. Small hand-made scenarios on the simulated disk, each ending in a power cut.
 */
import { describe, expect, it } from 'vitest';
import { StoreClosedError, StoreFailedError, TransactionStateError, openStore, type Store } from '#kata/crash-recovery';
import { checkProperty, fc } from '#support/property';
import { forEachSeed } from '#support/seed';
import { SimFs } from '#support/simfs/index';
import { DIR, LOG, PAGES, PAGE_SIZE, open, snapshot } from './helpers.ts';

/** A store with 100 in slots 0..3 of pages 0..3, committed and written to disk. */
async function funded(sim: SimFs): Promise<Store> {
  const store = await open(sim.fs);
  const tx = store.begin();
  for (let p = 0; p < 4; p++) for (let s = 0; s < 4; s++) tx.write(p, s, 100);
  await tx.commit();
  for (let p = 0; p < 4; p++) await store.flushPage(p);
  return store;
}

/** Power cut (unsynced writes lost), then open again. */
async function crashAndOpen(sim: SimFs): Promise<Store> {
  sim.crash('drop');
  return open(sim.fs);
}

const FUNDED = new Array<number>(16).fill(100);

describe('stage 1: log records and commit', () => {
  it('every update, commit, compensation and end is one record: LSNs count up by one', async () => {
    const sim = new SimFs({ seed: 1 });
    const store = await open(sim.fs);
    const base = store.lastLsn;
    const tx = store.begin();
    expect(tx.write(0, 0, 5)).toBe(base + 1);
    expect(tx.add(1, 2, 3)).toBe(base + 2);
    expect(store.lastLsn).toBe(base + 2);
    expect(await tx.commit()).toBe(base + 3);
    const t2 = store.begin();
    expect(t2.add(0, 0, 7)).toBe(base + 4);
    await t2.abort(); // one compensation record and an end record
    expect(store.lastLsn).toBe(base + 6);
    expect(store.read(0, 0)).toBe(5);
    expect(store.read(1, 2)).toBe(3);
    await store.close();
  });

  it('an update is not forced; commit resolves only once the log up to its record is durable', async () => {
    const sim = new SimFs({ seed: 2 });
    const store = await open(sim.fs);
    const tx = store.begin();
    const lsn = tx.write(2, 1, 42);
    expect(store.durableLsn).toBeLessThan(lsn);
    const size = sim.peekDurable(LOG)!.length;
    const c = await tx.commit();
    expect(store.durableLsn).toBeGreaterThanOrEqual(c);
    expect(sim.peekDurable(LOG)!.length).toBeGreaterThan(size);
    const back = await crashAndOpen(sim);
    expect(back.read(2, 1)).toBe(42);
    await back.close();
  });

  it('a commit whose log fsync never happened is lost, and so are uncommitted writes', async () => {
    const sim = new SimFs({ seed: 3 });
    const store = await funded(sim);
    const t1 = store.begin();
    t1.add(0, 0, -30);
    t1.add(1, 0, 30);
    sim.armCrash({ op: 'fdatasync', path: LOG });
    const run = await sim.runUntilCrash(() => t1.commit());
    expect(run.crashed).toBe(true);
    const back = await crashAndOpen(sim);
    expect(snapshot(back)).toEqual(FUNDED);
    await back.close();
  });

  it('abort restores every slot it changed, also after a reopen', async () => {
    const sim = new SimFs({ seed: 4 });
    const store = await funded(sim);
    const tx = store.begin();
    tx.add(0, 0, 11);
    tx.write(0, 0, 7);
    tx.add(3, 3, -50);
    expect(store.read(0, 0)).toBe(7);
    await tx.abort();
    expect(snapshot(store)).toEqual(FUNDED);
    await store.close();
    const back = await open(sim.fs);
    expect(snapshot(back)).toEqual(FUNDED);
    await back.close();
  });

  it('bad input and misuse fail with typed errors', async () => {
    const sim = new SimFs({ seed: 5 });
    await expect(openStore(DIR, { fs: sim.fs, pageSize: 100 })).rejects.toThrow(RangeError);
    await expect(openStore(DIR, { fs: sim.fs, pageSize: 8 })).rejects.toThrow(RangeError);
    await expect(openStore(DIR, { fs: sim.fs, pages: 0 })).rejects.toThrow(RangeError);
    const store = await openStore(DIR, { fs: sim.fs, pageSize: 64, pages: 2 });
    expect(store.slotsPerPage).toBe(7);
    const tx = store.begin();
    expect(() => tx.write(2, 0, 1)).toThrow(RangeError);
    expect(() => tx.write(0, 7, 1)).toThrow(RangeError);
    expect(() => tx.write(0, -1, 1)).toThrow(RangeError);
    expect(() => tx.write(0, 0, 1.5)).toThrow(RangeError);
    expect(() => tx.add(0, 0, Number.NaN)).toThrow(RangeError);
    expect(() => store.read(0, 1.5)).toThrow(RangeError);
    await expect(store.flushPage(9)).rejects.toThrow(RangeError);
    tx.write(0, 0, 1);
    await tx.commit();
    expect(() => tx.write(0, 0, 2)).toThrow(TransactionStateError);
    await expect(tx.commit()).rejects.toThrow(TransactionStateError);
    await expect(tx.abort()).rejects.toThrow(TransactionStateError);
    const t2 = store.begin();
    await t2.abort();
    expect(() => t2.read(0, 0)).toThrow(TransactionStateError);
    await store.close();
    expect(() => store.begin()).toThrow(StoreClosedError);
    await expect(store.checkpoint()).rejects.toThrow(StoreClosedError);
  });

  it('a failed log fsync rejects the commit with StoreFailedError; the store then refuses work, and the commit is not there after a crash', async () => {
    const sim = new SimFs({ seed: 21 });
    const store = await funded(sim);
    const tx = store.begin();
    tx.add(0, 0, 5);
    sim.failFsync({ path: LOG });
    const err = await tx.commit().then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(StoreFailedError);
    expect((err as StoreFailedError).cause).toMatchObject({ code: 'EIO' });
    expect(() => store.begin()).toThrow(StoreFailedError);
    await expect(store.checkpoint()).rejects.toThrow(StoreFailedError);
    const back = await crashAndOpen(sim);
    expect(snapshot(back)).toEqual(FUNDED);
    await back.close();
  });

  it('property: committed transactions survive close and reopen, aborted ones leave no trace (model: a map)', async () => {
    const txArb = fc.record({
      ops: fc.array(fc.record({ page: fc.integer({ min: 0, max: 3 }), slot: fc.integer({ min: 0, max: 3 }), delta: fc.integer({ min: -50, max: 50 }) }), { minLength: 1, maxLength: 5 }),
      commit: fc.boolean(),
    });
    await checkProperty(
      fc.asyncProperty(fc.array(txArb, { maxLength: 12 }), async (txs) => {
        const sim = new SimFs({ seed: 6 });
        const store = await open(sim.fs);
        const model = new Array<number>(16).fill(0);
        for (const t of txs) {
          const tx = store.begin();
          for (const op of t.ops) tx.add(op.page, op.slot, op.delta);
          if (t.commit) {
            await tx.commit();
            for (const op of t.ops) model[op.page * 4 + op.slot]! += op.delta;
          } else await tx.abort();
        }
        expect(snapshot(store)).toEqual(model);
        await store.close();
        const back = await open(sim.fs);
        expect(snapshot(back)).toEqual(model);
        await back.close();
      }),
      { numRuns: 25 },
    );
  });
});

describe('stage 2: page LSNs and the WAL rule', () => {
  it("a page's LSN is the LSN of the last record applied to it", async () => {
    const sim = new SimFs({ seed: 7 });
    const store = await open(sim.fs);
    expect(store.pageLsn(1)).toBe(0);
    const tx = store.begin();
    const a = tx.add(1, 0, 5);
    expect(store.pageLsn(1)).toBe(a);
    const b = tx.add(2, 0, 5);
    const c = tx.add(1, 3, 5);
    expect([store.pageLsn(1), store.pageLsn(2)]).toEqual([c, b]);
    await tx.abort(); // undo applies compensation records: the page LSN moves on
    expect(store.pageLsn(1)).toBeGreaterThan(c);
    expect(store.pageLsn(1)).toBeLessThanOrEqual(store.lastLsn);
    await store.close();
  });

  it('commit writes no page (no-force); flushPage writes the page image durably: u64 page LSN, then f64 slots', async () => {
    const sim = new SimFs({ seed: 8 });
    const store = await open(sim.fs);
    const tx = store.begin();
    tx.write(3, 2, 1234);
    await tx.commit();
    const slotOnDisk = () => {
      const disk = sim.peekDurable(PAGES) ?? new Uint8Array(0);
      if (disk.length < 4 * PAGE_SIZE) return { lsn: 0, value: 0 };
      const view = new DataView(disk.buffer, disk.byteOffset + 3 * PAGE_SIZE, PAGE_SIZE);
      return { lsn: Number(view.getBigUint64(0, true)), value: view.getFloat64(8 + 2 * 8, true) };
    };
    expect(slotOnDisk()).toEqual({ lsn: 0, value: 0 });
    await store.flushPage(3);
    expect(slotOnDisk()).toEqual({ lsn: store.pageLsn(3), value: 1234 });
    await store.close();
  });

  it('a page the pages file does not reach yet reads as zeros with page LSN 0; flushPage of a clean page writes nothing', async () => {
    const sim = new SimFs({ seed: 20 });
    const store = await open(sim.fs);
    expect(store.pageLsn(3)).toBe(0);
    expect(snapshot(store)).toEqual(new Array<number>(16).fill(0));
    const before = sim.trace.length;
    await store.flushPage(2);
    expect(sim.trace.slice(before).filter((e) => e.op === 'write')).toEqual([]);
    const tx = store.begin();
    tx.add(1, 1, 9);
    await tx.commit();
    await store.flushPage(1);
    const disk = sim.peekDurable(PAGES)!;
    const view = new DataView(disk.buffer, disk.byteOffset + PAGE_SIZE, PAGE_SIZE);
    expect(Number(view.getBigUint64(0, true))).toBe(store.pageLsn(1));
    expect(view.getFloat64(8 + 1 * 8, true)).toBe(9);
    await store.close();
  });

  it('steal: flushing a page with uncommitted changes forces the log up to its page LSN first', async () => {
    const sim = new SimFs({ seed: 9 });
    const store = await funded(sim);
    const tx = store.begin();
    tx.add(0, 1, 55);
    const lsn = tx.add(0, 2, -55);
    expect(store.durableLsn).toBeLessThan(lsn);
    await store.flushPage(0);
    expect(store.durableLsn).toBeGreaterThanOrEqual(lsn);
    // the trace: the log's fsync comes before the page write
    const trace = sim.trace.filter((e) => e.epoch === sim.epoch);
    const pageWrite = trace.findLastIndex((e) => e.op === 'write' && e.target.includes(PAGES));
    const logSync = trace.findLastIndex((e) => e.op === 'fdatasync' || e.op === 'fsync' ? e.target.includes(LOG) : false);
    expect(logSync).toBeGreaterThanOrEqual(0);
    expect(logSync).toBeLessThan(pageWrite);
    const back = await crashAndOpen(sim);
    expect(snapshot(back)).toEqual(FUNDED);
    await back.close();
  });

  it('a page written with uncommitted changes is repaired by recovery, at every crash point of the flush', async () => {
    await forEachSeed(2, async (random) => {
      const dry = new SimFs({ seed: random.seed });
      const work = async (sim: SimFs) => {
        const store = await funded(sim);
        const tx = store.begin();
        tx.add(1, 1, random.int(1, 90));
        tx.add(2, 2, -7);
        await store.flushPage(1);
        await store.flushPage(2);
      };
      await work(dry);
      for (let n = 1; n <= dry.calls; n++) {
        const sim = new SimFs({ seed: random.seed });
        sim.armCrash({ nth: n });
        await sim.runUntilCrash(() => work(sim));
        sim.crash({ unsynced: 'prefix' });
        const back = await open(sim.fs);
        const got = snapshot(back);
        if (got.some((v) => v !== 0)) expect(got, `crash at call ${n}`).toEqual(FUNDED);
        await back.close();
      }
    });
  });
});

describe('stage 3: redo', () => {
  it('committed changes that never reached a page are redone', async () => {
    const sim = new SimFs({ seed: 10 });
    const store = await funded(sim);
    const tx = store.begin();
    tx.add(0, 0, 1);
    tx.add(1, 0, 2);
    tx.add(2, 0, 3);
    await tx.commit();
    const back = await crashAndOpen(sim);
    expect(back.recoveryStats()).toMatchObject({ redone: 3, skipped: 16, losers: 0, undone: 0 }); // the 16 funding updates are on disk already
    expect([back.read(0, 0), back.read(1, 0), back.read(2, 0)]).toEqual([101, 102, 103]);
    await back.close();
  });

  it('redo skips a record the page already has (page LSN ≥ record LSN): a delta is never applied twice', async () => {
    const sim = new SimFs({ seed: 11 });
    const store = await open(sim.fs);
    const tx = store.begin();
    for (let i = 0; i < 3; i++) tx.add(0, i, 10);
    for (let i = 0; i < 2; i++) tx.add(1, i, 20);
    await tx.commit();
    await store.flushPage(0);
    const back = await crashAndOpen(sim);
    expect(back.recoveryStats()).toMatchObject({ redone: 2, skipped: 3 });
    expect(snapshot(back).slice(0, 8)).toEqual([10, 10, 10, 0, 20, 20, 0, 0]);
    await back.close();
  });

  it('recovering again (after a crash with nothing new) changes nothing: redo is idempotent', async () => {
    const sim = new SimFs({ seed: 12 });
    const store = await funded(sim);
    const tx = store.begin();
    tx.add(0, 0, 9);
    tx.add(3, 3, -9);
    await tx.commit();
    await store.flushPage(3);
    const first = await crashAndOpen(sim);
    const once = snapshot(first);
    const second = await crashAndOpen(sim);
    expect(snapshot(second)).toEqual(once);
    expect(once[0]).toBe(109);
    expect(once[15]).toBe(91);
    await second.close();
  });

  it('property: committed work with pages flushed at random points comes back exactly after a power cut', async () => {
    const step = fc.oneof(
      fc.record({ kind: fc.constant('tx' as const), page: fc.integer({ min: 0, max: 3 }), slot: fc.integer({ min: 0, max: 3 }), delta: fc.integer({ min: -9, max: 9 }) }),
      fc.record({ kind: fc.constant('flush' as const), page: fc.integer({ min: 0, max: 3 }) }),
    );
    await checkProperty(
      fc.asyncProperty(fc.array(step, { maxLength: 25 }), async (steps) => {
        const sim = new SimFs({ seed: 13 });
        const store = await open(sim.fs);
        const model = new Array<number>(16).fill(0);
        let updates = 0;
        for (const s of steps) {
          if (s.kind === 'flush') await store.flushPage(s.page);
          else {
            const tx = store.begin();
            tx.add(s.page, s.slot, s.delta);
            tx.add(s.page, s.slot, 1);
            await tx.commit();
            model[s.page * 4 + s.slot]! += s.delta + 1;
            updates += 2;
          }
        }
        const back = await crashAndOpen(sim);
        expect(snapshot(back)).toEqual(model);
        const st = back.recoveryStats();
        expect(st.redone + st.skipped).toBe(updates);
        await back.close();
      }),
      { numRuns: 25 },
    );
  });
});

describe('stage 4: undo with compensation records', () => {
  it('a loser whose pages reached the disk is rolled back; the rollback itself is logged', async () => {
    const sim = new SimFs({ seed: 14 });
    const store = await funded(sim);
    const loser = store.begin();
    loser.add(0, 0, 500);
    loser.add(1, 1, -60);
    const winner = store.begin();
    winner.add(2, 2, 1);
    await winner.commit(); // forces the loser's records too
    await store.flushPage(0);
    await store.flushPage(1);
    const back = await crashAndOpen(sim);
    expect(back.recoveryStats()).toMatchObject({ losers: 1, undone: 2 });
    const want = FUNDED.slice();
    want[2 * 4 + 2] = 101;
    expect(snapshot(back)).toEqual(want);
    const again = await crashAndOpen(sim);
    expect(again.recoveryStats()).toMatchObject({ losers: 0, undone: 0 });
    expect(snapshot(again)).toEqual(want);
    await again.close();
  });

  it('a finished abort needs no undo after a crash: its compensation records are redone', async () => {
    const sim = new SimFs({ seed: 15 });
    const store = await funded(sim);
    const tx = store.begin();
    tx.add(0, 3, 25);
    tx.add(2, 3, -25);
    await store.flushPage(0); // the aborted change is on disk
    await tx.abort();
    const w = store.begin();
    w.add(3, 0, 0);
    await w.commit(); // the abort's records are durable now
    const back = await crashAndOpen(sim);
    expect(back.recoveryStats()).toMatchObject({ losers: 0, undone: 0 });
    expect(snapshot(back)).toEqual(FUNDED);
    await back.close();
  });

  it('a crash at any call of recovery, then recovery again: the same state, nothing undone twice', async () => {
    await forEachSeed(2, async (random) => {
      const sim = new SimFs({ seed: random.seed });
      const store = await funded(sim);
      const losers = [store.begin(), store.begin()];
      for (let i = 0; i < 6; i++) losers[i % 2]!.add(random.int(0, 3), random.int(0, 3), random.int(1, 30));
      const w = store.begin();
      w.add(3, 3, 1);
      await w.commit();
      for (let p = 0; p < 4; p++) await store.flushPage(p);
      sim.crash('drop');
      const image = sim.durableImage();
      const want = FUNDED.slice();
      want[15] = 101;
      const dry = SimFs.fromImage(image, { seed: random.seed });
      expect(snapshot(await open(dry.fs))).toEqual(want);
      const calls = dry.calls;
      for (let n = 1; n <= calls; n++) {
        const disk = SimFs.fromImage(image, { seed: random.seed + n });
        disk.armCrash({ nth: n });
        const run = await disk.runUntilCrash(() => open(disk.fs));
        expect(run.crashed, `recovery crashed at call ${n}`).toBe(true);
        disk.crash({ unsynced: 'prefix' });
        const back = await open(disk.fs);
        expect(snapshot(back), `recovery crashed at call ${n} of ${calls}`).toEqual(want);
        await back.close();
      }
    });
  });
});

describe('stage 5: checkpoints', () => {
  it("a checkpoint records where redo starts: the oldest first-dirtying LSN of a page not yet written", async () => {
    const sim = new SimFs({ seed: 16 });
    const store = await funded(sim);
    const t1 = store.begin();
    t1.add(0, 0, 1);
    await t1.commit();
    await store.flushPage(0);
    const t2 = store.begin();
    const dirtiedAt = t2.add(1, 0, 2);
    await t2.commit();
    const t3 = store.begin();
    t3.add(1, 1, 3);
    await t3.commit();
    const ck = await store.checkpoint();
    expect(ck).toBe(store.lastLsn);
    expect(store.durableLsn).toBeGreaterThanOrEqual(ck);
    const back = await crashAndOpen(sim);
    expect(back.recoveryStats()).toMatchObject({ redoStart: dirtiedAt, redone: 2, skipped: 0 });
    expect([back.read(0, 0), back.read(1, 0), back.read(1, 1)]).toEqual([101, 102, 103]);
    await back.close();
  });

  it('with every page written, redo starts at the checkpoint and looks at nothing before it', async () => {
    const sim = new SimFs({ seed: 17 });
    const store = await funded(sim);
    for (let i = 0; i < 5; i++) {
      const tx = store.begin();
      tx.add(i % 4, 0, 1);
      await tx.commit();
    }
    for (let p = 0; p < 4; p++) await store.flushPage(p);
    const ck = await store.checkpoint();
    const tx = store.begin();
    tx.add(2, 2, 5);
    await tx.commit();
    const back = await crashAndOpen(sim);
    expect(back.recoveryStats()).toMatchObject({ redoStart: ck, redone: 1, skipped: 0, losers: 0 });
    expect(back.read(2, 2)).toBe(105);
    await back.close();
  });

  it('a transaction running across a checkpoint is undone back past it', async () => {
    const sim = new SimFs({ seed: 18 });
    const store = await funded(sim);
    const loser = store.begin();
    loser.add(0, 0, 10);
    loser.add(1, 0, 20);
    for (let p = 0; p < 4; p++) await store.flushPage(p);
    await store.checkpoint();
    loser.add(2, 0, 30);
    await store.flushPage(2);
    const back = await crashAndOpen(sim);
    expect(back.recoveryStats()).toMatchObject({ losers: 1, undone: 3 });
    expect(snapshot(back)).toEqual(FUNDED);
    await back.close();
  });

  it('open and close leave a checkpoint: the next recovery redoes nothing', async () => {
    const sim = new SimFs({ seed: 19 });
    const store = await funded(sim);
    const tx = store.begin();
    tx.add(1, 1, 1);
    await tx.commit();
    await store.close();
    const back = await open(sim.fs);
    expect(back.recoveryStats()).toMatchObject({ redone: 0, losers: 0, undone: 0 });
    expect(back.recoveryStats().redoStart).toBe(back.recoveryStats().logRecords);
    expect(back.read(1, 1)).toBe(101);
    await back.close();
  });
});
