/**
 * Stage 1: records and checksums in one segment. LSNs, reading from an LSN, the byte layout
 * (checked with an independent decoder and the `crc-32` package's CRC-32C), durability per sync
 * mode on the simulated disk, short writes.
 */
import { describe, expect, it } from 'vitest';
import { openWal, WalClosedError } from '#kata/wal';
import { checkProperty, fc } from '#support/property';
import { forEachSeed } from '#support/seed';
import { SimFs } from '#support/simfs/index';
import { DIR, HEADER, bytes, openAndRead, parseSegment, readAll, readTexts, seg, text, settle } from './helpers.ts';

const payloads = fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 25 });

describe('stage 1: records and checksums', () => {
  it('append returns LSNs 1, 2, 3, ... and read() yields every record in order, also after a reopen (property)', async () => {
    await checkProperty(
      fc.asyncProperty(payloads, fc.integer({ min: 0, max: 30 }), async (datas, fromRaw) => {
        const sim = new SimFs({ seed: 1 });
        const wal = await openWal(DIR, { fs: sim.fs });
        const lsns: bigint[] = [];
        for (const d of datas) lsns.push(await wal.append(d));
        expect(lsns).toEqual(datas.map((_, i) => BigInt(i + 1)));
        const got = await readAll(wal);
        expect(got.map((r) => r.lsn)).toEqual(lsns);
        got.forEach((r, i) => expect(Buffer.from(r.data).equals(Buffer.from(datas[i]!))).toBe(true));
        // read(from) starts at `from`; past the end it yields nothing
        const from = BigInt(fromRaw + 1);
        expect((await readAll(wal, from)).map((r) => r.lsn)).toEqual(lsns.filter((l) => l >= from));
        await wal.close();

        const again = await openWal(DIR, { fs: sim.fs });
        expect((await readAll(again)).map((r) => Buffer.from(r.data).toString('hex'))).toEqual(datas.map((d) => Buffer.from(d).toString('hex')));
        expect(await again.append(bytes('next'))).toBe(BigInt(datas.length + 1));
        await again.close();
      }),
      { numRuns: 40 },
    );
  });

  it('the segment file has the documented layout: crc, length, LSN, synced mark, payload, all little-endian', async () => {
    const sim = new SimFs({ seed: 2 });
    const wal = await openWal(DIR, { fs: sim.fs, sync: 'always' });
    const datas = [bytes('hello'), new Uint8Array(0), bytes('x'.repeat(300))];
    for (const d of datas) await wal.append(d);
    await wal.close();
    expect(await sim.fs.readdir(DIR)).toEqual(['00000000000000000001.wal']);
    const file = sim.peek(seg(1))!;
    expect(file.length).toBe(datas.reduce((n, d) => n + HEADER + d.length, 0));
    const recs = parseSegment(file); // checks each CRC-32C over bytes 4 .. end of record
    expect(recs.map((r) => ({ offset: r.offset, length: r.length, lsn: r.lsn, payload: text(r.payload) }))).toEqual([
      { offset: 0, length: 5, lsn: 1n, payload: 'hello' },
      { offset: 29, length: 0, lsn: 2n, payload: '' },
      { offset: 53, length: 300, lsn: 3n, payload: 'x'.repeat(300) },
    ]);
    // With sync 'always' each record is written after the previous one was fsynced.
    expect(recs.map((r) => r.synced)).toEqual([0n, 1n, 2n]);
  });

  it('an append with sync "always" (the default) survives a power cut as soon as it resolves', async () => {
    await forEachSeed(2, async (random) => {
      for (const dir of [DIR, '/data/nested/wal']) {
        for (let n = 1; n <= 4; n++) {
          const sim = new SimFs({ random });
          const wal = await openWal(dir, { fs: sim.fs, ...(n % 2 ? { sync: 'always' as const } : {}) });
          for (let i = 0; i < n; i++) await wal.append(bytes(`a${i}`));
          sim.crash('drop'); // the power goes right after the n-th append resolved; nothing unsynced survives
          const back = await openWal(dir, { fs: sim.fs });
          expect(await readTexts(back), `${n} acknowledged appends in ${dir}, then a power cut`).toEqual(
            Array.from({ length: n }, (_, i) => `${i + 1}:a${i}`),
          );
          await back.close();
        }
      }
    });
  });

  it('with sync "none" an acknowledged append can be lost in a power cut, but close() makes it durable', async () => {
    const sim = new SimFs({ seed: 3 });
    const wal = await openWal(DIR, { fs: sim.fs, sync: 'none' });
    for (let i = 0; i < 5; i++) expect(await wal.append(bytes(`n${i}`))).toBe(BigInt(i + 1));
    expect(await readTexts(wal)).toHaveLength(5); // acknowledged means readable
    sim.crash('drop');
    const lost = await openAndRead(sim.fs, { sync: 'none' });
    expect(lost.error).toBeUndefined();
    expect(lost.records, 'sync "none" never fsyncs an append: a power cut takes them all').toEqual([]);

    const again = await openWal(DIR, { fs: sim.fs, sync: 'none' });
    for (let i = 0; i < 3; i++) await again.append(bytes(`m${i}`));
    await again.close();
    sim.crash('drop');
    expect((await openAndRead(sim.fs)).records).toEqual(['1:m0', '2:m1', '3:m2']);
  });

  it('append copies its data: changing the buffer afterwards changes nothing', async () => {
    const sim = new SimFs({ seed: 4 });
    const wal = await openWal(DIR, { fs: sim.fs });
    const buf = bytes('original');
    const pending = wal.append(buf);
    buf.fill(0x21);
    await pending;
    expect(await readTexts(wal)).toEqual(['1:original']);
    await wal.close();
  });

  it('short writes are finished before the append resolves, never acknowledged half-written', async () => {
    await forEachSeed(3, async (random) => {
      const sim = new SimFs({ random });
      const wal = await openWal(DIR, { fs: sim.fs });
      sim.shortWrite({ bytes: random.int(1, 9), path: /\.wal$/, times: Infinity });
      const want: string[] = [];
      for (let i = 0; i < 6; i++) {
        const s = `short-${i}-${'y'.repeat(random.int(0, 30))}`;
        want.push(`${i + 1}:${s}`);
        await wal.append(bytes(s));
      }
      sim.crash('drop');
      expect((await openAndRead(sim.fs)).records).toEqual(want);
    });
  });

  it('a closed log rejects append and read with WalClosedError; close twice is fine', async () => {
    const sim = new SimFs({ seed: 5 });
    const wal = await openWal(DIR, { fs: sim.fs });
    await wal.append(bytes('a'));
    await wal.close();
    await wal.close();
    expect(await settle(wal.append(bytes('b')))).toBeInstanceOf(WalClosedError);
    expect(await settle(readAll(wal))).toBeInstanceOf(WalClosedError);
    const err = await settle(wal.append(bytes('c')));
    expect((err as WalClosedError).code).toBe('WAL_CLOSED');
  });
});
