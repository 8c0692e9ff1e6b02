/**
 * Stage 5: stale temp files and error paths. A failing open, write, fsync or rename rejects with
 * AtomicWriteError, leaves the target as it was (also after a power cut) and removes the temp
 * file; a failing directory fsync says the file was replaced but is not durable. Temp files that
 * crashed writers left are removed by the next write; a live writer's temp file, in this process
 * or another, and every other file are left alone.
 */
import { once } from 'node:events';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AtomicWriteError, readFileChecked, removeStaleTemps, writeFileAtomic, writeFileNaive } from '#kata/atomic-write';
import { spawnTarget } from '#support/child';
import { SimFs, type OpName } from '#support/simfs/index';
import { bytes, frame, hex, isTempOf, payloadFor, pieces, settle } from './helpers.ts';

const FILE = '/d/f';
const OLD = frame(bytes('old'));
const NEW = frame(bytes('the new payload'));
const OTHERS = ['notes.txt', '.f.bak', 'f.tmp', 'f.old', '.ff.1-0.abc.tmp'];

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'atomic-write-5-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

function oldDisk(seed: number): SimFs {
  return new SimFs({ seed, files: { [FILE]: OLD } });
}

function expectWriteError(err: unknown, step: string, replaced: boolean, code: string, what: string): void {
  expect(err, what).toBeInstanceOf(AtomicWriteError);
  const e = err as AtomicWriteError;
  expect({ code: e.code, path: e.path, step: e.step, replaced: e.replaced, cause: (e.cause as NodeJS.ErrnoException)?.code }, what).toEqual({
    code: 'ATOMIC_WRITE_FAILED',
    path: FILE,
    step,
    replaced,
    cause: code,
  });
}

describe('stage 5: stale temps and error paths', () => {
  it('an fsync error rejects with AtomicWriteError at "fsync": no rename, the old file intact (also after a power cut), the temp file removed', async () => {
    for (const unsynced of ['drop', 'keep'] as const) {
      const sim = oldDisk(1);
      sim.failFsync({ code: 'EIO' });
      const err = await settle(writeFileAtomic(FILE, NEW, { fs: sim.fs }));
      expectWriteError(err, 'fsync', false, 'EIO', 'fsync failed');
      expect(hex(sim.peek(FILE)), 'the target right after the failed write').toBe(hex(OLD));
      expect(await sim.fs.readdir('/d')).toEqual(['f']);
      sim.crash(unsynced);
      expect(hex(sim.peek(FILE)), `the target after a power cut (${unsynced})`).toBe(hex(OLD));
      expect(hex(await readFileChecked(FILE, { fs: sim.fs }))).toBe(hex(bytes('old')));
    }
  });

  it('an error at open, write or rename rejects with AtomicWriteError naming the step; the target keeps its old content and no temp file is left', async () => {
    const cases: Array<[OpName, string, string]> = [
      ['open', 'ENOSPC', 'open'],
      ['write', 'ENOSPC', 'write'],
      ['write', 'EIO', 'write'],
      ['rename', 'EIO', 'rename'],
    ];
    for (const [op, code, step] of cases) {
      const sim = oldDisk(2);
      // the nth write fails after others succeeded: a temp file with some bytes in it exists
      sim.inject({ op, error: code as 'EIO', nth: op === 'write' ? 2 : 1 });
      const err = await settle(writeFileAtomic(FILE, NEW, { fs: pieces(sim.fs, 8) }));
      expectWriteError(err, step, false, code, `${op} failed with ${code}`);
      expect(hex(sim.peek(FILE)), `${op} failed`).toBe(hex(OLD));
      expect(await sim.fs.readdir('/d'), `${op} failed: the temp file must be removed`).toEqual(['f']);
      // the next write works
      await writeFileAtomic(FILE, NEW, { fs: sim.fs });
      expect(hex(sim.peek(FILE))).toBe(hex(NEW));
    }
  });

  it('a directory fsync error rejects with replaced = true: the new file is visible but not durable, and the write is not reported as done', async () => {
    const sim = oldDisk(3);
    sim.inject({ op: 'fsyncDir', error: 'EIO' });
    const err = await settle(writeFileAtomic(FILE, NEW, { fs: sim.fs }));
    expectWriteError(err, 'fsyncDir', true, 'EIO', 'fsyncDir failed');
    expect(hex(sim.peek(FILE))).toBe(hex(NEW));
    expect(await sim.fs.readdir('/d')).toEqual(['f']);
  });

  it('the naive writer passes file system errors through as they are', async () => {
    const sim = oldDisk(4);
    sim.inject({ op: 'write', error: 'ENOSPC' });
    const err = await settle(writeFileNaive(FILE, NEW, { fs: sim.fs }));
    expect((err as NodeJS.ErrnoException).code).toBe('ENOSPC');
    expect(err).not.toBeInstanceOf(AtomicWriteError);
  });

  it('after a crash at any call of a write, removeStaleTemps removes exactly the temp files left, and the next write leaves only the target and the unrelated files', async () => {
    const files: Record<string, string | Uint8Array> = { [FILE]: OLD };
    for (const name of OTHERS) files[`/d/${name}`] = `unrelated ${name}`;
    const dry = new SimFs({ seed: 5, files });
    await writeFileAtomic(FILE, NEW, { fs: pieces(dry.fs, 8) });
    let leftovers = 0;
    for (let n = 1; n <= dry.calls; n++) {
      const sim = new SimFs({ seed: 5, files });
      sim.armCrash({ nth: n });
      await sim.runUntilCrash(() => writeFileAtomic(FILE, NEW, { fs: pieces(sim.fs, 8) }));
      sim.crash('keep'); // the process died; the kernel kept everything
      const temps = (await sim.fs.readdir('/d')).filter((name) => isTempOf(name, 'f') && !OTHERS.includes(name));
      leftovers += temps.length;
      const removed = await removeStaleTemps(FILE, { fs: sim.fs });
      expect(removed.map((p) => path.posix.basename(p)).sort(), `crash before call ${n}: the temp files left were ${temps.join(', ') || 'none'}`).toEqual(temps);
      expect((await sim.fs.readdir('/d')).sort()).toEqual(['f', ...OTHERS].sort());
      // a second crashed write, then a write that must clean it up by itself
      sim.armCrash({ op: 'rename' });
      await sim.runUntilCrash(() => writeFileAtomic(FILE, NEW, { fs: sim.fs }));
      sim.crash('keep');
      await writeFileAtomic(FILE, frame(bytes(`after crash ${n}`)), { fs: sim.fs });
      expect((await sim.fs.readdir('/d')).sort(), `crash before call ${n}, then a write`).toEqual(['f', ...OTHERS].sort());
      for (const name of OTHERS) expect(new TextDecoder().decode(sim.peek(`/d/${name}`))).toBe(`unrelated ${name}`);
    }
    expect(leftovers, 'crash points that left a temp file').toBeGreaterThan(3);
  });

  it('removeStaleTemps: [] for a missing directory, TypeError for a bad path', async () => {
    const sim = new SimFs({ seed: 6 });
    expect(await removeStaleTemps('/nowhere/f', { fs: sim.fs })).toEqual([]);
    for (const bad of ['', 7, null]) expect(await settle(removeStaleTemps(bad as unknown as string, { fs: sim.fs })), JSON.stringify(bad)).toBeInstanceOf(TypeError);
  });

  it("a live writer's temp file in another process is left alone: its rename still succeeds after this process wrote and cleaned up", async () => {
    const dir = await mkdtemp(path.join(root, 'live-'));
    const file = path.join(dir, 'data.chk');
    await writeFile(file, frame(payloadFor('old', 1000)));
    const childBytes = frame(payloadFor('child', 60_000));
    const source = path.join(root, 'live.src');
    await writeFile(source, childBytes);
    const child = spawnTarget(new URL('./live-writer.ts', import.meta.url), [file, source], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout!.setEncoding('utf8').on('data', (s: string) => (out += s));
    child.stderr!.setEncoding('utf8').on('data', (s: string) => (err += s));
    const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    try {
      // wait until the child has its temp file open with a first piece in it
      const deadline = Date.now() + 60_000;
      while (!out.includes('paused')) {
        if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the child did not pause (exit ${child.exitCode}); stderr:\n${err}`);
        await new Promise((r) => setTimeout(r, 10));
      }
      const childTemps = (await readdir(dir)).filter((n) => isTempOf(n, 'data.chk'));
      expect(childTemps.length, 'the paused child has a temp file').toBe(1);

      expect(await removeStaleTemps(file), 'the live child’s temp file is not stale').toEqual([]);
      await writeFileAtomic(file, frame(payloadFor('parent', 2000)));
      expect((await readdir(dir)).filter((n) => isTempOf(n, 'data.chk')), 'after a write in this process').toEqual(childTemps);

      child.stdin!.end('go\n');
      const [code] = await exited;
      expect({ code, err }, 'the child finishes its write').toEqual({ code: 0, err: '' });
      expect(out).toContain('done');
      expect(hex(await readFile(file)), 'the child renamed last').toBe(hex(childBytes));
      expect(await readdir(dir)).toEqual(['data.chk']);
    } finally {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    }
  }, 90_000);
});
