/** What survives a power cut: data after fsync, directory entries after fsyncDir (strict) or any sync (lenient). */
import { describe, expect, it } from 'vitest';
import { SimFs, type DiskImage, type StoreFs } from './index.ts';

const enc = (s: string) => Buffer.from(s);
const fileText = (img: DiskImage, p: string) => {
  const b = img.files.get(p);
  return b === undefined ? undefined : Buffer.from(b).toString();
};

const asText = (b: Uint8Array | undefined) => (b === undefined ? undefined : Buffer.from(b).toString());
const peekText = (sim: SimFs, p: string) => asText(sim.peek(p));

/** A sim with a durable, dir-synced /db. */
async function setup(dirSync: 'strict' | 'lenient' = 'strict'): Promise<SimFs> {
  const sim = new SimFs({ seed: 7, dirSync });
  await sim.mkdir('/db');
  await sim.fsyncDir('/');
  return sim;
}

async function append(fs: StoreFs, file: string, s: string, sync: boolean): Promise<void> {
  const fd = await fs.open(file, 'a');
  await fs.write(fd, enc(s));
  if (sync) await fs.fsync(fd);
  await fs.close(fd);
}

describe('data durability', () => {
  it('loses a write without fsync on a drop crash and keeps it with fsync', async () => {
    const sim = await setup();
    await append(sim.fs, '/db/log', 'synced;', true);
    await sim.fsyncDir('/db');
    await append(sim.fs, '/db/log', 'unsynced;', false);
    expect(fileText(sim.volatileImage(), '/db/log')).toBe('synced;unsynced;');
    const report = sim.crash('drop');
    expect(fileText(report.image, '/db/log')).toBe('synced;');
    expect(Buffer.from(await sim.fs.readFile('/db/log')).toString()).toBe('synced;');
    expect(report.lost).toHaveLength(1);
  });

  it('owns the bytes of a write: reusing the caller\'s Buffer afterwards changes nothing on disk', async () => {
    const sim = await setup();
    const fd = await sim.fs.open('/db/log', 'a');
    const scratch = Buffer.alloc(16, 'x');
    const view = scratch.subarray(0, 8); // a Buffer view: slicing it must not alias the caller's memory
    view.write('durable;');
    await sim.fs.write(fd, view);
    scratch.fill('!'); // legal with real fs once the write resolved
    await sim.fs.fsync(fd);
    await sim.fs.close(fd);
    await sim.fsyncDir('/db');
    scratch.fill('?');
    expect(fileText(sim.crash('drop').image, '/db/log')).toBe('durable;');
  });

  it('keeps everything on a keep crash (a process crash: the kernel had it)', async () => {
    const sim = await setup();
    await append(sim.fs, '/db/log', 'a;', true);
    await sim.fsyncDir('/db');
    await append(sim.fs, '/db/log', 'b;', false);
    sim.crash('keep');
    expect(Buffer.from(await sim.fs.readFile('/db/log')).toString()).toBe('a;b;');
  });

  it('makes data durable with fdatasync too, and ftruncate after a sync', async () => {
    const sim = await setup();
    const fd = await sim.fs.open('/db/f', 'w+');
    await sim.fsyncDir('/db');
    await sim.fs.write(fd, enc('0123456789'));
    await sim.fs.fdatasync(fd);
    await sim.fs.ftruncate(fd, 4);
    expect(fileText(sim.durableImage(), '/db/f')).toBe('0123456789');
    await sim.fs.fsync(fd);
    expect(fileText(sim.durableImage(), '/db/f')).toBe('0123');
  });

  it('does not sync one file by fsyncing another', async () => {
    const sim = await setup();
    await append(sim.fs, '/db/a', 'a', true);
    await append(sim.fs, '/db/b', 'b', true);
    await sim.fsyncDir('/db');
    await append(sim.fs, '/db/a', 'A', false);
    await append(sim.fs, '/db/b', 'B', true);
    sim.crash('drop');
    expect(peekText(sim, '/db/a')).toBe('a');
    expect(peekText(sim, '/db/b')).toBe('bB');
  });

  it('records O_TRUNC of an existing file as a pending truncate', async () => {
    const sim = await setup();
    await append(sim.fs, '/db/t', 'old', true);
    await sim.fsyncDir('/db');
    await sim.fs.close(await sim.fs.open('/db/t', 'w'));
    expect(sim.pending().map((p) => p.kind)).toEqual(['truncate']);
    sim.crash('drop');
    expect(peekText(sim, '/db/t')).toBe('old');
  });

  it('never brings back writes to a file that was unlinked while open', async () => {
    const sim = await setup();
    const fd = await sim.fs.open('/db/gone', 'w');
    await sim.fsyncDir('/db');
    await sim.fs.unlink('/db/gone');
    await sim.fsyncDir('/db');
    await sim.fs.write(fd, enc('ghost'));
    await sim.fs.fsync(fd);
    sim.crash('keep');
    expect(await sim.fs.readdir('/db')).toEqual([]);
  });
});

describe('directory entries (strict)', () => {
  it('loses a new file without fsyncDir, even when its data was fsynced', async () => {
    const sim = await setup('strict');
    await append(sim.fs, '/db/new', 'data', true);
    sim.crash('drop');
    expect(await sim.fs.exists('/db/new')).toBe(false);
  });

  it('keeps a new file after fsyncDir of its directory', async () => {
    const sim = await setup('strict');
    await append(sim.fs, '/db/new', 'data', true);
    await sim.fsyncDir('/db');
    sim.crash('drop');
    expect(peekText(sim, '/db/new')).toBe('data');
  });

  it('keeps the entry but not the data when only the directory was synced', async () => {
    const sim = await setup('strict');
    await append(sim.fs, '/db/new', 'data', false);
    await sim.fsyncDir('/db');
    sim.crash('drop');
    expect(peekText(sim, '/db/new')).toBe('');
  });

  it('undoes a rename without fsyncDir and keeps it after', async () => {
    for (const syncDir of [false, true]) {
      const sim = await setup('strict');
      await append(sim.fs, '/db/target', 'old', true);
      await sim.fsyncDir('/db');
      await append(sim.fs, '/db/target.tmp', 'new', true);
      await sim.fs.rename('/db/target.tmp', '/db/target');
      if (syncDir) await sim.fsyncDir('/db');
      const { image } = sim.crash('drop');
      expect(fileText(image, '/db/target')).toBe(syncDir ? 'new' : 'old');
      expect(image.files.has('/db/target.tmp')).toBe(false);
    }
  });

  it('carries a file’s synced content and pending writes across a rename (files are inodes)', async () => {
    const sim = await setup('strict');
    await append(sim.fs, '/db/a', 'one;', true);
    await sim.fsyncDir('/db');
    await sim.fs.rename('/db/a', '/db/b');
    await sim.fsyncDir('/db');
    await append(sim.fs, '/db/b', 'two;', false);
    expect(asText(sim.peekDurable('/db/b'))).toBe('one;');
    sim.crash('keep');
    expect(peekText(sim, '/db/b')).toBe('one;two;');
  });

  it('brings an unlinked file back without fsyncDir', async () => {
    const sim = await setup('strict');
    await append(sim.fs, '/db/x', 'x', true);
    await sim.fsyncDir('/db');
    await sim.fs.unlink('/db/x');
    sim.crash('drop');
    expect(peekText(sim, '/db/x')).toBe('x');
  });

  it('needs the parent synced for a new directory, and the directory synced for its files', async () => {
    const sim = new SimFs({ seed: 1 });
    await sim.mkdir('/a/b', { recursive: true });
    await append(sim.fs, '/a/b/f', 'f', true);
    await sim.fsyncDir('/a/b');
    await sim.fsyncDir('/a');
    expect(sim.durableImage().dirs).toEqual(['/']); // '/' was not synced: /a is not reachable
    await sim.fsyncDir('/');
    expect(sim.durableImage().dirs).toEqual(['/', '/a', '/a/b']);
    expect(fileText(sim.durableImage(), '/a/b/f')).toBe('f');
  });
});

describe('directory entries (lenient, like ext4 data=ordered)', () => {
  it('makes earlier directory changes durable with any file fsync', async () => {
    const sim = await setup('lenient');
    await append(sim.fs, '/db/new', 'data', true);
    sim.crash('drop');
    expect(peekText(sim, '/db/new')).toBe('data');
  });

  it('still loses directory changes nothing synced', async () => {
    const sim = await setup('lenient');
    await append(sim.fs, '/db/new', 'data', false);
    sim.crash('drop');
    expect(await sim.fs.exists('/db/new')).toBe(false);
  });
});
