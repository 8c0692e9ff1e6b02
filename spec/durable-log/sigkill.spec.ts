/**
 * Real processes on the real disk: a child appends and flushes, acknowledging each append once a
 * flush covering it resolved; the test SIGKILLs it at a seeded moment, recovers twice and checks
 * that every acknowledged record is there at its offset and that the next offset is not reused.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLog } from '#kata/durable-log';
import { forEachSeed, type Random } from '#support/seed';
import { assertAckedRecovered, runAndKill } from '#support/sigkill';
import { text } from './helpers.ts';

const script = new URL('./kill-child.ts', import.meta.url);
let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'durable-log-kill-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

/** Every record as `<offset>=<value>`. */
async function recoverIds(dir: string, segmentBytes: number): Promise<string[]> {
  const log = await openLog(dir, { segmentBytes, indexIntervalBytes: 64 });
  const ids = (await log.read(log.startOffset)).map((r) => `${r.offset}=${text(r.value)}`);
  await log.close();
  return ids;
}

async function killOnce(random: Random): Promise<void> {
  const dir = path.join(root, `s${random.seed}`);
  const segmentBytes = random.pick([400, 2048, 1 << 20]);
  const flushEvery = random.pick([1, 3]);
  const args = [dir, `s${random.seed}`, String(flushEvery), String(segmentBytes)];
  // About a third of the kills land within 12 ms of the child's ready(): in or just after openLog.
  const afterMs = random.bool(0.3) ? ([0, 12] as const) : ([20, 150] as const);
  const result = await runAndKill({ script, args, afterMs, random });
  const acked = result.acked.filter((a) => a !== 'open');
  const first = await recoverIds(dir, segmentBytes);
  assertAckedRecovered({ ...result, acked }, first);
  expect(first.map((id) => id.slice(0, id.indexOf('='))), 'offsets 0, 1, 2, ... with no gap and no repeat').toEqual(first.map((_, i) => String(i)));
  expect(await recoverIds(dir, segmentBytes), 'a second recovery').toEqual(first);
  const log = await openLog(dir, { segmentBytes, indexIntervalBytes: 64 });
  expect(String(await log.append({ value: new Uint8Array([1]) })), 'the first append after recovery').toBe(String(first.length));
  await log.close();
}

describe('stage 4: recovery and corruption', () => {
  // 20 seeds in 4 tests, so no single test runs long.
  for (let part = 1; part <= 4; part++) {
    it(`SIGKILL at seeded moments (seeds ${part * 5 - 4}-${part * 5} of 20): every flushed record survives at its offset, and the next append gets the next offset`, async () => {
      await forEachSeed(5, killOnce);
    }, 120_000);
  }
});
