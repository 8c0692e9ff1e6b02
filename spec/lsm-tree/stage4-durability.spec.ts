/**
 * Stage 4: the WAL, flushes and the manifest. Every put is in the WAL before it is acknowledged; a
 * flush writes the memtable as a table and installs a manifest naming it (atomic rename, directory
 * fsync) before the old WAL goes. Restarts, sync 'none', failed fsyncs and damaged files here; the
 * power cuts at every call are in stage4-crash-*.spec.ts.
 */
import { describe, expect, it } from 'vitest';
import { LsmClosedError, LsmCorruptionError, openLsm } from '#kata/lsm-tree';
import { flipBit } from '#support/corrupt';
import { SimFs } from '#support/simfs';
import { DIR, b, collect, show, stateOf, text } from './helpers.ts';

describe('stage 4: WAL, flush and crash safety', () => {
  it('puts, gets, deletes and scans in unsigned byte order, strings and bytes alike', async () => {
    const sim = new SimFs({ seed: 1 });
    const db = await openLsm(DIR, { fs: sim.fs });
    await db.put('b', 'two');
    await db.put(b('a'), b('one'));
    await db.put('é', 'accent');
    await db.put('B', 'upper');
    await db.put(Uint8Array.of(0), Uint8Array.of(1, 2));
    await db.put('b', 'TWO');
    await db.delete('a');
    await db.delete('never-there');
    expect(text(await db.get('b'))).toBe('TWO');
    expect(await db.get('a')).toBeUndefined();
    expect(await db.get('never-there')).toBeUndefined();
    expect([...(await db.get(Uint8Array.of(0)))!]).toEqual([1, 2]);
    expect(await collect(db.scan())).toEqual([['\0', '\x01\x02'], ['B', 'upper'], ['b', 'TWO'], ['é', 'accent']]);
    expect(await collect(db.scan('B', 'c'))).toEqual([['B', 'upper'], ['b', 'TWO']]);
    expect(await collect(db.scan('c'))).toEqual([['é', 'accent']]);
    await db.close();
  });

  it('recovers unflushed writes from the WAL, and flushed ones from the table the manifest names', async () => {
    const sim = new SimFs({ seed: 2 });
    let db = await openLsm(DIR, { fs: sim.fs });
    await db.put('k1', 'v1');
    await db.put('k2', 'v2');
    await db.delete('k1');
    await db.close();
    db = await openLsm(DIR, { fs: sim.fs });
    expect(await collect(db.scan())).toEqual([['k2', 'v2']]);
    await db.put('k3', 'v3');
    await db.flush();
    const files = await sim.fs.readdir(DIR);
    expect(files.filter((f) => f.endsWith('.sst'))).toHaveLength(1);
    expect(files.filter((f) => f.endsWith('.log'))).toHaveLength(1); // the old WAL is gone
    expect(files).toContain('MANIFEST');
    expect(db.stats().tables).toBe(1);
    expect(db.stats().flushes).toBe(1);
    await db.put('k4', 'v4');
    await db.close();
    sim.crash('drop'); // everything was synced: a power cut changes nothing
    expect(show(await stateOf(sim.fs))).toBe(show(new Map([['k2', 'v2'], ['k3', 'v3'], ['k4', 'v4']])));
  });

  it('flushes by itself once the memtable holds memtableBytes', async () => {
    const sim = new SimFs({ seed: 3 });
    const db = await openLsm(DIR, { fs: sim.fs, memtableBytes: 100, l0Trigger: 100 });
    for (let i = 0; i < 10; i++) await db.put(`key-${i}`, 'x'.repeat(20)); // 25 bytes each
    expect(db.stats().flushes).toBe(2);
    expect(db.stats().tables).toBe(2);
    expect(db.stats().memtableBytes).toBe(50);
    await db.close();
  });

  it('rejects bad keys, values, options and use after close with typed errors', async () => {
    const sim = new SimFs({ seed: 4 });
    await expect(openLsm(DIR, { fs: sim.fs, memtableBytes: 0 })).rejects.toThrow(RangeError);
    await expect(openLsm(DIR, { fs: sim.fs, blockBytes: 1.5 })).rejects.toThrow(RangeError);
    await expect(openLsm(DIR, { fs: sim.fs, l0Trigger: -1 })).rejects.toThrow(RangeError);
    await expect(openLsm(DIR, { fs: sim.fs, sync: 'sometimes' as 'always' })).rejects.toThrow(RangeError);
    const db = await openLsm(DIR, { fs: sim.fs });
    await expect(async () => db.put(42 as unknown as string, 'v')).rejects.toThrow(TypeError);
    await expect(async () => db.put('k', null as unknown as string)).rejects.toThrow(TypeError);
    await expect(async () => db.get({} as unknown as string)).rejects.toThrow(TypeError);
    await expect(async () => db.put('x'.repeat(64 * 1024 + 1), 'v')).rejects.toThrow(RangeError);
    await expect(async () => collect(db.scan(7 as unknown as string))).rejects.toThrow(TypeError);
    await db.put('k', 'v');
    await db.close();
    await db.close(); // idempotent
    await expect(db.put('k', 'w')).rejects.toThrow(LsmClosedError);
    await expect(db.get('k')).rejects.toThrow(LsmClosedError);
  });

  it("with sync 'none', a put is not synced but flush() and close() make everything durable", async () => {
    const sim = new SimFs({ seed: 6 });
    let db = await openLsm(DIR, { fs: sim.fs, sync: 'none' });
    await db.put('a', '1');
    await db.flush();
    await db.put('b', '2');
    sim.crash('drop');
    expect(show(await stateOf(sim.fs, { sync: 'none' }))).toBe(show(new Map([['a', '1']])));
    db = await openLsm(DIR, { fs: sim.fs, sync: 'none' });
    await db.put('c', '3');
    await db.close();
    sim.crash('drop');
    expect(show(await stateOf(sim.fs))).toBe(show(new Map([['a', '1'], ['c', '3']])));
  });

  it('a failed WAL fsync rejects the put, hides it, and stops writes until the store is reopened', async () => {
    const sim = new SimFs({ seed: 7 });
    const db = await openLsm(DIR, { fs: sim.fs });
    await db.put('k', 'old');
    sim.failFsync({ path: /\.log$/ });
    await expect(db.put('k', 'new')).rejects.toThrow();
    expect(text(await db.get('k'))).toBe('old');
    await expect(db.put('other', 'x')).rejects.toThrow(LsmClosedError);
    await expect(db.flush()).rejects.toThrow(LsmClosedError);
    await db.close();
    sim.crash('drop');
    const again = await openLsm(DIR, { fs: sim.fs });
    expect(text(await again.get('k'))).toBe('old');
    await again.put('k', 'newer');
    expect(text(await again.get('k'))).toBe('newer');
    await again.close();
  });

  it('reports a damaged MANIFEST or a table it names that is gone with LsmCorruptionError', async () => {
    const sim = new SimFs({ seed: 8 });
    const db = await openLsm(DIR, { fs: sim.fs });
    await db.put('k', 'v');
    await db.flush();
    await db.close();
    const table = (await sim.fs.readdir(DIR)).find((f) => f.endsWith('.sst'))!;
    const image = sim.durableImage();

    flipBit(sim, `${DIR}/MANIFEST`);
    const err = await openLsm(DIR, { fs: sim.fs }).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(LsmCorruptionError);
    expect((err as LsmCorruptionError).file).toBe(`${DIR}/MANIFEST`);

    const other = SimFs.fromImage(image, { seed: 9 });
    await other.fs.unlink(`${DIR}/${table}`);
    const missing = await openLsm(DIR, { fs: other.fs }).then(() => undefined, (e: unknown) => e);
    expect(missing).toBeInstanceOf(LsmCorruptionError);
    expect((missing as LsmCorruptionError).file).toBe(`${DIR}/${table}`);

    const third = SimFs.fromImage(image, { seed: 10 });
    flipBit(third, `${DIR}/${table}`, { from: third.peekDurable(`${DIR}/${table}`)!.length - 32 });
    await expect(openLsm(DIR, { fs: third.fs })).rejects.toThrow(LsmCorruptionError);
  });

});
