/**
 * Stage 4: real processes on the real disk. A child replaces a checked file of about 1 MiB (set
 * ATOMIC_WRITE_KILL_BYTES for more) and is SIGKILLed at a seeded point: after a seeded number of
 * steps (each write piece, the fsync, the rename) or a seeded delay. The atomic writer must leave
 * the old file or the new one, never a partial one, and the new one once it acknowledged; the next
 * write removes the temp file the dead child left. The naive writer, killed the same way, leaves
 * partial files, and the checked format calls each one a PartialFileError.
 *
 * Each child costs a Node start with TypeScript support, so the tests of this stage run
 * concurrently (a few children at a time), each over its own seeds.
 */
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, it, type ExpectStatic } from 'vitest';
import { PartialFileError, readFileChecked, writeFileAtomic } from '#kata/atomic-write';
import { forEachSeed, type Random } from '#support/seed';
import { runAndKill } from '#support/sigkill';
import { frame, hex, outcome, payloadFor, settle, type Outcome } from './helpers.ts';

const script = new URL('./kill-child.ts', import.meta.url);
const SIZE = Number(process.env.ATOMIC_WRITE_KILL_BYTES ?? 1 << 20);
let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'atomic-write-kill-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

interface Run {
  outcome: Outcome;
  acked: string[];
  leftTemp: boolean;
}

async function killOnce(expect: ExpectStatic, random: Random, writer: 'atomic' | 'naive'): Promise<Run> {
  const dir = path.join(root, `${writer}-${random.seed}`);
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, 'data.chk');
  const oldPayload = payloadFor(`old${random.seed}`, random.int(SIZE >> 1, SIZE));
  const oldBytes = frame(oldPayload);
  await writeFile(file, oldBytes);
  const newBytes = frame(payloadFor(`new${random.seed}`, random.int(SIZE >> 1, SIZE + (SIZE >> 1))));
  const source = path.join(root, `${writer}-${random.seed}.src`); // what the child writes
  await writeFile(source, newBytes);

  // atomic: 64 KiB pieces, 1 ms apart; naive: 16 KiB pieces, 2 ms apart, killed in the first half
  const piece = writer === 'atomic' ? 64 * 1024 : 16 * 1024;
  const writes = Math.ceil(newBytes.length / piece);
  const args = [file, writer, source, String(piece), writer === 'atomic' ? '1' : '2'];
  const steps = writes + 3 + 1; // write.1 .. write.n, fsync, rename, fsyncDir, done
  const kill =
    writer === 'naive'
      ? { afterAcks: random.int(1, writes >> 1) }
      : random.bool()
        ? { afterAcks: random.int(1, steps) }
        : { afterMs: [0, 80] as const, random };
  // a generous limit: a loaded machine starts Node slowly (a kill delay counts from the child's ready())
  const result = await runAndKill({ script, args, timeoutMs: 60_000, ...kill });
  const got = await readFile(file).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  const o = outcome(got, oldBytes, newBytes);
  const names = await readdir(dir);
  const what = `${writer} writer of ${newBytes.length} bytes over ${oldBytes.length}, ${result.killed ? `killed (${'afterAcks' in kill ? `after ${kill.afterAcks} acks` : `${result.delayMs} ms after ready`})` : 'not killed: it finished first'}; acks: ${result.acked.slice(-4).join(' ')}; left ${names.join(', ')}`;

  if (writer === 'atomic') {
    expect(['old', 'new'], `the file is ${o} (${got?.length ?? 0} bytes): ${what}`).toContain(o);
    if (result.acked.includes('done')) expect(o, `the write was acknowledged: ${what}`).toBe('new');
    expect(hex((await readFileChecked(file)).subarray(0, 16)), what).toBe(hex((o === 'new' ? newBytes : oldBytes).subarray(20, 36)));
    // the next write removes the temp file the dead child left, whatever its name
    await writeFileAtomic(file, frame(payloadFor('next', 100)));
    expect(await readdir(dir), `after the next write: ${what}`).toEqual(['data.chk']);
  } else {
    expect(['old', 'new', 'partial'], `the file is ${o}: ${what}`).toContain(o);
    if (o === 'partial') expect(await settle(readFileChecked(file)), what).toBeInstanceOf(PartialFileError);
  }
  await rm(dir, { recursive: true, force: true });
  await rm(source, { force: true });
  return { outcome: o, acked: result.acked, leftTemp: names.length > 1 };
}

describe.concurrent('stage 4: killed processes', () => {
  // 20 seeds in 4 tests that run side by side (and beside the naive writer's test).
  for (let part = 1; part <= 4; part++) {
    it(`atomic writer SIGKILLed at seeded points (seeds ${part * 5 - 4}-${part * 5} of 20): the file is always the old or the new one, new once acknowledged; the next write removes the dead writer's temp file`, async ({ expect }) => {
      const seen: Outcome[] = [];
      await forEachSeed(5, async (random) => {
        seen.push((await killOnce(expect, random, 'atomic')).outcome);
      });
      expect(seen.length).toBe(5);
    }, 120_000);
  }

  it('naive writer SIGKILLed mid-write (3 seeds): it leaves partial files, and readFileChecked calls each one a PartialFileError', async ({ expect }) => {
    const seen: Outcome[] = [];
    await forEachSeed(3, async (random) => {
      seen.push((await killOnce(expect, random, 'naive')).outcome);
    });
    expect(seen.filter((o) => o === 'partial').length, `outcomes: ${seen.join(', ')}`).toBeGreaterThan(0);
  }, 120_000);
});
