/**
 * Stage 6: one writer per directory, and real processes killed with SIGKILL. The LOCK file names its
 * owner; a live owner keeps others out, a dead one's lock is taken over. Twenty seeded runs kill a
 * child in the middle of a stream of synced puts, deletes and merges, then reopen on the real disk.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BitcaskLockedError, openBitcask } from '#kata/bitcask';
import { spawnTarget } from '#support/child';
import { Random, forEachSeed } from '#support/seed';
import { runAndKill, type KillResult } from '#support/sigkill';
import { SimFs } from '#support/simfs';
import { DIR, dump, show, stateOf } from './helpers.ts';
import { STREAM_MAX_FILE_BYTES, streamOp, streamState } from './stream.ts';

const script = new URL('./kill-workload.ts', import.meta.url);
const SLOW = { timeout: 180_000 };
const KILL_RUNS = 20;
const PARALLEL = 4;

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'bitcask-kill-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

/** A pid that was just used by a process that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '']);
  return r.pid!;
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('close', () => resolve());
  });
}

describe('stage 6: locking', () => {
  it('a second open of the same directory rejects with BitcaskLockedError until the first is closed', async () => {
    const sim = new SimFs({ seed: 1 });
    const first = await openBitcask(DIR, { fs: sim.fs });
    await first.put('k', 'v');
    const err = await openBitcask(DIR, { fs: sim.fs }).then(
      async (db) => {
        await db.close();
        return new Error('the second open succeeded');
      },
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(BitcaskLockedError);
    expect((err as BitcaskLockedError).pid).toBe(process.pid);
    expect((err as BitcaskLockedError).dir).toBe(DIR);
    expect((err as BitcaskLockedError).code).toBe('BITCASK_LOCKED');
    // The refused open must not have broken the lock of the first.
    await expect(openBitcask(DIR, { fs: sim.fs })).rejects.toThrow(BitcaskLockedError);
    await first.close();
    const second = await openBitcask(DIR, { fs: sim.fs });
    expect(Buffer.from((await second.get('k'))!).toString()).toBe('v');
    await second.close();
  });

  it('the LOCK file holds the owner’s pid as "<pid>\\n", and close() removes it', async () => {
    const sim = new SimFs({ seed: 1 });
    const db = await openBitcask(DIR, { fs: sim.fs });
    expect((await sim.fs.readFile(`${DIR}/LOCK`)).toString('latin1')).toBe(`${process.pid}\n`);
    await db.close();
    expect(await sim.fs.exists(`${DIR}/LOCK`)).toBe(false);
  });

  it('a LOCK file naming a process that is gone, or holding garbage, is stale and taken over', async () => {
    const dead = deadPid();
    for (const content of [`${dead}\n`, '', 'garbage', `${String(dead).slice(0, 2)}`, '\0\0\0\0\0']) {
      const sim = new SimFs({ seed: 1, files: { [`${DIR}/LOCK`]: content } });
      const db = await openBitcask(DIR, { fs: sim.fs }).catch((e: unknown) => {
        throw new Error(`LOCK holding ${JSON.stringify(content)}: ${(e as Error).message}`);
      });
      expect((await sim.fs.readFile(`${DIR}/LOCK`)).toString('latin1')).toBe(`${process.pid}\n`);
      await db.close();
    }
  });

  it('a store left open when the power went is not a live owner: the disk reopens', async () => {
    const sim = new SimFs({ seed: 1 });
    const db = await openBitcask(DIR, { fs: sim.fs });
    await db.put('k', 'v');
    await sim.fs.fsyncDir(DIR); // make sure the LOCK file itself survives the crash
    sim.crash('keep');
    expect(show(await stateOf(sim.fs))).toBe(show(new Map([['k', 'v']])));
  });

  it('a directory held by another live process is refused with its pid; once that process is killed its lock is taken over', SLOW, async () => {
    const dir = path.join(root, 'held');
    const child = spawnTarget(script, [dir, 'hold'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout!.setEncoding('utf8').on('data', (s: string) => s.includes('ready') && resolve());
        child.once('close', (code) => reject(new Error(`the holding child exited (${code}) before it was ready:\n${stderr}`)));
      });
      const err = await openBitcask(dir).then(
        async (db) => {
          await db.close();
          return new Error('open succeeded while another live process holds the store');
        },
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(BitcaskLockedError);
      expect((err as BitcaskLockedError).pid).toBe(child.pid);
      expect(await readFile(path.join(dir, 'LOCK'), 'latin1')).toBe(`${child.pid}\n`);
    } finally {
      child.kill('SIGKILL');
      await exited(child);
    }
    const db = await openBitcask(dir);
    expect(await readFile(path.join(dir, 'LOCK'), 'latin1')).toBe(`${process.pid}\n`);
    await db.close();
  });

  it(`SIGKILL in a stream of synced puts, deletes and merges: every acknowledged op is there after reopen, over ${KILL_RUNS} seeded kills`, SLOW, async () => {
    await forEachSeed(1, async (random) => {
      const seeds = Array.from({ length: KILL_RUNS }, () => random.int(0, 2 ** 31 - 1));
      const one = async (seed: number, i: number) => {
        const r = new Random(seed);
        const dir = path.join(root, `kill-${seed}-${i}`);
        const byAcks = r.bool();
        const result: KillResult = byAcks
          ? await runAndKill({ script, args: [dir, 'stream'], afterAcks: r.int(1, 80), timeoutMs: 60_000 })
          : await runAndKill({ script, args: [dir, 'stream'], afterMs: [10, 700], random: r, timeoutMs: 60_000 });
        const how = byAcks ? `after ${result.acked.length} acks` : `${result.delayMs} ms after ready()`;
        const where = `run ${i} (sub-seed ${seed}), killed ${how}`;
        expect(result.killed, `${where}: the child should have been killed`).toBe(true);
        const acked = result.acked.length;
        expect(result.acked, `${where}: acks in order`).toEqual(Array.from({ length: acked }, (_, k) => String(k)));
        // The LOCK file of the dead child is still there; open must take it over.
        expect(await readFile(path.join(dir, 'LOCK'), 'latin1'), `${where}: the killed child's LOCK`).toBe(`${result.pid}\n`);
        const db = await openBitcask(dir, { maxFileBytes: STREAM_MAX_FILE_BYTES });
        const got = await dump(db);
        await db.close();
        // The state after every acknowledged op, or after one more (the op in flight when it died).
        const ok = [acked, acked + 1].some((n) => show(streamState(n)) === show(got));
        if (!ok) {
          const lost: string[] = [];
          const last = new Map<string, number>();
          for (let k = 0; k < acked; k++) last.set(streamOp(k).key, k);
          for (const [key, k] of last) {
            const o = streamOp(k);
            const want = o.op === 'put' ? o.value : undefined;
            const after = streamOp(acked);
            if (got.get(key) !== want && !(after.key === key && got.get(key) === (after.op === 'put' ? after.value : undefined))) {
              lost.push(`op ${k} (${o.op} ${key}${o.op === 'put' ? ` = ${o.value}` : ''}) but found ${JSON.stringify(got.get(key))}`);
            }
          }
          throw new Error(`${where}: ${acked} ops acknowledged, recovered state matches no allowed prefix. Last acknowledged op per key not recovered: ${lost.join('; ') || '(none; an extra key appeared)'}`);
        }
        // Recovery is idempotent: a second open sees exactly the same.
        expect(show(await stateOf(undefined, { maxFileBytes: STREAM_MAX_FILE_BYTES }, dir)), `${where}: second recovery`).toBe(show(got));
        return acked;
      };
      const acks: number[] = [];
      for (let i = 0; i < seeds.length; i += PARALLEL) {
        // allSettled, not all: a failing run must not end the test while its siblings' children
        // (and their deadline timers) are still alive.
        const settled = await Promise.allSettled(seeds.slice(i, i + PARALLEL).map((s, j) => one(s, i + j)));
        for (const s of settled) if (s.status === 'rejected') throw s.reason;
        acks.push(...settled.map((s) => (s as PromiseFulfilledResult<number>).value));
      }
      expect(acks).toHaveLength(KILL_RUNS);
      console.log(`bitcask stage 6: ${KILL_RUNS} SIGKILL runs, acknowledged ops per run: ${acks.join(' ')}`);
    });
  });
});
