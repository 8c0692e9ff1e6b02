/**
 * Stage 3: the segmented log on the simulated disk. Offsets, reads from any offset against a model,
 * the files on disk read by an independent decoder (frames, CRC-32C, protobufjs payloads), segment
 * roll, the sparse offset index, flush durability, typed errors.
 */
import { describe, expect, it } from 'vitest';
import { LogClosedError, OffsetOutOfRangeError, openLog, type LogRecord } from '#kata/durable-log';
import { checkProperty, fc } from '#support/property';
import { SimFs } from '#support/simfs/index';
import { DIR, bases, bytes, expectedIndex, hex, indexFile, logFile, parseLog, plain, readAll, settle, text, texts, value } from './helpers.ts';

const input = fc.record({
  key: fc.uint8Array({ maxLength: 12 }),
  value: fc.uint8Array({ maxLength: 90 }),
  timestamp: fc.bigInt({ min: -(1n << 40n), max: 1n << 42n }),
  headers: fc.dictionary(fc.constantFrom('a', 'b', 'trace-id'), fc.string({ maxLength: 6 }), { maxKeys: 2 }),
});

describe('stage 3: segments and the offset index', () => {
  it('append returns offsets 0, 1, 2, ...; read(from, max) returns what a list would, also after a reopen (property)', async () => {
    await checkProperty(
      fc.asyncProperty(
        fc.array(input, { maxLength: 40 }),
        fc.integer({ min: 64, max: 700 }),
        fc.integer({ min: 1, max: 200 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 12 })), { minLength: 1, maxLength: 6 }),
        async (inputs, segmentBytes, indexIntervalBytes, reads) => {
          const sim = new SimFs({ seed: 1 });
          const opts = { fs: sim.fs, segmentBytes, indexIntervalBytes };
          const log = await openLog(DIR, opts);
          const model: LogRecord[] = [];
          for (const r of inputs) {
            const offset = await log.append(r);
            expect(String(offset)).toBe(String(model.length));
            model.push({ offset, ...r });
          }
          expect(String(log.nextOffset)).toBe(String(model.length));
          expect(String(log.startOffset)).toBe('0');
          const check = async (l: typeof log) => {
            expect((await l.read(0n)).map(plain)).toEqual(model.map(plain));
            for (const [f, max] of reads) {
              const from = model.length === 0 ? 0 : f % (model.length + 1);
              expect((await l.read(BigInt(from), max)).map(plain), `read(${from}, ${max})`).toEqual(model.slice(from, from + max).map(plain));
            }
          };
          await check(log);
          await log.close();
          const again = await openLog(DIR, opts);
          await check(again);
          expect(String(await again.append({ value: bytes('next') }))).toBe(String(model.length));
          await again.close();
        },
      ),
      { numRuns: 40 },
    );
  }, 60_000);

  it('segment files are named by base offset; frames are crc | length varint | protobuf Record; segments roll at segmentBytes', async () => {
    const sim = new SimFs({ seed: 2 });
    const segmentBytes = 300;
    const log = await openLog(DIR, { fs: sim.fs, segmentBytes, indexIntervalBytes: 100 });
    for (let i = 0; i < 40; i++) await log.append({ key: bytes(`k${i % 3}`), value: value(i), timestamp: BigInt(1000 + i), headers: { i: String(i) } });
    // one record bigger than a segment gets a segment of its own
    await log.append({ value: new Uint8Array(500).fill(7), timestamp: 1n });
    await log.append({ value: bytes('after-big'), timestamp: 2n });
    await log.close();
    const names = await sim.fs.readdir(DIR);
    const segs = await bases(sim.fs);
    expect(segs.length).toBeGreaterThanOrEqual(6);
    expect(String(segs[0])).toBe('0');
    expect(names).toEqual(segs.flatMap((b) => [`${String(b).padStart(20, '0')}.index`, `${String(b).padStart(20, '0')}.log`]).sort());
    let next = 0n;
    for (const [k, base] of segs.entries()) {
      expect(String(base), 'a segment is named by the offset of its first record').toBe(String(next));
      const file = sim.peek(logFile(base))!;
      const frames = parseLog(file); // checks every CRC-32C; protobufjs decodes every payload
      expect(frames.length).toBeGreaterThan(0);
      frames.forEach((f, j) => expect(f.record.offset).toBe(String(base + BigInt(j))));
      if (frames.length > 1) expect(file.length, `segment ${base} is over segmentBytes`).toBeLessThanOrEqual(segmentBytes);
      const nextBase = segs[k + 1];
      if (nextBase !== undefined) {
        // it rolled because the next frame would not fit
        const nextFrame = parseLog(sim.peek(logFile(nextBase))!)[0]!;
        expect(file.length + nextFrame.size, `segment ${base} rolled early`).toBeGreaterThan(segmentBytes);
      }
      expect(hex(sim.peek(indexFile(base))!), `${indexFile(base)}: one 8-byte entry (u32 BE relative offset, u32 BE position) per 100 bytes`).toBe(
        hex(expectedIndex(frames, base, 100)),
      );
      next = base + BigInt(frames.length);
    }
    expect(String(next)).toBe('42');
    const big = parseLog(sim.peek(logFile(40))!);
    expect(big).toHaveLength(1);
    expect(big[0]!.record.value).toBe('07'.repeat(500));
    const first = parseLog(sim.peek(logFile(0))!)[0]!.record;
    expect(first).toEqual({ offset: '0', timestamp: '1000', key: hex(bytes('k0')), value: hex(value(0)), headers: [['i', '0']] });
  });

  it('the index has the documented entries for every interval, and reads that start at an indexed record work', async () => {
    for (const interval of [1, 40, 97, 4096]) {
      const sim = new SimFs({ seed: 3 });
      const log = await openLog(DIR, { fs: sim.fs, segmentBytes: 1 << 20, indexIntervalBytes: interval });
      for (let i = 0; i < 60; i++) await log.append({ value: value(i), timestamp: 5n });
      const frames = parseLog(sim.peek(logFile(0))!);
      const want = expectedIndex(frames, 0n, interval);
      expect(hex(sim.peek(indexFile(0))!), `interval ${interval}`).toBe(hex(want));
      if (interval === 1) expect(want.length).toBe(59 * 8); // every record but the first
      if (interval === 4096) expect(want.length).toBe(0);
      for (let from = 0; from < 60; from += 7) {
        expect((await log.read(BigInt(from), 3)).map((r) => text(r.value))).toEqual([from, from + 1, from + 2].filter((i) => i < 60).map((i) => text(value(i))));
      }
      await log.close();
    }
  });

  it('concurrent appends get offsets in call order and land in that order', async () => {
    const sim = new SimFs({ seed: 4 });
    const log = await openLog(DIR, { fs: sim.fs, segmentBytes: 256 });
    const offsets = await Promise.all(Array.from({ length: 30 }, (_, i) => log.append({ value: value(i), timestamp: 0n })));
    expect(offsets.map(String)).toEqual(Array.from({ length: 30 }, (_, i) => String(i)));
    expect((await log.read(0n)).map((r) => text(r.value))).toEqual(Array.from({ length: 30 }, (_, i) => text(value(i))));
    await log.close();
  });

  it('append copies its buffers: changing them after the call changes nothing', async () => {
    const sim = new SimFs({ seed: 5 });
    const log = await openLog(DIR, { fs: sim.fs });
    const v = bytes('original');
    const p = log.append({ value: v, key: v, timestamp: 1n });
    v.fill(0x21);
    await p;
    const [r] = await log.read(0n);
    expect([text(r!.key), text(r!.value)]).toEqual(['original', 'original']);
    await log.close();
  });

  it('flush() makes every append before it durable; an append after it may be lost in a power cut', async () => {
    for (let k = 0; k <= 6; k++) {
      const sim = new SimFs({ seed: 10 + k });
      const log = await openLog(DIR, { fs: sim.fs, segmentBytes: 200, indexIntervalBytes: 50 });
      for (let i = 0; i < 12; i++) {
        await log.append({ value: value(i), key: bytes(`k${i % 3}`), timestamp: 0n });
        if (i === k) await log.flush();
      }
      sim.crash('drop');
      const again = await openLog(DIR, { fs: sim.fs, segmentBytes: 200, indexIntervalBytes: 50 });
      const got = await readAll(again);
      expect(got.length, `flushed after append ${k}, then a power cut`).toBeGreaterThanOrEqual(k + 1);
      expect(got.map((s) => s.split(':').slice(2).join(':'))).toEqual(Array.from({ length: got.length }, (_, i) => text(value(i))));
      await again.close();
    }
  });

  it('close() flushes: everything appended before it survives a power cut', async () => {
    const sim = new SimFs({ seed: 6 });
    const log = await openLog(DIR, { fs: sim.fs, segmentBytes: 180 });
    for (let i = 0; i < 20; i++) void log.append({ value: value(i), timestamp: 0n });
    await log.close();
    sim.crash('drop');
    const again = await openLog(DIR, { fs: sim.fs, segmentBytes: 180 });
    expect(texts(await again.read(0n)).map((s) => s.split(':').slice(2).join(':'))).toEqual(Array.from({ length: 20 }, (_, i) => text(value(i))));
    await again.close();
  });

  it('reads outside the log are an OffsetOutOfRangeError; bad arguments TypeError / RangeError; a closed log LogClosedError', async () => {
    const sim = new SimFs({ seed: 7 });
    const log = await openLog(DIR, { fs: sim.fs });
    for (let i = 0; i < 5; i++) await log.append({ value: value(i) });
    expect((await log.read(5n)).length, 'reading at the end returns nothing').toBe(0);
    const past = await settle(log.read(6n));
    expect(past).toBeInstanceOf(OffsetOutOfRangeError);
    expect([String((past as OffsetOutOfRangeError).offset), String((past as OffsetOutOfRangeError).nextOffset), (past as OffsetOutOfRangeError).code]).toEqual(['6', '5', 'OFFSET_OUT_OF_RANGE']);
    expect(await settle(log.read(-1n))).toBeInstanceOf(OffsetOutOfRangeError);
    expect(await settle(() => log.read(1 as unknown as bigint))).toBeInstanceOf(TypeError);
    expect(await settle(() => log.read(0n, -1))).toBeInstanceOf(RangeError);
    expect(await settle(() => log.append({ value: 'text' as unknown as Uint8Array }))).toBeInstanceOf(TypeError);
    expect(await settle(() => log.append({ value: bytes('x'), timestamp: 1n << 63n }))).toBeInstanceOf(RangeError);
    expect(await log.read(0n, 0)).toEqual([]);
    expect(String(await log.append({ value: bytes('still works') }))).toBe('5');
    await log.close();
    expect(await settle(() => log.append({ value: bytes('late') }))).toBeInstanceOf(LogClosedError);
    expect(await settle(() => log.read(0n))).toBeInstanceOf(LogClosedError);
    expect(await settle(() => openLog(DIR, { fs: sim.fs, segmentBytes: 0 }))).toBeInstanceOf(RangeError);
    expect(await settle(() => openLog(DIR, { fs: sim.fs, indexIntervalBytes: 0 }))).toBeInstanceOf(RangeError);
  });
});
