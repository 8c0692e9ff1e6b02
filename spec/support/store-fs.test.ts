/**
 * One contract, two implementations: `nodeFs` on a real temporary directory and SimFs must agree
 * on every behaviour a store relies on (results and error codes), so a store that passes on the
 * simulated disk behaves the same on the real one.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeFs, type StoreFs } from '../../katas/store-fs.ts';
import { SimFs } from './simfs/index.ts';

const enc = (s: string) => Buffer.from(s);
const text = (b: Uint8Array) => Buffer.from(b).toString();

async function code(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code ?? 'no code';
  }
  return undefined;
}

interface Subject {
  fs: StoreFs;
  root: string;
  cleanup(): Promise<void>;
}

const subjects: Record<string, () => Promise<Subject>> = {
  nodeFs: async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'storefs-'));
    return { fs: nodeFs, root, cleanup: () => rm(root, { recursive: true, force: true }) };
  },
  SimFs: async () => {
    const sim = new SimFs({ seed: 1 });
    await sim.mkdir('/root');
    return {
      fs: sim.fs,
      root: '/root',
      cleanup: async () => sim.assertConsistent(),
    };
  },
};

describe.each(Object.keys(subjects))('StoreFs contract: %s', (name) => {
  let s: Subject;
  let fs: StoreFs;
  const at = (...parts: string[]) => path.join(s.root, ...parts);
  beforeAll(async () => {
    s = await subjects[name]!();
    fs = s.fs;
  });
  afterAll(() => s.cleanup());

  it('writes at the position, reads back, and reads 0 at the end', async () => {
    const fd = await fs.open(at('a'), 'w+');
    expect(await fs.write(fd, enc('hello world'))).toBe(11);
    expect(await fs.write(fd, enc('HELLO'), 0, 5, 0)).toBe(5);
    const buf = Buffer.alloc(32);
    expect(await fs.read(fd, buf, 0, 32, 0)).toBe(11);
    expect(buf.subarray(0, 11).toString()).toBe('HELLO world');
    expect(await fs.read(fd, buf, 0, 4, 6)).toBe(4);
    expect(buf.subarray(0, 4).toString()).toBe('worl');
    expect(await fs.read(fd, buf, 0, 8, 9)).toBe(2);
    expect(await fs.read(fd, buf, 0, 8, 11)).toBe(0);
    expect(await fs.read(fd, buf, 0, 8, 100)).toBe(0);
    expect((await fs.fstat(fd)).size).toBe(11);
    await fs.close(fd);
  });

  it('advances the descriptor position for writes and reads without a position', async () => {
    const fd = await fs.open(at('seq'), 'w+');
    await fs.write(fd, enc('abc'));
    await fs.write(fd, enc('def'), 1, 2);
    expect(text(await fs.readFile(at('seq')))).toBe('abcef');
    const r = await fs.open(at('seq'), 'r');
    const buf = Buffer.alloc(2);
    expect(await fs.read(r, buf, 0, 2, null)).toBe(2);
    expect(buf.toString()).toBe('ab');
    expect(await fs.read(r, buf, 0, 2, null)).toBe(2);
    expect(buf.toString()).toBe('ce');
    await fs.close(r);
    await fs.close(fd);
  });

  it('appends at the end in append mode, whatever the position says (Linux)', async () => {
    await fs.writeFile(at('log'), 'one;');
    const fd = await fs.open(at('log'), 'a');
    await fs.write(fd, enc('two;'), 0, 4, 0);
    await fs.write(fd, enc('three;'));
    await fs.close(fd);
    expect(text(await fs.readFile(at('log')))).toBe('one;two;three;');
  });

  it('truncates with w, refuses wx on an existing file, and r on a missing one', async () => {
    await fs.writeFile(at('t'), 'long content');
    await fs.close(await fs.open(at('t'), 'w'));
    expect((await fs.stat(at('t'))).size).toBe(0);
    expect(await code(fs.open(at('t'), 'wx'))).toBe('EEXIST');
    expect(await code(fs.open(at('missing'), 'r'))).toBe('ENOENT');
    expect(await code(fs.open(at('no-dir', 'x'), 'w'))).toBe('ENOENT');
    expect(await code(fs.open(s.root, 'r+'))).toBe('EISDIR');
  });

  it('cuts and extends with ftruncate (the extension reads as zeros)', async () => {
    const fd = await fs.open(at('trunc'), 'w+');
    await fs.write(fd, enc('abcdef'));
    await fs.ftruncate(fd, 3);
    expect((await fs.fstat(fd)).size).toBe(3);
    await fs.ftruncate(fd, 5);
    await fs.close(fd);
    expect([...(await fs.readFile(at('trunc')))]).toEqual([97, 98, 99, 0, 0]);
  });

  it('reports stat, exists and ENOENT', async () => {
    await fs.writeFile(at('s'), 'xyz');
    const st = await fs.stat(at('s'));
    expect([st.size, st.isFile(), st.isDirectory()]).toEqual([3, true, false]);
    expect((await fs.stat(s.root)).isDirectory()).toBe(true);
    expect(await code(fs.stat(at('nothing')))).toBe('ENOENT');
    expect(await fs.exists(at('s'))).toBe(true);
    expect(await fs.exists(at('nothing'))).toBe(false);
    expect(await fs.exists(at('s', 'under-a-file'))).toBe(false);
  });

  it('renames over an existing file and refuses what POSIX refuses', async () => {
    await fs.writeFile(at('r-old'), 'old');
    await fs.writeFile(at('r-new'), 'new');
    await fs.rename(at('r-new'), at('r-old'));
    expect(text(await fs.readFile(at('r-old')))).toBe('new');
    expect(await fs.exists(at('r-new'))).toBe(false);
    expect(await code(fs.rename(at('r-none'), at('r-x')))).toBe('ENOENT');
    await fs.mkdir(at('r-dir'));
    expect(await code(fs.rename(at('r-old'), at('r-dir')))).toBe('EISDIR');
    expect(await code(fs.rename(at('r-old'), at('r-nodir', 'x')))).toBe('ENOENT');
  });

  it('unlinks files, not directories', async () => {
    await fs.writeFile(at('u'), 'x');
    await fs.unlink(at('u'));
    expect(await fs.exists(at('u'))).toBe(false);
    expect(await code(fs.unlink(at('u')))).toBe('ENOENT');
    await fs.mkdir(at('u-dir'));
    expect(await code(fs.unlink(at('u-dir')))).toBe('EISDIR');
  });

  it('makes directories, recursively too, and lists them sorted', async () => {
    expect(await code(fs.mkdir(at('m', 'a', 'b')))).toBe('ENOENT');
    await fs.mkdir(at('m', 'a', 'b'), { recursive: true });
    await fs.mkdir(at('m', 'a', 'b'), { recursive: true });
    expect(await code(fs.mkdir(at('m')))).toBe('EEXIST');
    for (const n of ['zeta', 'alpha', 'Mid']) await fs.writeFile(at('m', n), n);
    expect(await fs.readdir(at('m'))).toEqual(['Mid', 'a', 'alpha', 'zeta']);
    expect(await code(fs.readdir(at('m', 'zeta')))).toBe('ENOTDIR');
    expect(await code(fs.readdir(at('m', 'none')))).toBe('ENOENT');
  });

  it('syncs files and directories', async () => {
    const fd = await fs.open(at('sync'), 'a');
    await fs.write(fd, enc('x'));
    await fs.fsync(fd);
    await fs.fdatasync(fd);
    await fs.close(fd);
    await fs.fsyncDir(s.root);
    expect(await code(fs.fsyncDir(at('no-such-dir')))).toBe('ENOENT');
  });

  it('rejects misuse of descriptors with EBADF', async () => {
    await fs.writeFile(at('ro'), 'x');
    const fd = await fs.open(at('ro'), 'r');
    expect(await code(fs.write(fd, enc('y')))).toBe('EBADF');
    await fs.close(fd);
    expect(await code(fs.close(fd))).toBe('EBADF');
    const wo = await fs.open(at('ro'), 'a');
    expect(await code(fs.read(wo, Buffer.alloc(1), 0, 1, 0))).toBe('EBADF');
    await fs.close(wo);
  });

  it('reads and writes whole files', async () => {
    await fs.writeFile(at('whole'), 'first');
    await fs.writeFile(at('whole'), new Uint8Array([104, 105]));
    expect(text(await fs.readFile(at('whole')))).toBe('hi');
    const big = Buffer.alloc(200_000, 7);
    await fs.writeFile(at('big'), big);
    expect(Buffer.compare(await fs.readFile(at('big')), big)).toBe(0);
  });
});
