/** Bit rot and misdirected writes land exactly where asked, on synced data only. */
import { describe, expect, it } from 'vitest';
import { flipBit, misdirectWrite } from './corrupt.ts';
import { AppendLog } from './fixtures/append-log.ts';
import { Random } from './seed.ts';
import { SimFs, SimFsUsageError } from './simfs/index.ts';

function bitsDiffering(a: Uint8Array, b: Uint8Array): { offset: number; bit: number }[] {
  const out: { offset: number; bit: number }[] = [];
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = (a[i] ?? 0) ^ (b[i] ?? 0);
    for (let bit = 0; bit < 8; bit++) if (x & (1 << bit)) out.push({ offset: i, bit });
  }
  return out;
}

describe('flipBit', () => {
  it('flips exactly one bit inside the range, on disk and in the page cache', () => {
    for (let seed = 1; seed <= 50; seed++) {
      const sim = new SimFs({ seed, files: { '/f': 'The quick brown fox jumps over the lazy dog' } });
      const before = sim.peekDurable('/f')!;
      const flip = flipBit(sim, '/f', { from: 10, to: 20 });
      const after = sim.peekDurable('/f')!;
      expect(bitsDiffering(before, after)).toEqual([{ offset: flip.offset, bit: flip.bit }]);
      expect(flip.offset).toBeGreaterThanOrEqual(10);
      expect(flip.offset).toBeLessThan(20);
      expect(sim.peek('/f')).toEqual(after);
      sim.crash('drop');
      expect(sim.peek('/f')).toEqual(after);
    }
  });

  it('is seeded: the same seed flips the same bit', () => {
    const flip = (seed: number) => flipBit(new SimFs({ seed: 0, files: { '/f': 'x'.repeat(100) } }), '/f', {}, new Random(seed));
    expect(flip(5)).toEqual(flip(5));
    expect(new Set([1, 2, 3, 4, 5, 6].map((s) => JSON.stringify(flip(s)))).size).toBeGreaterThan(1);
  });

  it('refuses ranges outside the synced data or still covered by unsynced writes', async () => {
    const sim = new SimFs({ seed: 1, files: { '/f': '0123456789' } });
    expect(() => flipBit(sim, '/f', { from: 5, to: 11 })).toThrow(SimFsUsageError);
    expect(() => flipBit(sim, '/f', { from: 5, to: 5 })).toThrow(SimFsUsageError);
    expect(() => flipBit(sim, '/missing')).toThrow(SimFsUsageError);
    const fd = await sim.fs.open('/f', 'r+');
    await sim.fs.write(fd, Buffer.from('AB'), 0, 2, 4);
    expect(() => flipBit(sim, '/f', { from: 3, to: 6 })).toThrow(/unsynced changes/);
    flipBit(sim, '/f', { from: 6, to: 10 });
    expect(sim.trace.at(-1)!.outcome).toMatch(/^bit rot: bit \d of byte [6-9]/);
  });

  it('is caught by a checksummed log (which stops at the flipped record)', async () => {
    const sim = new SimFs({ seed: 9 });
    const log = await AppendLog.open('/log', { fs: sim.fs });
    for (const r of ['aaaa', 'bbbb', 'cccc']) await log.append(r);
    await log.close();
    flipBit(sim, '/log', { from: 12 + 8, to: 24 }); // the payload of the second record
    expect(await AppendLog.read(sim.fs, '/log')).toEqual(['aaaa']);
  });
});

describe('misdirectWrite', () => {
  it('copies a synced range over another offset', () => {
    const sim = new SimFs({ seed: 1, files: { '/f': 'AAAABBBBCCCC', '/g': 'zz' } });
    misdirectWrite(sim, '/f', { from: 0, length: 4, to: 8 });
    expect(Buffer.from(sim.peekDurable('/f')!).toString()).toBe('AAAABBBBAAAA');
    misdirectWrite(sim, '/f', { source: '/g', from: 0, length: 2, to: 5 });
    sim.crash('drop');
    expect(Buffer.from(sim.peek('/f')!).toString()).toBe('AAAABzzBAAAA');
    expect(() => misdirectWrite(sim, '/f', { from: 0, length: 4, to: 10 })).toThrow(SimFsUsageError);
    expect(() => misdirectWrite(sim, '/f', { from: 10, length: 4, to: 0 })).toThrow(SimFsUsageError);
  });
});
