/** crashStates enumerates what it promises, and the same seed gives the same trace and images. */
import { describe, expect, it } from 'vitest';
import { SimFs, SimFsUsageError, describeImage, formatTrace, sameImage, type CrashPolicy } from './index.ts';

/** /db/log synced empty, then three unsynced appends of 3, 2 and 4 bytes. */
async function threeAppends(seed = 1): Promise<SimFs> {
  const sim = new SimFs({ seed });
  await sim.mkdir('/db');
  await sim.fsyncDir('/');
  const fd = await sim.fs.open('/db/log', 'a');
  await sim.fsyncDir('/db');
  for (const s of ['abc', 'de', 'fghi']) await sim.fs.write(fd, Buffer.from(s));
  return sim;
}

const logOf = (img: { files: ReadonlyMap<string, Uint8Array> }) => Buffer.from(img.files.get('/db/log') ?? []).toString('latin1');

describe('crashStates', () => {
  it('counts states as documented for data ops', async () => {
    const sim = await threeAppends();
    const count = (p: CrashPolicy) => sim.crashStates(p).length;
    expect(count({ unsynced: 'drop' })).toBe(1);
    expect(count({ unsynced: 'keep' })).toBe(1);
    expect(count({ unsynced: 'prefix' })).toBe(4); // n + 1
    expect(count({ unsynced: 'subset' })).toBe(8); // 2^3
    expect(count({ unsynced: 'keep', tear: true })).toBe(1 + 4); // + every tear point of the last write
    expect(count({ unsynced: 'prefix', tear: true })).toBe(4 + 3 + 2 + 4);
    // subsets whose last kept write is #0: {0} → 3 cuts; #1: {1}, {0,1} → 2 × 2; #2: 4 subsets × 4
    expect(count({ unsynced: 'subset', tear: true })).toBe(8 + 3 + 4 + 16);
    // unit 4: a write tears at its start and at file offsets that are multiples of 4:
    // 'abc' @0 → {0}; 'de' @3 → {0, 1}; 'fghi' @5 → {0, 3}
    expect(count({ unsynced: 'prefix', tear: { unit: 4 } })).toBe(4 + 1 + 2 + 2);
  });

  it('gives every prefix, each equal to the crash with that count', async () => {
    const sim = await threeAppends();
    const states = sim.crashStates('prefix');
    expect(states.map((s) => logOf(s.image))).toEqual(['', 'abc', 'abcde', 'abcdefghi']);
    for (const [k, state] of states.entries()) {
      const again = await threeAppends();
      expect(sameImage(again.crash({ unsynced: 'prefix', count: k }).image, state.image)).toBe(true);
    }
  });

  it('gives every tear point of the last write', async () => {
    const sim = await threeAppends();
    const logs = sim.crashStates({ unsynced: 'keep', tear: { fill: 'zeros' } }).map((s) => logOf(s.image));
    expect(logs).toEqual(['abcdefghi', 'abcde\0\0\0\0', 'abcdef\0\0\0', 'abcdefg\0\0', 'abcdefgh\0']);
  });

  it('counts (m + 1) · 2^d subsets with directory ops kept in order', async () => {
    const sim = new SimFs({ seed: 1 });
    await sim.fs.writeFile('/x', 'ab'); // create (dir op) + write (data op)
    await sim.fs.rename('/x', '/y'); // dir op
    expect(sim.pending().map((p) => p.kind)).toEqual(['link', 'write', 'rename']);
    const states = sim.crashStates('subset');
    expect(states).toHaveLength(3 * 2);
    const shapes = states.map((s) => describeImage(s.image));
    // Without the create, the data is unreachable: those two states look the same.
    expect(new Set(shapes).size).toBe(5);
    expect(shapes.some((s) => s.includes('/y (2 B'))).toBe(true);
    expect(shapes.some((s) => s.includes('/y (0 B'))).toBe(true); // renamed before its data landed
    expect(sim.crashStates('prefix')).toHaveLength(4);
  });

  it('boots a fresh SimFs from a state', async () => {
    const sim = await threeAppends();
    const state = sim.crashStates({ unsynced: 'prefix' })[2]!;
    const booted = state.boot();
    expect(Buffer.from(await booted.fs.readFile('/db/log')).toString()).toBe('abcde');
    expect(booted.seed).toBe(sim.seed);
    expect(booted.pending()).toEqual([]);
  });

  it('refuses to enumerate beyond its limit', async () => {
    const sim = new SimFs({ seed: 1, files: { '/f': '' } });
    const fd = await sim.fs.open('/f', 'r+');
    for (let i = 0; i < 10; i++) await sim.fs.write(fd, Buffer.from('x'), 0, 1, i);
    expect(() => sim.crashStates('subset', { limit: 1000 })).toThrow(SimFsUsageError);
    expect(sim.crashStates('subset')).toHaveLength(1024);
    expect(() => sim.crashStates({ unsynced: 'prefix', tear: true }, { limit: 20 })).toThrow(/exceeds the limit of 20/);
  });
});

describe('determinism', () => {
  /** A workload with seeded crashes, garbage tears and growth, crashing several times. */
  async function run(seed: number): Promise<{ trace: string; images: string[] }> {
    const sim = new SimFs({ seed });
    const images: string[] = [];
    await sim.mkdir('/db');
    await sim.fsyncDir('/');
    for (let round = 0; round < 4; round++) {
      const fs = sim.fs;
      const fd = await fs.open('/db/log', 'a');
      await fs.fsyncDir('/db');
      for (let i = 0; i < 6; i++) {
        await fs.write(fd, Buffer.from(`r${round}.${i};`));
        if (i % 3 === 2) await fs.fsync(fd);
      }
      await fs.writeFile(`/db/side${round}`, 'x'.repeat(round + 1));
      const policy: CrashPolicy = { unsynced: round % 2 ? 'subset' : 'prefix', tear: { fill: 'garbage' }, grow: 'garbage' };
      images.push(describeImage(sim.crash(policy).image, 64));
      images.push(...sim.crashStates({ unsynced: 'keep', tear: { fill: 'garbage' } }).map((s) => describeImage(s.image, 64)));
    }
    return { trace: formatTrace(sim.trace), images };
  }

  it('gives the same trace and the same crash images for the same seed', async () => {
    for (const seed of [1, 2, 99]) {
      const a = await run(seed);
      const b = await run(seed);
      expect(b.trace).toBe(a.trace);
      expect(b.images).toEqual(a.images);
    }
  });

  it('gives different crashes for different seeds', async () => {
    const outcomes = new Set<string>();
    for (let seed = 1; seed <= 8; seed++) outcomes.add((await run(seed)).images.join('|'));
    expect(outcomes.size).toBeGreaterThan(1);
  });
});
