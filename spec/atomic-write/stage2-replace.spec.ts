/**
 * Stage 2: temp file and rename. Both writers produce the right bytes on the real disk and on the
 * simulated one, also when every write is short; the atomic writer leaves no temp file, keeps
 * concurrent writers of one file apart, and a reader never sees a half-written file.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AtomicWriteError, ChecksumError, PartialFileError, readFileChecked, writeFileAtomic, writeFileNaive } from '#kata/atomic-write';
import { checkProperty, fc } from '#support/property';
import { forEachSeed } from '#support/seed';
import { SimFs } from '#support/simfs/index';
import { bytes, frame, hex, payloadFor, pieces, settle, text } from './helpers.ts';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'atomic-write-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

let dirs = 0;
async function freshDir(): Promise<string> {
  const dir = path.join(root, `d${dirs++}`);
  await mkdir(dir);
  return dir;
}

describe('stage 2: temp file and rename', () => {
  it('writeFileAtomic creates and replaces a file on the real disk, bytes or UTF-8 text, and leaves no temp file behind', async () => {
    const dir = await freshDir();
    const file = path.join(dir, 'config.json');
    await writeFileAtomic(file, '{"v":1} é');
    expect(await readFile(file, 'utf8')).toBe('{"v":1} é');
    const big = payloadFor('big', 300_000);
    await writeFileAtomic(file, big);
    expect(hex(await readFile(file))).toBe(hex(big));
    await writeFileAtomic(file, new Uint8Array(0));
    expect((await readFile(file)).length).toBe(0);
    await writeFileAtomic(file, 'short');
    expect(await readFile(file, 'utf8')).toBe('short');
    expect(await readdir(dir)).toEqual(['config.json']);
  });

  it('writeFileNaive writes the same bytes on the real disk, replacing a longer file entirely', async () => {
    const dir = await freshDir();
    const file = path.join(dir, 'state.bin');
    await writeFile(file, payloadFor('old', 5000));
    await writeFileNaive(file, 'new and shorter');
    expect(await readFile(file, 'utf8')).toBe('new and shorter');
    const big = payloadFor('big', 200_000);
    await writeFileNaive(file, big);
    expect(hex(await readFile(file))).toBe(hex(big));
    expect(await readdir(dir)).toEqual(['state.bin']);
  });

  it('both writers finish the job when every write is short (property, simulated disk)', async () => {
    await checkProperty(
      fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), fc.integer({ min: 1, max: 17 }), fc.boolean(), fc.boolean(), async (data, max, atomic, hasOld) => {
        const sim = new SimFs({ seed: 1, files: hasOld ? { '/d/f': 'old content, longer than some of the new ones' } : {} });
        if (!hasOld) await sim.fs.mkdir('/d');
        const fs = pieces(sim.fs, max);
        await (atomic ? writeFileAtomic('/d/f', data, { fs }) : writeFileNaive('/d/f', data, { fs }));
        expect(hex(sim.peek('/d/f'))).toBe(hex(data));
        expect(await sim.fs.readdir('/d')).toEqual(['f']);
      }),
      { numRuns: 80 },
    );
  });

  it('readFileChecked returns the payload of a checked file, names the file in format errors and passes ENOENT through', async () => {
    const dir = await freshDir();
    const file = path.join(dir, 'data.chk');
    await writeFileAtomic(file, frame(bytes('checked payload')));
    expect(text(await readFileChecked(file))).toBe('checked payload');

    await writeFile(file, frame(bytes('checked payload')).subarray(0, 25));
    const partial = await settle(readFileChecked(file));
    expect(partial).toBeInstanceOf(PartialFileError);
    expect((partial as PartialFileError).path).toBe(file);

    const bad = frame(bytes('checked payload'));
    bad[bad.length - 1]! ^= 0x80;
    await writeFile(file, bad);
    const crc = await settle(readFileChecked(file));
    expect(crc).toBeInstanceOf(ChecksumError);
    expect((crc as ChecksumError).path).toBe(file);

    const missing = await settle(readFileChecked(path.join(dir, 'missing.chk')));
    expect((missing as NodeJS.ErrnoException).code).toBe('ENOENT');

    // and through a StoreFs
    const sim = new SimFs({ seed: 2, files: { '/x/y.chk': frame(bytes('sim')) } });
    expect(text(await readFileChecked('/x/y.chk', { fs: sim.fs }))).toBe('sim');
  });

  it('concurrent atomic writers of one file never corrupt it: every write resolves, the file is one of them whole, no temp file is left (real disk)', async () => {
    const dir = await freshDir();
    const file = path.join(dir, 'shared.chk');
    await forEachSeed(4, async (random) => {
      const writers = random.int(4, 10);
      const datas = Array.from({ length: writers }, (_, w) => frame(payloadFor(`s${random.seed}w${w}`, random.int(1, 60_000))));
      const results = await Promise.all(
        datas.map(async (d, w) => {
          // staggered starts: some writers begin while others are between open and rename
          for (let k = random.int(0, 3) * w; k > 0; k--) await new Promise((r) => setImmediate(r));
          return settle(writeFileAtomic(file, d));
        }),
      );
      results.forEach((r, w) => expect(r, `writer ${w} of ${writers}`).toMatch(/^resolved/));
      const got = await readFile(file);
      expect(datas.some((d) => hex(d) === hex(got)), 'the file is one of the writes, whole').toBe(true);
      expect(await readdir(dir)).toEqual(['shared.chk']);
    });
  });

  it('concurrent atomic writers on the simulated disk, with seeded interleavings and short writes: all resolve, the file is the one renamed last', async () => {
    await forEachSeed(12, async (random) => {
      const sim = new SimFs({ random, files: { '/d/f': frame(bytes('old')) } });
      const writers = random.int(2, 6);
      const datas = Array.from({ length: writers }, (_, w) => frame(bytes(`writer ${w} of seed ${random.seed}: ${'x'.repeat(random.int(0, 40))}`)));
      const order: number[] = [];
      const results = await Promise.all(
        datas.map(async (d, w) => {
          for (let k = random.int(0, 12); k > 0; k--) await Promise.resolve();
          const cut = pieces(sim.fs, random.int(3, 30));
          // the simulated disk renames synchronously inside the call: note the order there
          const fs = { ...cut, rename: (a: string, b: string) => (order.push(w), cut.rename(a, b)) };
          return settle(writeFileAtomic('/d/f', d, { fs }));
        }),
      );
      results.forEach((r, w) => expect(r, `writer ${w} of ${writers}`).toMatch(/^resolved/));
      expect(order.length).toBe(writers);
      expect(hex(sim.peek('/d/f'))).toBe(hex(datas[order.at(-1)!]));
      expect(await sim.fs.readdir('/d')).toEqual(['f']);
    });
  });

  it('a reader polling the file while it is replaced again and again always finds a whole checked file (real disk)', async () => {
    const dir = await freshDir();
    const file = path.join(dir, 'hot.chk');
    await writeFileAtomic(file, frame(payloadFor('v0', 100_000)));
    let done = false;
    let reads = 0;
    const reader = (async () => {
      while (!done) {
        const buf = await readFile(file);
        // decode with the independent format rules: a whole frame every time
        const len = Number(new DataView(buf.buffer, buf.byteOffset).getBigUint64(4, true));
        expect(buf.length, `read ${reads}`).toBe(20 + len);
        expect(hex(buf)).toBe(hex(frame(buf.subarray(20))));
        reads++;
        await new Promise((r) => setImmediate(r));
      }
    })();
    try {
      for (let v = 1; v <= 12; v++) await writeFileAtomic(file, frame(payloadFor(`v${v}`, 50_000 + v * 3_001)));
    } finally {
      done = true;
      await reader;
    }
    expect(reads).toBeGreaterThan(0);
    expect(hex(await readFileChecked(file))).toBe(hex(payloadFor('v12', 50_000 + 12 * 3_001)));
  });

  it('bad arguments are TypeErrors; a missing directory is an AtomicWriteError at "open" with the ENOENT as cause', async () => {
    for (const bad of ['', 42, null, undefined]) {
      expect(await settle(writeFileAtomic(bad as unknown as string, 'x')), `path ${JSON.stringify(bad)}`).toBeInstanceOf(TypeError);
      expect(await settle(writeFileNaive(bad as unknown as string, 'x')), `path ${JSON.stringify(bad)}`).toBeInstanceOf(TypeError);
      expect(await settle(readFileChecked(bad as unknown as string)), `path ${JSON.stringify(bad)}`).toBeInstanceOf(TypeError);
    }
    const dir = await freshDir();
    for (const bad of [42, null, { a: 1 }, [1, 2]]) {
      expect(await settle(writeFileAtomic(path.join(dir, 'f'), bad as unknown as string)), `data ${JSON.stringify(bad)}`).toBeInstanceOf(TypeError);
      expect(await settle(writeFileNaive(path.join(dir, 'f'), bad as unknown as string)), `data ${JSON.stringify(bad)}`).toBeInstanceOf(TypeError);
    }
    expect(await readdir(dir)).toEqual([]);
    const err = await settle(writeFileAtomic(path.join(dir, 'no', 'such', 'f'), 'x'));
    expect(err).toBeInstanceOf(AtomicWriteError);
    expect({ code: (err as AtomicWriteError).code, step: (err as AtomicWriteError).step, replaced: (err as AtomicWriteError).replaced }).toEqual({
      code: 'ATOMIC_WRITE_FAILED',
      step: 'open',
      replaced: false,
    });
    expect(((err as Error).cause as NodeJS.ErrnoException).code).toBe('ENOENT');
    expect((err as AtomicWriteError).path).toBe(path.join(dir, 'no', 'such', 'f'));
  });
});
