/**
 * Real processes on the real disk: a child appends and acknowledges each append after its promise
 * resolved; the test SIGKILLs it at a seeded moment, recovers the log twice, and checks that every
 * acknowledged append is there with its data and its LSN. Each child starts by repairing a torn
 * tail, so short kill delays land inside openWal's repair.
 */
import { appendFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWal } from '#kata/wal';
import { forEachSeed, type Random } from '#support/seed';
import { assertAckedRecovered, runAndKill } from '#support/sigkill';
import { bytes, encodeRecord, text } from './helpers.ts';

const script = new URL('./kill-child.ts', import.meta.url);
let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'wal-kill-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

/** Records `<lsn>=<text>` as the child acknowledges them. */
async function recoverIds(dir: string, segmentBytes: number): Promise<string[]> {
  const wal = await openWal(dir, { segmentBytes });
  const ids: string[] = [];
  for await (const r of wal.read()) ids.push(`${r.lsn}=${text(r.data)}`);
  await wal.close();
  return ids;
}

/** A log of `n` records, then a torn tail: part of the next record, zeros or garbage. */
async function tornLog(dir: string, n: number, segmentBytes: number, random: Random): Promise<string[]> {
  const wal = await openWal(dir, { segmentBytes });
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const t = `setup.${i}`;
    ids.push(`${await wal.append(bytes(t))}=${t}`);
  }
  await wal.close();
  const last = (await readdir(dir)).filter((f) => f.endsWith('.wal')).sort().at(-1)!;
  const next = encodeRecord(BigInt(n + 1), BigInt(n), bytes(`torn.${'t'.repeat(random.int(0, 200))}`));
  const kind = random.int(0, 2);
  const tail = kind === 0 ? next.subarray(0, random.int(1, next.length - 1)) : kind === 1 ? new Uint8Array(random.int(1, 300)) : random.bytes(random.int(1, 300));
  await appendFile(path.join(dir, last), tail);
  return ids;
}

async function killOnce(random: Random, sync: 'always' | 'batch', writers: number, afterAcks?: number): Promise<{ acks: number }> {
  const dir = path.join(root, `${sync}-${random.seed}`);
  const segmentBytes = random.pick([512, 4096, 1 << 20]);
  const setup = await tornLog(dir, random.int(1, 40), segmentBytes, random);
  const delay = random.bool(0.3) ? ([0, 12] as const) : ([12, 150] as const);
  const args = [dir, `s${random.seed}`, sync, String(writers), String(segmentBytes)];
  const result = await runAndKill(afterAcks !== undefined ? { script, args, afterAcks } : { script, args, afterMs: delay, random });
  const acked = [...setup, ...result.acked.filter((a) => a !== 'open')];
  const first = await recoverIds(dir, segmentBytes);
  // every acknowledged append, with its LSN and its data
  assertAckedRecovered({ ...result, acked }, first);
  // a prefix: LSNs 1, 2, 3, ... with no gap
  expect(first.map((id) => id.slice(0, id.indexOf('='))), 'recovered LSNs').toEqual(first.map((_, i) => String(i + 1)));
  // recovering again changes nothing
  expect(await recoverIds(dir, segmentBytes), 'a second recovery').toEqual(first);
  return { acks: result.acked.length };
}

describe('stage 3: recovery', () => {
  // 20 seeds in 5 tests, so no single test runs long. About a third of the seeds kill within
  // 12 ms of the child's ready(), which it sends just before openWal: those land in the repair or
  // just after it. (SimFs covers every call of a repair exactly; see stage3-recovery.spec.ts.)
  for (let part = 1; part <= 5; part++) {
    it(`SIGKILL at seeded moments, some during the repair of a torn tail (seeds ${part * 4 - 3}-${part * 4} of 20): every acknowledged append survives, and recovery twice gives the same log`, async () => {
      await forEachSeed(4, async (random) => {
        await killOnce(random, 'always', 1);
      });
    }, 120_000);
  }
});

describe('stage 5: group commit and fsync errors', () => {
  it('SIGKILL of 8 concurrent writers with sync "batch" after a seeded number of acknowledgements (4 seeds): every acknowledged append survives', async () => {
    await forEachSeed(4, async (random) => {
      const n = random.int(20, 400); // killed after n acknowledgements, with more appends in flight
      const r = await killOnce(random, 'batch', 8, n);
      expect(r.acks).toBeGreaterThanOrEqual(n);
    });
  }, 120_000);
});
