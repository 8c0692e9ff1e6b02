/**
 * The harness against small fixture stores: a crash at every op index finds nothing wrong with a
 * correct append-only log and catches each omission of the naive variants. This is also the shape
 * a storage spec takes (see README.md).
 */
import { describe, expect, it } from 'vitest';
import { SeededFailure } from '../replay.ts';
import { Random } from '../seed.ts';
import { AppendLog, type AppendLogOptions } from '../fixtures/append-log.ts';
import { SimFs, withSimFs, type CrashPolicy, type DirSyncPolicy, type Unsynced } from '#support/simfs/index';

const FILE = '/db/log';
const RECORDS = 6;

/** A fresh disk with /db durable, the way a spec would start. */
async function freshDisk(seed: number, dirSync: DirSyncPolicy): Promise<SimFs> {
  const sim = new SimFs({ seed, dirSync });
  await sim.mkdir('/db');
  await sim.fsyncDir('/');
  return sim;
}

async function workload(sim: SimFs, opts: Omit<AppendLogOptions, 'fs'>, acked: string[]): Promise<void> {
  const log = await AppendLog.open(FILE, { ...opts, fs: sim.fs });
  for (let i = 0; i < RECORDS; i++) {
    await log.append(`r${i}`);
    acked.push(`r${i}`);
  }
  await log.close();
}

/**
 * Crashes the workload at every call index with `policy`, recovers, and returns what went wrong
 * (empty for a correct store): lost acknowledged records, a recovery that is not a prefix of the
 * issued records, appends after recovery that fail, a second recovery that differs.
 */
async function crashAtEveryOp(opts: Omit<AppendLogOptions, 'fs'>, policy: Unsynced | CrashPolicy, dirSync: DirSyncPolicy = 'strict'): Promise<string[]> {
  const dry = await freshDisk(1, dirSync);
  await workload(dry, opts, []);
  const total = dry.calls - 2; // minus the setup's mkdir and fsyncDir
  const problems: string[] = [];
  for (let i = 1; i <= total + 1; i++) {
    const sim = await freshDisk(i, dirSync);
    const acked: string[] = [];
    sim.armCrash({ nth: i });
    const run = await sim.runUntilCrash(() => workload(sim, opts, acked));
    expect(run.crashed).toBe(i <= total);
    const report = sim.crash(policy);
    const recovered = [...(await AppendLog.open(FILE, { ...opts, fs: sim.fs })).recovered];
    const issued = Array.from({ length: RECORDS }, (_, k) => `r${k}`);
    const lost = acked.filter((id) => !recovered.includes(id));
    if (lost.length) problems.push(`crash at call ${i} (${report.description}): lost acknowledged ${lost.join(' ')}`);
    if (recovered.some((id, k) => id !== issued[k])) problems.push(`crash at call ${i}: recovered ${recovered.join(' ')} is not a prefix`);
    const again = await AppendLog.open(FILE, { ...opts, fs: sim.fs });
    await again.append('post');
    await again.close();
    const after = await AppendLog.read(sim.fs, FILE);
    if (after.join(' ') !== [...recovered, 'post'].join(' ')) problems.push(`crash at call ${i}: after recovery + append got ${after.join(' ')}`);
  }
  return problems;
}

describe('crash at every op index', () => {
  it('finds nothing wrong with a correct log, under drop, prefix and subset crashes', async () => {
    for (const unsynced of ['drop', 'prefix', 'subset'] as const) {
      expect(await crashAtEveryOp({}, { unsynced })).toEqual([]);
    }
  });

  it('catches a log that never fsyncs', async () => {
    const problems = await crashAtEveryOp({ sync: false }, 'drop');
    expect(problems.join('\n')).toMatch(/lost acknowledged r0/);
  });

  it('catches a log that never syncs its directory under strict, but not under lenient', async () => {
    expect((await crashAtEveryOp({ syncDir: false }, 'drop', 'strict')).join('\n')).toMatch(/lost acknowledged/);
    expect(await crashAtEveryOp({ syncDir: false }, 'drop', 'lenient')).toEqual([]);
  });

  it('cuts a torn last record at every byte, and appends after recovery work', async () => {
    for (const fill of ['absent', 'zeros', 'garbage'] as const) {
      const sim = await freshDisk(3, 'strict');
      sim.armCrash({ op: 'fdatasync', nth: 3 }); // the third record is written but never synced
      await sim.runUntilCrash(() => workload(sim, {}, []));
      const states = sim.crashStates({ unsynced: 'keep', tear: { fill } });
      expect(states).toHaveLength(1 + 8 + 2); // untorn + one per byte of an 8-byte header + 'r2'
      for (const state of states) {
        const disk = state.boot();
        const log = await AppendLog.open(FILE, { fs: disk.fs });
        expect(log.recovered.slice(0, 2)).toEqual(['r0', 'r1']);
        expect(log.recovered.length).toBe(state.choice.torn ? 2 : 3);
        await log.append('post');
        await log.close();
        expect(await AppendLog.read(disk.fs, FILE)).toEqual([...log.recovered, 'post']);
      }
    }
  });
});

describe('withSimFs', () => {
  it('reports the seed, the replay command and the trace tail on failure', async () => {
    const err = await withSimFs(new Random(4242), async (sim) => {
      await sim.fs.mkdir('/db');
      await sim.fs.writeFile('/db/x', 'data');
      throw new Error('invariant broken');
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SeededFailure);
    const msg = (err as Error).message;
    expect(msg).toMatch(/^invariant broken/);
    expect(msg).toContain('simfs seed 4242');
    expect(msg).toMatch(/#\d+ e0 mkdir \/db/);
    expect(msg).toMatch(/#\d+ e0 write \/db\/x fd=\d+ @0\+4 → 4/);
    expect(msg).toContain('seed: 4242');
    expect(msg).toContain('--seed 4242');
  });
});
