/**
 * Stage 5: compaction, amplification and the model. L0 tables merge into L1 once there are
 * l0Trigger of them, full levels merge into the next, tombstones survive every compaction but one
 * into the bottom, write and read amplification are reported, and a fast-check model test holds the
 * whole store to a Map across flushes, compactions, clean restarts and power cuts.
 */
import { describe, expect, it } from 'vitest';
import { openLsm, type Lsm, type LsmOptions } from '#kata/lsm-tree';
import { checkProperty, fc } from '#support/property';
import { SimFs } from '#support/simfs';
import { DIR, collect, modelScan, show, text } from './helpers.ts';

const countFiles = async (sim: SimFs, ext: string) => (await sim.fs.readdir(DIR)).filter((f) => f.endsWith(ext)).length;

describe('stage 5: compaction, amplification and the model', () => {
  it('compacts L0 into L1 once it holds l0Trigger tables, deletes the inputs, and keeps every newest value', async () => {
    const sim = new SimFs({ seed: 1 });
    const db = await openLsm(DIR, { fs: sim.fs, l0Trigger: 3, levelBytes: 1 << 20 });
    await db.put('a', 'a1');
    await db.put('b', 'b1');
    await db.flush();
    await db.put('a', 'a2');
    await db.put('c', 'c1');
    await db.flush();
    expect(db.stats().levels).toEqual([2, 0, 0, 0]);
    expect(db.stats().compactions).toBe(0);
    await db.put('b', 'b3');
    await db.flush(); // the third L0 table triggers the compaction
    expect(db.stats().levels).toEqual([0, 1, 0, 0]);
    expect(db.stats().compactions).toBe(1);
    expect(await countFiles(sim, '.sst')).toBe(1);
    expect(await collect(db.scan())).toEqual([['a', 'a2'], ['b', 'b3'], ['c', 'c1']]);
    await db.close();
    const again = await openLsm(DIR, { fs: sim.fs });
    expect(text(await again.get('a'))).toBe('a2');
    expect(again.stats().levels).toEqual([0, 1, 0, 0]);
    await again.close();
  });

  it('keeps a tombstone through a compaction that is not into the bottom level, so the old value stays deleted', async () => {
    const sim = new SimFs({ seed: 2 });
    const opts: LsmOptions = { fs: sim.fs, l0Trigger: 2, levelBytes: 1 << 20 };
    const db = await openLsm(DIR, opts);
    await db.put('doomed', 'old-value');
    await db.put('keep', 'k1');
    await db.compact(); // everything into the bottom level
    expect(db.stats().levels).toEqual([0, 0, 0, 1]);
    await db.delete('doomed');
    await db.put('filler', 'f1');
    await db.flush();
    await db.put('filler', 'f2');
    await db.flush(); // L0 → L1 while the old value sits in L3: the tombstone must come along
    expect(db.stats().levels).toEqual([0, 1, 0, 1]);
    expect(await db.get('doomed')).toBeUndefined();
    expect(await collect(db.scan())).toEqual([['filler', 'f2'], ['keep', 'k1']]);
    await db.close();
    const again = await openLsm(DIR, opts);
    expect(await again.get('doomed')).toBeUndefined();
    await again.close();
  });

  it('compact() merges everything into one bottom table and drops tombstones there', async () => {
    const sim = new SimFs({ seed: 3 });
    const db = await openLsm(DIR, { fs: sim.fs, l0Trigger: 10 });
    for (let i = 0; i < 20; i++) await db.put(`key-${i}`, 'x'.repeat(50));
    await db.flush();
    for (let i = 0; i < 20; i += 2) await db.delete(`key-${i}`);
    await db.flush();
    const before = db.stats().tableBytes;
    await db.compact();
    expect(db.stats().levels).toEqual([0, 0, 0, 1]);
    const written = db.stats().tableBytes - before;
    // Ten live keys of 56 bytes: a table holding the ten tombstones too would be larger.
    expect(written).toBeLessThan(10 * (8 + 6 + 50) + 10 * (8 + 6) + 200);
    expect((await collect(db.scan())).map(([k]) => k)).toEqual(['key-1', 'key-11', 'key-13', 'key-15', 'key-17', 'key-19', 'key-3', 'key-5', 'key-7', 'key-9']);
    for (let i = 1; i < 20; i += 2) await db.delete(`key-${i}`);
    await db.compact(); // everything deleted: no table at all
    expect(db.stats().tables).toBe(0);
    expect(await countFiles(sim, '.sst')).toBe(0);
    expect(await collect(db.scan())).toEqual([]);
    await db.close();
  });

  it('pushes a full L1 down into L2 and on into L3', async () => {
    const sim = new SimFs({ seed: 4 });
    const db = await openLsm(DIR, { fs: sim.fs, memtableBytes: 150, l0Trigger: 2, levelBytes: 300 });
    for (let i = 0; i < 150; i++) await db.put(`key-${String(i).padStart(4, '0')}`, `value-${i}`);
    const levels = db.stats().levels;
    expect(levels[2]! + levels[3]!).toBeGreaterThan(0);
    expect(levels[0]!).toBeLessThan(2);
    const all = await collect(db.scan());
    expect(all).toHaveLength(150);
    expect(all[123]).toEqual(['key-0123', 'value-123']);
    expect(await collect(db.scan('key-0100', 'key-0103'))).toEqual([['key-0100', 'value-100'], ['key-0101', 'value-101'], ['key-0102', 'value-102']]);
    await db.close();
  });

  it('reports write amplification (WAL + table bytes over user bytes) and read amplification (blocks read by the last get)', async () => {
    const sim = new SimFs({ seed: 5 });
    const db = await openLsm(DIR, { fs: sim.fs, memtableBytes: 2000, l0Trigger: 100, blockBytes: 256 });
    expect(db.stats().writeAmplification).toBe(0);
    for (let i = 0; i < 100; i++) await db.put(`key-${String(i).padStart(4, '0')}`, 'v'.repeat(92)); // 100 bytes a put
    const s = db.stats();
    expect(s.userBytes).toBe(10_000);
    expect(s.flushes).toBe(5);
    expect(s.walBytes).toBe(100 * (12 + 100)); // a 12-byte record header a put
    // Each byte lands in the WAL and once more in a table: a little over 2.
    expect(s.writeAmplification).toBeCloseTo((s.walBytes + s.tableBytes) / 10_000, 10);
    expect(s.writeAmplification).toBeGreaterThan(2.1);
    expect(s.writeAmplification).toBeLessThan(2.6);
    await db.compact(); // every table rewritten once more
    expect(db.stats().writeAmplification - s.writeAmplification).toBeGreaterThan(0.95);
    expect(db.stats().writeAmplification - s.writeAmplification).toBeLessThan(1.3);

    await db.put('in-memtable', 'x');
    expect(text(await db.get('in-memtable'))).toBe('x');
    expect(db.stats().readAmplification).toBe(0); // the memtable answered
    expect(text(await db.get('key-0042'))).toBe('v'.repeat(92));
    expect(db.stats().readAmplification).toBe(1); // one table, one block
    let blocks = 0;
    for (let i = 0; i < 200; i++) {
      expect(await db.get(`key-${String(i).padStart(4, '0')}x`)).toBeUndefined();
      blocks += db.stats().readAmplification;
    }
    expect(blocks).toBeLessThan(20); // the bloom filter answers almost every miss
    await db.close();
  });

  it('counts one block per table a get has to look into, newest first', async () => {
    const sim = new SimFs({ seed: 6 });
    const db = await openLsm(DIR, { fs: sim.fs, l0Trigger: 100 });
    for (let t = 0; t < 5; t++) {
      await db.put(`only-in-${t}`, `t${t}`);
      await db.put('everywhere', `t${t}`);
      await db.flush();
    }
    expect(text(await db.get('everywhere'))).toBe('t4');
    expect(db.stats().readAmplification).toBe(1); // found in the newest table
    expect(text(await db.get('only-in-0'))).toBe('t0');
    const ra = db.stats().readAmplification;
    expect(ra).toBeGreaterThanOrEqual(1); // the oldest table, plus any bloom false positives
    expect(ra).toBeLessThanOrEqual(5);
    await db.close();
  });

  it('a scan reads a snapshot: writes, flushes and compactions during it change nothing it returns', async () => {
    const sim = new SimFs({ seed: 7 });
    const db = await openLsm(DIR, { fs: sim.fs, memtableBytes: 64, l0Trigger: 2, levelBytes: 256 });
    for (let i = 0; i < 40; i++) await db.put(`k${String(i).padStart(2, '0')}`, `v${i}`);
    const seen: Array<[string, string]> = [];
    for await (const [k, v] of db.scan()) {
      seen.push([text(k)!, text(v)!]);
      if (seen.length === 5) {
        for (let i = 0; i < 40; i++) await db.put(`k${String(i).padStart(2, '0')}`, `new${i}`);
        await db.delete('k30');
        await db.compact();
      }
    }
    expect(seen).toEqual(Array.from({ length: 40 }, (_, i) => [`k${String(i).padStart(2, '0')}`, `v${i}`]));
    expect(text(await db.get('k07'))).toBe('new7');
    await db.close();
    expect(await countFiles(sim, '.sst')).toBe(1); // the tables the scan held are gone now
  });

  it('matches a sorted Map model across puts, deletes, scans, flushes, compactions, restarts and power cuts', async () => {
    type Cmd =
      | { t: 'put'; key: string; value: string }
      | { t: 'del'; key: string }
      | { t: 'get'; key: string }
      | { t: 'scan'; lo?: string; hi?: string }
      | { t: 'flush' }
      | { t: 'compact' }
      | { t: 'restart' }
      | { t: 'powercut' };
    const key = fc.constantFrom('a', 'b', 'c', 'ab', 'ba', 'bb', 'c0', 'é', 'z');
    const cmd: fc.Arbitrary<Cmd> = fc.oneof(
      { weight: 6, arbitrary: fc.record({ t: fc.constant('put' as const), key, value: fc.string({ minLength: 1, maxLength: 12 }) }) },
      { weight: 2, arbitrary: fc.record({ t: fc.constant('del' as const), key }) },
      { weight: 2, arbitrary: fc.record({ t: fc.constant('get' as const), key }) },
      { weight: 1, arbitrary: fc.record({ t: fc.constant('scan' as const), lo: fc.option(key, { nil: undefined }), hi: fc.option(key, { nil: undefined }) }) },
      { weight: 1, arbitrary: fc.constant({ t: 'flush' as const }) },
      { weight: 1, arbitrary: fc.constant({ t: 'compact' as const }) },
      { weight: 1, arbitrary: fc.constant({ t: 'restart' as const }) },
      { weight: 1, arbitrary: fc.constant({ t: 'powercut' as const }) },
    );
    await checkProperty(
      fc.asyncProperty(fc.array(cmd, { minLength: 10, maxLength: 60 }), fc.integer({ min: 30, max: 120 }), async (cmds, memtableBytes) => {
        const sim = new SimFs({ seed: memtableBytes });
        const opts: LsmOptions = { memtableBytes, l0Trigger: 2, levelBytes: 2 * memtableBytes, blockBytes: 32 };
        let db: Lsm = await openLsm(DIR, { ...opts, fs: sim.fs });
        const model = new Map<string, string>();
        try {
          for (const c of cmds) {
            switch (c.t) {
              case 'put':
                await db.put(c.key, c.value);
                model.set(c.key, c.value);
                break;
              case 'del':
                await db.delete(c.key);
                model.delete(c.key);
                break;
              case 'get':
                expect(text(await db.get(c.key)), `get(${c.key})`).toBe(model.get(c.key));
                break;
              case 'scan':
                expect(await collect(db.scan(c.lo, c.hi)), `scan(${c.lo}, ${c.hi})`).toEqual(modelScan(model, c.lo, c.hi));
                break;
              case 'flush':
                await db.flush();
                break;
              case 'compact':
                await db.compact();
                break;
              case 'restart':
                await db.close();
                db = await openLsm(DIR, { ...opts, fs: sim.fs });
                break;
              case 'powercut':
                sim.crash('drop'); // every put was acknowledged after its fsync: nothing may be lost
                db = await openLsm(DIR, { ...opts, fs: sim.fs });
                break;
            }
          }
          expect(show(await collect(db.scan()))).toBe(show(model));
        } finally {
          await db.close().catch(() => {});
        }
      }),
      { numRuns: 60 },
    );
  });
});
