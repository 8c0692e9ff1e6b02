/**
 * Stage 3: running a case. On a simulated disk, through a recording StoreFs with a fake clock:
 * the file is preallocated with real bytes and fsynced before timing; the timed part is exactly
 * the plan (one read or write per access, fsync per access for 'each', once for 'end'); short
 * reads and writes are completed and counted exactly; the numbers follow from the clock.
 */
import { describe, expect, it } from 'vitest';
import { BenchConfigError, ShortFileError, runCase, type CaseOptions, type CaseResult } from '#kata/seq-vs-random-io';
import { forEachSeed } from '#support/seed';
import { SimFs } from '#support/simfs/index';
import { Recorder, modelPercentile, modelPlan, modelSeeks, type Cost } from './helpers.ts';

const B = 4096;
const FILE = '/bench/io-bench.dat';
/** Calls a case may make around the ones the spec pins down (mkdir, stat, exists...) are ignored. */
const IO = new Set(['open', 'read', 'write', 'fsync', 'fdatasync', 'ftruncate', 'close']);

interface Run {
  sim: SimFs;
  rec: Recorder;
  result: CaseResult;
  /** Index in rec.calls when beforeMeasure ran: calls before it prepared, calls after it measured. */
  mark: number;
  options: CaseOptions;
}

async function simCase(over: Partial<CaseOptions> = {}, costs: Partial<Record<string, Cost>> = {}, atMark?: (sim: SimFs, file: string) => void | Promise<void>): Promise<Run> {
  const sim = new SimFs({ seed: 1 });
  const rec = new Recorder(sim.fs, { read: () => 1000n, write: () => 1000n, ...costs }); // 1 µs per access unless told
  let mark = -1;
  const options: CaseOptions = {
    dir: '/bench',
    mode: 'write',
    pattern: 'random',
    blockBytes: B,
    fileBytes: 16 * B,
    ops: 40,
    fsync: 'none',
    seed: 99,
    fs: rec.fs,
    clock: rec.clock,
    beforeMeasure: async (file) => {
      mark = rec.calls.length;
      await atMark?.(sim, file);
    },
    ...over,
  };
  const result = await runCase(options);
  expect(mark, 'beforeMeasure was called').toBeGreaterThanOrEqual(0);
  return { sim, rec, result, mark, options };
}

function ioLines(rec: Recorder, from: number, to?: number): string[] {
  return rec.lines(from, to).filter((l) => IO.has(l.split(/[@ ]/)[0]!));
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

function hex(a: Uint8Array | undefined): string {
  return a === undefined ? '-' : Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');
}

function expectClose(got: number, want: number, what: string): void {
  expect(Math.abs(got / want - 1), `${what}: ${got} vs ${want}`).toBeLessThan(1e-12);
}

describe('stage 3: running a case', () => {
  it('prepares the file with real bytes, in pieces of at most 1 MiB, and fsyncs it before timing starts', async () => {
    const fileBytes = 2.5 * 1024 * 1024;
    let seen: Uint8Array | undefined;
    let durable: Uint8Array | undefined;
    const { rec, mark } = await simCase({ fileBytes, ops: 8, mode: 'read', pattern: 'sequential' }, {}, (sim, file) => {
      expect(file).toBe(FILE);
      seen = sim.peek(file);
      durable = sim.peekDurable(file);
    });
    const before = rec.calls.slice(0, mark).filter((c) => IO.has(c.op));
    expect(before[0]).toMatchObject({ op: 'open', path: FILE, flags: 'w' });
    expect(before.map((c) => c.op)).not.toContain('ftruncate'); // a sparse file would measure block allocation
    const writes = before.filter((c) => c.op === 'write');
    let pos = 0;
    for (const w of writes) {
      expect(w.position, 'the fill is written front to back').toBe(pos);
      expect(w.length!).toBeLessThanOrEqual(1024 * 1024);
      pos += w.result!;
    }
    expect(pos).toBe(fileBytes);
    expect(writes.length).toBe(3);
    const lastWrite = before.lastIndexOf(writes.at(-1)!);
    expect(before.slice(lastWrite + 1).map((c) => c.op)).toEqual(['fsync', 'close']);
    // what beforeMeasure sees: the whole file, durable, and not zeros
    expect(seen?.length).toBe(fileBytes);
    expect(durable?.length, 'the fill is fsynced before timing').toBe(fileBytes);
    const distinct = new Set(seen!.subarray(0, 4096)).size;
    expect(distinct, 'fill bytes look incompressible').toBeGreaterThan(200);
  });

  it('the timed part is exactly the plan: one call per access, fsync after each for "each", once for "end", none for "none"', async () => {
    for (const [mode, fsync] of [
      ['write', 'none'],
      ['write', 'each'],
      ['write', 'end'],
      ['read', 'none'],
    ] as const) {
      for (const pattern of ['sequential', 'random'] as const) {
        const { rec, mark, options } = await simCase({ mode, fsync, pattern, ops: 40 }); // 40 accesses over 16 blocks: each is read again
        const plan = modelPlan(options.fileBytes, B, pattern, 40, 99);
        const expected = [
          `open ${mode === 'read' ? 'r' : 'r+'}`,
          ...plan.flatMap((off) => [`${mode}@${off}+${B}=${B}`, ...(fsync === 'each' ? ['fsync'] : [])]),
          ...(fsync === 'end' ? ['fsync'] : []),
          'close',
        ];
        const got = ioLines(rec, mark);
        const label = `${mode} ${pattern} fsync=${fsync}`;
        expect(got.filter((l) => l === 'fsync').length, `${label}: fsync count`).toBe(fsync === 'each' ? 40 : fsync === 'end' ? 1 : 0);
        expect(got, label).toEqual(expected);
        expect(rec.calls.at(-1), `${label}: the file is removed at the end`).toMatchObject({ op: 'unlink', path: FILE });
      }
    }
  });

  it('short writes and short reads are completed, and bytes counts exactly what moved', async () => {
    const ops = 12;
    // writes: the first five timed write calls move at most 1000 bytes each, so the first access
    // takes five calls (1000, 1000, 1000, 1000, 96)
    const w = await simCase({ mode: 'write', ops, keepFile: true }, {}, (sim) => void sim.shortWrite({ bytes: 1000, times: 5 }));
    const writes = w.rec.calls.slice(w.mark).filter((c) => c.op === 'write');
    expect(writes.slice(0, 5).map((c) => c.result)).toEqual([1000, 1000, 1000, 1000, 96]);
    expect(writes.length).toBe(ops + 4);
    expect(w.result.bytes).toBe(ops * B);
    expect(writes.reduce((s, c) => s + c.result!, 0)).toBe(ops * B);
    // every access's calls cover its block exactly, and the block is on the disk afterwards
    const plan = modelPlan(w.options.fileBytes, B, 'random', ops, 99);
    const disk = w.sim.peek(FILE)!;
    let i = 0;
    let payload: Uint8Array | undefined;
    for (const off of plan) {
      const block = new Uint8Array(B);
      for (let done = 0; done < B; ) {
        const c = writes[i++]!;
        expect(c.position).toBe(off + done);
        block.set(c.data!, done);
        done += c.result!;
      }
      payload ??= block;
      expect(sameBytes(block, payload), `block at ${off}: the same payload every time`).toBe(true);
      expect(sameBytes(disk.subarray(off, off + B), block), `block at ${off} on the disk`).toBe(true);
    }
    expect(new Set(payload).size).toBeGreaterThan(200);

    // reads: three short calls (100, 100, 100, then the remaining 3796)
    const r = await simCase({ mode: 'read', ops }, {}, (sim) => void sim.inject({ op: 'read', short: 100, times: 3 }));
    const reads = r.rec.calls.slice(r.mark).filter((c) => c.op === 'read');
    expect(reads.length).toBe(ops + 3);
    expect(r.result.bytes).toBe(ops * B);
    expect(reads.reduce((s, c) => s + c.result!, 0)).toBe(ops * B);
  });

  it('MB/s, IOPS, seconds and latencies follow from the clock: each access with its fsync, the final fsync inside the run', async () => {
    const us = 1000n;
    // Every cost depends on the block: an fsync costs more or less after some blocks than others,
    // so a latency that pairs an access with another access's fsync comes out different.
    const writeCost = (off: number) => 10n * us * (1n + BigInt((off / B) % 7));
    const readCost = (off: number) => 5n * us * (1n + BigInt((off / B) % 5));
    const fsyncCost = (off: number) => 2000n * us + 300n * us * BigInt((off / B) % 3);
    let last = 0;
    const costs: Partial<Record<string, Cost>> = {
      write: (c) => writeCost((last = c.position!)),
      read: (c) => readCost(c.position!),
      fsync: () => fsyncCost(last),
      // opening, closing and unlinking happen outside the timed part: a huge cost shows if they do not
      open: () => 10n ** 12n,
      close: () => 10n ** 12n,
      unlink: () => 10n ** 12n,
    };
    for (const [mode, fsync] of [
      ['write', 'none'],
      ['write', 'each'],
      ['write', 'end'],
      ['read', 'none'],
    ] as const) {
      const ops = 37;
      const { result, options } = await simCase({ mode, fsync, ops, fileBytes: 64 * B }, costs);
      const plan = modelPlan(options.fileBytes, B, 'random', ops, 99);
      const lat = plan.map((off) => (mode === 'read' ? readCost(off) : writeCost(off)) + (fsync === 'each' ? fsyncCost(off) : 0n));
      const elapsed = lat.reduce((a, b) => a + b, 0n) + (fsync === 'end' ? fsyncCost(plan.at(-1)!) : 0n);
      const seconds = Number(elapsed) / 1e9;
      const label = `${mode} fsync=${fsync}`;
      expect(result.ops).toBe(ops);
      expect(result.bytes).toBe(ops * B);
      expect(result.seconds, label).toBe(seconds);
      expectClose(result.mbPerSec, (ops * B) / 1e6 / seconds, `${label} MB/s (10^6 bytes)`);
      expectClose(result.iops, ops / seconds, `${label} IOPS`);
      const micros = lat.map((l) => Number(l) / 1000);
      expect(result.latencies, label).toEqual({ p50: modelPercentile(micros, 50), p99: modelPercentile(micros, 99) });
    }
  });

  it('the result names its case, its file and the seeks of its plan; the file is removed unless keepFile', async () => {
    const { sim, result, options } = await simCase({ mode: 'write', pattern: 'random', fsync: 'end', ops: 25, seed: 1234 });
    expect(result).toMatchObject({ mode: 'write', pattern: 'random', blockBytes: B, fileBytes: 16 * B, fsync: 'end', seed: 1234, ops: 25, file: FILE });
    expect(result.seeks).toBe(modelSeeks(modelPlan(options.fileBytes, B, 'random', 25, 1234), B));
    expect(await sim.exists(FILE)).toBe(false);
    const seq = await simCase({ mode: 'read', pattern: 'sequential', ops: 16, keepFile: true });
    expect(seq.result.seeks).toBe(1);
    expect((await seq.sim.stat(FILE)).size).toBe(16 * B);
  });

  it('same seed, same run: the same calls with the same bytes; another seed, another run', async () => {
    await forEachSeed(3, async (random) => {
      const seed = random.int(0, 0xffffffff);
      const runs = await Promise.all([seed, seed, (seed + 1) >>> 0].map((s) => simCase({ mode: 'write', ops: 20, seed: s, keepFile: true })));
      const [a, b, c] = runs.map((r) => ({ lines: r.rec.lines(), data: r.rec.calls.map((x) => hex(x.data)), file: hex(r.sim.peek(FILE)) }));
      expect(b!.lines).toEqual(a!.lines);
      expect(b!.data).toEqual(a!.data);
      expect(b!.file === a!.file, 'the same file, byte for byte').toBe(true);
      expect(c!.lines).not.toEqual(a!.lines);
    });
  });

  it('a bad case is a BenchConfigError before anything touches the disk', async () => {
    const patches: Array<[string, Partial<Record<keyof CaseOptions, unknown>>]> = [
      ['mode', { mode: 'append' }],
      ['fsync', { fsync: 'always' }],
      ['fsync', { mode: 'read', fsync: 'each' }],
      ['fsync', { mode: 'read', fsync: 'end' }],
      ['dir', { dir: '' }],
      ['blockBytes', { blockBytes: 0 }],
      ['fileBytes', { fileBytes: 16 * B + 1 }],
      ['ops', { ops: -3 }],
      ['pattern', { pattern: 'strided' }],
      ['seed', { seed: 0.5 }],
    ];
    for (const [field, patch] of patches) {
      const sim = new SimFs({ seed: 1 });
      const rec = new Recorder(sim.fs);
      const options = { dir: '/bench', mode: 'write', pattern: 'random', blockBytes: B, fileBytes: 16 * B, ops: 4, fsync: 'none', seed: 1, fs: rec.fs, ...patch } as CaseOptions;
      const err = await runCase(options).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, JSON.stringify(patch)).toBeInstanceOf(BenchConfigError);
      expect((err as BenchConfigError).field, JSON.stringify(patch)).toBe(field);
      expect(rec.calls, `${JSON.stringify(patch)}: no fs call`).toEqual([]);
    }
  });

  it('a file cut short under a read is a ShortFileError; a write that makes no progress is an error, not a hang', async () => {
    const half = 8 * B + 100;
    const err = await simCase({ mode: 'read', pattern: 'sequential', ops: 16 }, {}, async (sim, file) => {
      const fd = await sim.fs.open(file, 'r+');
      await sim.fs.ftruncate(fd, half);
      await sim.fs.close(fd);
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ShortFileError);
    expect(err).toMatchObject({ code: 'SHORT_FILE', file: FILE, offset: 8 * B, expected: B, got: 100 });

    const stuck = await simCase({ mode: 'write', ops: 4 }, {}, (sim) => void sim.shortWrite({ bytes: 0, times: Infinity })).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(stuck).toBeInstanceOf(Error);
    expect(String((stuck as Error).message)).toMatch(/progress/);
  });
});
