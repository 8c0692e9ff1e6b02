/**
 * Stage 4 on the real disk: a child process runs the schedule and is SIGKILLed after a seeded
 * number of completions or a seeded delay; the parent restarts the scheduler on the same
 * directory and checks that no job was lost and no completed run ran again.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { appendFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScheduler } from '#kata/task-scheduler';
import { forEachSeed, type Random } from '#support/seed';
import { runAndKill } from '#support/sigkill';
import { FakeClock, HOUR, MIN, T0, runId } from './helpers.ts';

const script = new URL('./kill-child.ts', import.meta.url);
const ONE_OFFS = 10;
let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'sched-kill-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

/** The run ids the handler began and ended, per process. */
async function sinkLines(sink: string): Promise<{ kind: string; run: string; who: string }[]> {
  const text = await readFile(sink, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => {
      const [kind = '', run = '', who = ''] = l.split(' ');
      return { kind, run, who };
    });
}

/** Restarts in this process, at a moment after every one-off is due, and runs what is due. */
async function restart(dir: string, sink: string, who: string) {
  const clock = new FakeClock(T0 + 2 * HOUR);
  const sched = await createScheduler({ dir, clock, concurrency: 3 });
  sched.register('work', (ctx) => {
    appendFileSync(sink, `begin ${ctx.runId} ${who}\nend ${ctx.runId} ${who}\n`);
  });
  sched.start();
  await sched.whenIdle();
  await sched.stop();
  return sched.jobs();
}

async function killOnce(random: Random): Promise<number> {
  const dir = path.join(root, `s${random.seed}`);
  const sink = path.join(root, `s${random.seed}.sink`);
  const setup = await createScheduler({ dir, clock: new FakeClock(T0) });
  setup.register('work', () => undefined);
  for (let i = 1; i <= ONE_OFFS; i++) await setup.schedule({ id: `once${i}`, handler: 'work', at: T0 + i * MIN });
  await setup.schedule({ id: 'tick', handler: 'work', cron: '* * * * *' });
  await setup.stop();

  const args = [dir, sink, String(T0)];
  const result = random.bool(0.5)
    ? await runAndKill({ script, args, afterAcks: random.int(1, ONE_OFFS) })
    : await runAndKill({ script, args, afterMs: [0, 250], random });
  expect(result.killed, `the child should die of SIGKILL\n${result.stderr}`).toBe(true);
  const acked = new Set(result.acked);

  const jobs = await restart(dir, sink, 'restart1');
  const lines = await sinkLines(sink);
  const child = lines.filter((l) => l.who !== 'restart1');
  const after = lines.filter((l) => l.who === 'restart1');

  // no completed run again: nothing acknowledged by the child begins after the restart
  for (const l of after) expect(acked.has(l.run), `${l.run} completed before the kill and ran again`).toBe(false);
  // no run twice within the child's life
  const begun = child.filter((l) => l.kind === 'begin').map((l) => l.run);
  expect(new Set(begun).size, 'a run began twice in one process').toBe(begun.length);
  // no lost job: every one-off is done, and its handler ended at least once
  const ended = new Set(lines.filter((l) => l.kind === 'end').map((l) => l.run));
  for (let i = 1; i <= ONE_OFFS; i++) {
    const id = runId(`once${i}`, T0 + i * MIN);
    expect(jobs.find((j) => j.id === `once${i}`)?.status, id).toBe('done');
    expect(ended.has(id), `${id} never completed`).toBe(true);
  }
  // the cron job never runs an occurrence twice after it was acknowledged, and is scheduled ahead
  expect(jobs.find((j) => j.id === 'tick')).toMatchObject({ status: 'scheduled', nextAt: T0 + 2 * HOUR + MIN });
  // recovering again changes nothing and runs nothing
  const again = await restart(dir, sink, 'restart2');
  expect(again).toEqual(jobs);
  expect((await sinkLines(sink)).filter((l) => l.who === 'restart2')).toEqual([]);
  return result.acked.length;
}

describe('stage 4: a schedule that survives crashes', () => {
  it('SIGKILL of a running scheduler at seeded moments (2 seeds): after restart no job is lost and no completed run runs again', async () => {
    await forEachSeed(2, async (random) => {
      await killOnce(random);
    });
  }, 60_000);
});
