/** The SIGKILL runner against a real child: kill points, acknowledged sets, loss reports, cleanup. */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeFs } from '../../katas/store-fs.ts';
import { AppendLog } from './fixtures/append-log.ts';
import { Random } from './seed.ts';
import { LostAcksError, WorkloadError, assertAckedRecovered, lostAcks, runAndKill } from './sigkill.ts';

const script = new URL('./fixtures/append-workload.ts', import.meta.url);
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'sigkill-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

function gone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

describe('runAndKill', () => {
  it('kills a child after N acks; every acknowledged write of a correct store is there, twice', async () => {
    const file = path.join(dir, 'sync.log');
    const result = await runAndKill({ script, args: [file, 'sync', '1000000'], afterAcks: 20 });
    expect(result.killed).toBe(true);
    expect(result.signal).toBe('SIGKILL');
    expect(result.acked.length).toBeGreaterThanOrEqual(20);
    expect(result.acked.slice(0, 3)).toEqual(['r0', 'r1', 'r2']);
    expect(gone(result.pid)).toBe(true);
    const first = (await AppendLog.open(file, { fs: nodeFs })).recovered;
    assertAckedRecovered(result, first);
    const second = await AppendLog.read(nodeFs, file);
    expect(second).toEqual(first); // recovery is idempotent
  });

  it('reports the loss of a store that acknowledges before writing', async () => {
    const file = path.join(dir, 'buffered.log');
    const result = await runAndKill({ script, args: [file, 'buffered', '1000000'], afterAcks: 20 });
    expect(result.killed).toBe(true);
    const recovered = await AppendLog.read(nodeFs, file);
    expect(lostAcks(result.acked, recovered).length).toBe(result.acked.length);
    let caught: unknown;
    try {
      assertAckedRecovered(result, recovered);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(LostAcksError);
    expect((caught as LostAcksError).message).toMatch(/acknowledged writes are missing after recovery .*: r0, r1, r2/);
  });

  it('kills after a seeded delay counted from the child’s ready()', async () => {
    const file = path.join(dir, 'delay.log');
    const result = await runAndKill({ script, args: [file, 'nosync', '1000000'], afterMs: [50, 150], random: new Random(7) });
    expect(result.delayMs).toBe(new Random(7).int(50, 150));
    expect(result.killed).toBe(true);
    assertAckedRecovered(result, await AppendLog.read(nodeFs, file)); // no fsync, but a SIGKILL loses nothing the kernel has
  });

  it('returns normally when the workload finishes before the kill', async () => {
    const file = path.join(dir, 'short.log');
    const result = await runAndKill({ script, args: [file, 'sync', '5'], afterAcks: 100 });
    expect(result.killed).toBe(false);
    expect(result.exitCode).toBe(0);
    expect(result.acked).toEqual(['r0', 'r1', 'r2', 'r3', 'r4']);
  });

  it('fails after its time limit and leaves no process behind', async () => {
    const file = path.join(dir, 'hang.log');
    const started = Date.now();
    let caught: unknown;
    try {
      await runAndKill({ script, args: [file, 'hang'], afterAcks: 1, timeoutMs: 1500 });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(WorkloadError);
    expect((caught as Error).message).toMatch(/neither reached 1 acks nor finished within 1500 ms/);
    expect(gone((caught as WorkloadError).pid)).toBe(true);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('fails when the workload itself crashes, with its stderr', async () => {
    await expect(runAndKill({ script, args: [], afterAcks: 1 })).rejects.toThrow(/exited with code 1[\s\S]*usage: append-workload/);
  });

  it('checks its options', async () => {
    await expect(runAndKill({ script, afterAcks: 1, afterMs: 5 })).rejects.toThrow(/exactly one of afterAcks or afterMs/);
    await expect(runAndKill({ script, afterMs: [1, 2] })).rejects.toThrow(/needs `random`/);
  });
});
