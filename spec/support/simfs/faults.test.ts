/** Armed crashes, epochs, and injected fsync / write / read faults. */
import { describe, expect, it } from 'vitest';
import { SimFs, SimulatedCrash, StaleEpochError } from './index.ts';

const enc = (s: string) => Buffer.from(s);
const text = (b: Uint8Array | undefined) => (b === undefined ? undefined : Buffer.from(b).toString());

/** 1 open, then per record: write + fsync. Returns after `records`. */
async function workload(sim: SimFs, records: number): Promise<number[]> {
  const fs = sim.fs;
  const acked: number[] = [];
  const fd = await fs.open('/log', 'a');
  for (let i = 0; i < records; i++) {
    await fs.write(fd, enc(String(i)));
    await fs.fsync(fd);
    acked.push(i);
  }
  return acked;
}

describe('armCrash', () => {
  it('stops at exactly the nth call, before it happens', async () => {
    for (let n = 1; n <= 7; n++) {
      const sim = new SimFs({ seed: n });
      sim.armCrash({ nth: n });
      const { crashed } = await sim.runUntilCrash(() => workload(sim, 3));
      expect(crashed).toBe(true);
      expect(sim.calls).toBe(n);
      expect(sim.trace).toHaveLength(n);
      expect(sim.trace.at(-1)!.outcome).toMatch(/^✗ power lost \(armed: any op #\d+ before/);
      // calls 2, 4, 6 are the writes: with `before`, the nth call never happened
      const writes = sim.trace.filter((e) => e.op === 'write' && !e.outcome.startsWith('✗')).length;
      expect(writes).toBe(Math.floor((n - 1) / 2));
      expect(sim.peek('/log')?.byteLength ?? 0).toBe(writes);
    }
  });

  it('with timing after, completes the call first (an fsync that finished but was never acknowledged)', async () => {
    const sim = new SimFs({ seed: 1, files: { '/log': '' } });
    sim.armCrash({ op: 'fsync', nth: 2, timing: 'after' });
    const run = await sim.runUntilCrash(() => workload(sim, 5));
    expect(run.crashed).toBe(true);
    expect(run.error).toBeInstanceOf(SimulatedCrash);
    sim.crash('drop');
    expect(text(sim.peek('/log'))).toBe('01'); // the 2nd record is durable though never acked
  });

  it('matches by op and path', async () => {
    const sim = new SimFs({ seed: 1 });
    sim.armCrash({ op: 'write', path: /b$/, nth: 2 });
    const fd = await sim.fs.open('/a', 'w');
    const fb = await sim.fs.open('/b', 'w');
    await sim.fs.write(fd, enc('1'));
    await sim.fs.write(fb, enc('1'));
    await sim.fs.write(fd, enc('2'));
    await expect(sim.fs.write(fb, enc('2'))).rejects.toBeInstanceOf(SimulatedCrash);
    expect(text(sim.peek('/b'))).toBe('1');
  });

  it('keeps the machine down until crash(), then works again with a fresh view', async () => {
    const sim = new SimFs({ seed: 1 });
    sim.armCrash();
    await expect(sim.fs.mkdir('/x')).rejects.toBeInstanceOf(SimulatedCrash);
    expect(sim.crashed).toBe(true);
    await expect(sim.fs.readdir('/')).rejects.toThrow(/machine is down/);
    await expect(sim.readdir('/')).rejects.toBeInstanceOf(SimulatedCrash);
    sim.crash('drop');
    expect(sim.crashed).toBe(false);
    await sim.fs.mkdir('/x');
    expect(await sim.fs.readdir('/')).toEqual(['x']);
  });

  it('rethrows errors that are not the crash from runUntilCrash', async () => {
    const sim = new SimFs({ seed: 1 });
    await expect(sim.runUntilCrash(() => sim.fs.open('/missing', 'r'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('epochs', () => {
  it('fails every call on a descriptor or view from before the crash', async () => {
    const sim = new SimFs({ seed: 1, files: { '/log': 'synced' } });
    const oldFs = sim.fs;
    const fd = await oldFs.open('/log', 'a');
    sim.crash('drop');
    await expect(oldFs.write(fd, enc('zombie'))).rejects.toBeInstanceOf(StaleEpochError);
    await expect(sim.fs.write(fd, enc('zombie'))).rejects.toBeInstanceOf(StaleEpochError);
    await expect(sim.write(fd, enc('zombie'))).rejects.toBeInstanceOf(StaleEpochError);
    await expect(oldFs.rename('/log', '/other')).rejects.toBeInstanceOf(StaleEpochError);
    await expect(oldFs.fsync(fd)).rejects.toMatchObject({ code: 'STALE_EPOCH' });
    expect(text(sim.peek('/log'))).toBe('synced');
    expect(sim.fs).not.toBe(oldFs);
  });

  it('stops a dead store’s leftover promise from writing into the recovered disk', async () => {
    const sim = new SimFs({ seed: 1, files: { '/log': '' } });
    const oldFs = sim.fs;
    const fd = await oldFs.open('/log', 'a');
    let release!: () => void;
    const leftover = (async () => {
      await new Promise<void>((r) => (release = r));
      await oldFs.write(fd, enc('late'));
    })();
    sim.crash('drop');
    release();
    await expect(leftover).rejects.toBeInstanceOf(StaleEpochError);
    expect(text(sim.peek('/log'))).toBe('');
  });
});

describe('injected faults', () => {
  it('fails an fsync with EIO, drops the dirty data, and a later fsync does not bring it back', async () => {
    const sim = new SimFs({ seed: 1, files: { '/log': 'A' } });
    const fd = await sim.fs.open('/log', 'a');
    sim.failFsync({ path: '/log' });
    await sim.fs.write(fd, enc('B'));
    await expect(sim.fs.fsync(fd)).rejects.toMatchObject({ code: 'EIO', syscall: 'fsync' });
    expect(text(sim.peek('/log'))).toBe('AB'); // the page cache still shows it ...
    await sim.fs.fsync(fd); // ... and this fsync succeeds ...
    await sim.fs.write(fd, enc('C'));
    await sim.fs.fsync(fd);
    sim.crash('keep');
    // ... but B is gone for good: C landed at offset 2, after a hole where B was.
    expect(text(sim.peek('/log'))).toBe('A\0C');
  });

  it('returns short counts and writes only that many bytes', async () => {
    const sim = new SimFs({ seed: 1 });
    const fd = await sim.fs.open('/f', 'w');
    sim.shortWrite({ bytes: 3, nth: 2 });
    expect(await sim.fs.write(fd, enc('hello'))).toBe(5);
    expect(await sim.fs.write(fd, enc('world'))).toBe(3);
    expect(await sim.fs.write(fd, enc('!'))).toBe(1);
    expect(text(sim.peek('/f'))).toBe('hellowor!');
    expect(sim.trace.find((e) => e.outcome.includes('short'))!.outcome).toBe('3 (short) (injected short)');
  });

  it('fails a write with ENOSPC and writes nothing', async () => {
    const sim = new SimFs({ seed: 1 });
    const fd = await sim.fs.open('/f', 'w');
    sim.inject({ op: 'write', error: 'ENOSPC' });
    await expect(sim.fs.write(fd, enc('data'))).rejects.toMatchObject({ code: 'ENOSPC' });
    expect(sim.peek('/f')!.byteLength).toBe(0);
    expect(sim.pending().map((p) => p.kind)).toEqual(['link']);
  });

  it('fails reads with EIO and shortens them', async () => {
    const sim = new SimFs({ seed: 1, files: { '/f': 'abcdef' } });
    const fd = await sim.fs.open('/f', 'r');
    sim.failRead({ nth: 1 });
    await expect(sim.fs.read(fd, Buffer.alloc(6), 0, 6, 0)).rejects.toMatchObject({ code: 'EIO' });
    sim.inject({ op: 'read', short: 2 });
    const buf = Buffer.alloc(6);
    expect(await sim.fs.read(fd, buf, 0, 6, 0)).toBe(2);
    expect(await sim.fs.read(fd, buf, 0, 6, 0)).toBe(6);
  });

  it('fails a directory sync and drops the directory’s unsynced entries', async () => {
    const sim = new SimFs({ seed: 1 });
    await sim.fs.writeFile('/new', 'x');
    sim.inject({ op: 'fsyncDir', error: 'EIO' });
    await expect(sim.fs.fsyncDir('/')).rejects.toMatchObject({ code: 'EIO' });
    await sim.fs.fsyncDir('/');
    sim.crash('keep');
    expect(await sim.fs.exists('/new')).toBe(false);
  });

  it('hits a window of calls, with a seeded probability, and is cleared by a crash', async () => {
    const hitsFor = async (seed: number) => {
      const sim = new SimFs({ seed });
      const fd = await sim.fs.open('/f', 'w');
      sim.inject({ op: 'write', nth: 3, times: 10, probability: 0.5, error: 'EIO' });
      const out: number[] = [];
      for (let i = 1; i <= 20; i++) {
        try {
          await sim.fs.write(fd, enc('x'));
        } catch {
          out.push(i);
        }
      }
      return out;
    };
    const a = await hitsFor(11);
    expect(a).toEqual(await hitsFor(11));
    expect(a.length).toBeGreaterThan(0);
    expect(a.every((i) => i >= 3 && i <= 12)).toBe(true);

    const sim = new SimFs({ seed: 1 });
    const handle = sim.inject({ op: 'mkdir', times: Infinity, error: 'EIO' });
    await expect(sim.fs.mkdir('/a')).rejects.toMatchObject({ code: 'EIO' });
    expect(handle.hits).toBe(1);
    sim.crash('drop');
    await sim.fs.mkdir('/a');
  });
});
