/** Which pending ops a crash lets through (prefix, subset), tearing, and file growth without data. */
import { describe, expect, it } from 'vitest';
import { Random } from '../seed.ts';
import { SimFs, SimFsUsageError } from './index.ts';

const text = (b: Uint8Array | undefined) => (b === undefined ? undefined : Buffer.from(b).toString('latin1'));

/**
 * /db/log holds 'S' (synced, entry synced); then `n` unsynced appends of 'a', 'b', 'c', ... each
 * its own pending op.
 */
async function logWithPending(n: number, seed = 1): Promise<{ sim: SimFs; fd: number }> {
  const sim = new SimFs({ seed });
  await sim.mkdir('/db');
  await sim.fsyncDir('/');
  const fd = await sim.fs.open('/db/log', 'a');
  await sim.fsyncDir('/db');
  await sim.fs.write(fd, Buffer.from('S'));
  await sim.fs.fsync(fd);
  for (let i = 0; i < n; i++) await sim.fs.write(fd, Buffer.from(String.fromCharCode(97 + i)));
  return { sim, fd };
}

describe('prefix', () => {
  it('keeps exactly the first `count` pending ops, and all synced data', async () => {
    for (let k = 0; k <= 4; k++) {
      const { sim } = await logWithPending(4);
      const report = sim.crash({ unsynced: 'prefix', count: k });
      expect(text(report.image.files.get('/db/log'))).toBe('S' + 'abcd'.slice(0, k));
      expect(report.kept).toHaveLength(k);
    }
  });

  it('over many seeds only ever shows a prefix of the pending appends after the synced data', async () => {
    const seen = new Set<string>();
    for (let seed = 1; seed <= 60; seed++) {
      const { sim } = await logWithPending(4, seed);
      const got = text(sim.crash('prefix').image.files.get('/db/log'))!;
      expect(['S', 'Sa', 'Sab', 'Sabc', 'Sabcd']).toContain(got);
      seen.add(got);
    }
    expect(seen.size).toBe(5); // the seeded prefix length covers [0, n]
  });

  it('rejects a count outside [0, n]', async () => {
    const { sim } = await logWithPending(2);
    expect(() => sim.crash({ unsynced: 'prefix', count: 3 })).toThrow(SimFsUsageError);
  });
});

describe('subset', () => {
  it('keeps exactly the given pending ops, leaving holes (reordered write-back)', async () => {
    const sim = new SimFs({ seed: 3 });
    await sim.mkdir('/db');
    await sim.fsyncDir('/');
    const fd = await sim.fs.open('/db/f', 'w');
    await sim.fsyncDir('/db');
    await sim.fs.write(fd, Buffer.from('SSSS'), 0, 4, 0);
    await sim.fs.fsync(fd);
    for (let i = 0; i < 4; i++) await sim.fs.write(fd, Buffer.from(String(i)), 0, 1, 4 + i);
    const report = sim.crash({ unsynced: 'subset', keep: [0, 2] });
    // Bytes 5 and 7 never landed: byte 5 is a hole (zeros) inside the file, and the file ends at 7.
    expect([...report.image.files.get('/db/f')!]).toEqual([83, 83, 83, 83, 48, 0, 50]);
  });

  it('over many seeds keeps only pending ops, never loses synced ones, and reorders', async () => {
    const shapes = new Set<string>();
    for (let seed = 1; seed <= 80; seed++) {
      const sim = new SimFs({ seed });
      await sim.mkdir('/db');
      await sim.fsyncDir('/');
      const fd = await sim.fs.open('/db/f', 'w');
      await sim.fsyncDir('/db');
      await sim.fs.write(fd, Buffer.from('SS'), 0, 2, 0);
      await sim.fs.fsync(fd);
      for (let i = 0; i < 3; i++) await sim.fs.write(fd, Buffer.from('x'), 0, 1, 2 + i);
      const data = sim.crash('subset').image.files.get('/db/f')!;
      expect([...data.subarray(0, 2)]).toEqual([83, 83]);
      shapes.add([...data.subarray(2)].map((b) => (b === 120 ? 'x' : '_')).join(''));
    }
    expect(shapes).toContain('_x'); // a hole before a kept write: genuinely reordered
    expect(shapes.size).toBe(8);
  });

  it('keeps directory ops in order among themselves', async () => {
    for (let seed = 1; seed <= 60; seed++) {
      const sim = new SimFs({ seed });
      await sim.mkdir('/db');
      await sim.fsyncDir('/');
      for (const name of ['1', '2', '3']) await sim.fs.writeFile(`/db/${name}`, name);
      const names = [...sim.crash('subset').image.files.keys()].map((p) => p.slice(4));
      expect(['', '1', '12', '123']).toContain(names.join(''));
    }
  });
});

describe('tearing', () => {
  it('cuts the last surviving write at `at`; the rest is absent, zeros or garbage', async () => {
    const expected = { absent: 'Sab', zeros: 'Sab\0\0\0', garbage: undefined };
    for (const fill of ['absent', 'zeros', 'garbage'] as const) {
      const { sim, fd } = await logWithPending(0);
      await sim.fs.write(fd, Buffer.from('abcde'));
      const report = sim.crash({ unsynced: 'keep', tear: { fill, at: 2 } });
      const got = text(report.image.files.get('/db/log'))!;
      if (fill === 'garbage') {
        expect(got.slice(0, 3)).toBe('Sab');
        expect(got).toHaveLength(6);
      } else {
        expect(got).toBe(expected[fill]);
      }
      expect(report.description).toContain(`tore #`);
    }
  });

  it('tears the last write that survives, not the last one issued', async () => {
    const { sim } = await logWithPending(0);
    const fd = await sim.fs.open('/db/log', 'a');
    await sim.fs.write(fd, Buffer.from('xyz'));
    await sim.fs.write(fd, Buffer.from('123'));
    const report = sim.crash({ unsynced: 'prefix', count: 1, tear: { at: 1 } });
    expect(text(report.image.files.get('/db/log'))).toBe('Sx');
  });

  it('tears on sector boundaries counted from the start of the file', async () => {
    const sim = new SimFs({ seed: 5 });
    const fd = await sim.fs.open('/f', 'w');
    await sim.fsyncDir('/');
    await sim.fs.fsync(fd);
    await sim.fs.write(fd, new Uint8Array(1500).fill(1), 0, 1500, 100);
    const cuts = sim.crashStates({ unsynced: 'keep', tear: { unit: 512 } }).flatMap((s) => (s.choice.torn ? [s.choice.torn.cut] : []));
    expect(cuts).toEqual([0, 412, 924, 1436]); // file offsets 100 (start), 512, 1024, 1536
    expect(() => sim.crash({ unsynced: 'keep', tear: { unit: 512, at: 10 } })).toThrow(SimFsUsageError);
  });

  it('draws a seeded tear point inside the write', async () => {
    const lengths = new Set<number>();
    for (let seed = 1; seed <= 40; seed++) {
      const { sim, fd } = await logWithPending(0, seed);
      await sim.fs.write(fd, Buffer.from('0123456789'));
      const data = sim.crash({ unsynced: 'keep', tear: true }).image.files.get('/db/log')!;
      expect(data.byteLength).toBeGreaterThanOrEqual(1);
      expect(data.byteLength).toBeLessThan(11); // torn: at least the last byte is missing
      expect(text(data)).toBe('S0123456789'.slice(0, data.byteLength));
      lengths.add(data.byteLength);
    }
    expect(lengths.size).toBeGreaterThan(5);
  });
});

describe('growth before data', () => {
  it('extends the file over lost appends with zeros or garbage when asked', async () => {
    for (const grow of ['zeros', 'garbage'] as const) {
      const { sim } = await logWithPending(3);
      const data = sim.crash({ unsynced: 'drop', grow }).image.files.get('/db/log')!;
      expect(data.byteLength).toBe(4);
      expect(data[0]).toBe(83);
      if (grow === 'zeros') expect([...data.subarray(1)]).toEqual([0, 0, 0]);
    }
  });

  it('does not grow over overwrites inside the file', async () => {
    const sim = new SimFs({ seed: 2, files: { '/f': 'abcdef' } });
    const fd = await sim.fs.open('/f', 'r+');
    await sim.fs.write(fd, Buffer.from('XY'), 0, 2, 1);
    expect(text(sim.crash({ unsynced: 'drop', grow: 'zeros' }).image.files.get('/f'))).toBe('abcdef');
  });
});

describe('policy validation', () => {
  it('names the mistake', () => {
    const sim = new SimFs({ random: new Random(1) });
    expect(() => sim.crash({ unsynced: 'all' as never })).toThrow(/unsynced must be/);
    expect(() => sim.crash({ unsynced: 'drop', count: 1 })).toThrow(/count goes with unsynced 'prefix'/);
    expect(() => sim.crash({ unsynced: 'keep', tear: { unit: 0 } })).toThrow(/tear.unit/);
  });
});
