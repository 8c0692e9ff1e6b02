/**
 * Stage 4: the schedule survives crashes. On SimFs (a disk that loses power): restarts, downtime,
 * a run cut short, power lost at every file-system call of a workload, torn tails, bit rot, a
 * compaction crashed at every call, a failed fsync. The SIGKILL runs are in stage4-sigkill.spec.ts.
 */
import { describe, expect, it } from 'vitest';
import { JournalCorruptError, UnknownHandlerError, createScheduler, type JobState, type Scheduler } from '#kata/task-scheduler';
import { flipBit } from '#support/corrupt';
import { forEachSeed } from '#support/seed';
import { SimFs, withSimFs, type CrashPolicy, type StoreFs } from '#support/simfs/index';
import { EventLog, FakeClock, HOUR, MIN, T0, runId } from './helpers.ts';

const DIR = '/var/sched';
const JOURNAL = `${DIR}/schedule.journal`;

interface Life {
  sched: Scheduler;
  clock: FakeClock;
  log: EventLog;
  /** run ids handed to the handler, in order */
  calls: string[];
}

/** One process life: a scheduler on `fs`, the 'work' handler (fails the first try of job 'flaky'). */
async function life(fs: StoreFs, now: number, opts: { compactAbove?: number } = {}): Promise<Life> {
  const clock = new FakeClock(now);
  const log = new EventLog();
  const sched = await createScheduler({ clock, fs, dir: DIR, concurrency: 2, random: () => 0.5, onEvent: log.listener, ...opts });
  const calls: string[] = [];
  sched.register('work', async (ctx) => {
    calls.push(ctx.runId);
    await clock.sleep(20_000);
    if (ctx.jobId === 'flaky' && ctx.attempt === 1) throw new Error('first try fails');
  });
  return { sched, clock, log, calls };
}

/** Schedules a small mixed workload and runs it for 12 minutes of fake time. */
async function workload(fs: StoreFs, out: { life?: Life }): Promise<void> {
  const l = await life(fs, T0);
  out.life = l;
  await l.sched.schedule({ id: 'a', handler: 'work', at: T0 + MIN });
  await l.sched.schedule({ id: 'b', handler: 'work', at: T0 + 2 * MIN, payload: { big: 'x'.repeat(300) } });
  await l.sched.schedule({ id: 'flaky', handler: 'work', at: T0 + 2 * MIN, retry: { attempts: 3, baseMs: 30_000, jitter: 'none' } });
  await l.sched.schedule({ id: 'tick', handler: 'work', cron: '*/5 * * * *' });
  l.sched.start();
  await l.clock.advanceTo(T0 + 12 * MIN);
  await l.sched.stop();
}

const comparable = (jobs: JobState[]) => jobs.map((j) => ({ ...j }));

describe('stage 4: a schedule that survives crashes', () => {
  it('a restarted scheduler has exactly the jobs and states the last one recorded, and carries on', async () => {
    const sim = new SimFs({ seed: 1 });
    const out: { life?: Life } = {};
    await workload(sim.fs, out);
    const before = out.life!.sched.jobs();
    expect(before.map((j) => [j.id, j.status])).toEqual([
      ['a', 'done'],
      ['b', 'done'],
      ['flaky', 'done'],
      ['tick', 'scheduled'],
    ]);
    sim.crash('drop'); // power off: only what was synced is there
    const again = await life(sim.fs, T0 + 12 * MIN);
    expect(comparable(again.sched.jobs())).toEqual(comparable(before));
    again.sched.start();
    await again.clock.advanceTo(T0 + 16 * MIN);
    expect(again.calls).toEqual([runId('tick', T0 + 15 * MIN)]); // nothing done is repeated
    await again.sched.stop();
  });

  it('after downtime a cron job runs once for all the occurrences it missed, then on schedule', async () => {
    const sim = new SimFs({ seed: 2 });
    const first = await life(sim.fs, T0);
    await first.sched.schedule({ id: 'tick', handler: 'work', cron: '*/10 * * * *' });
    first.sched.start();
    await first.clock.advanceTo(T0 + 5 * MIN);
    await first.sched.stop();
    const second = await life(sim.fs, T0 + HOUR + 7 * MIN); // down for an hour
    second.sched.start();
    await second.clock.advanceTo(T0 + HOUR + 25 * MIN);
    expect(second.calls).toEqual([runId('tick', T0 + 10 * MIN), runId('tick', T0 + HOUR + 10 * MIN), runId('tick', T0 + HOUR + 20 * MIN)]);
    await second.sched.stop();
  });

  it('a run cut short by a crash runs again after restart, with the same run id and the next attempt number', async () => {
    const sim = new SimFs({ seed: 3 });
    const first = await life(sim.fs, T0);
    await first.sched.schedule({ id: 'a', handler: 'work', at: T0 + MIN });
    first.sched.start();
    await first.clock.advanceTo(T0 + MIN + 1000); // the handler is 1 s into its 20 s
    expect(first.calls).toEqual([runId('a', T0 + MIN)]);
    sim.crash('drop'); // the process and the machine go down mid-run
    const second = await life(sim.fs, T0 + 5 * MIN);
    expect(second.sched.job('a')).toMatchObject({ status: 'scheduled', attempt: 1, nextAt: T0 + MIN, lastRunId: runId('a', T0 + MIN) });
    const attempts: number[] = [];
    second.sched.register('work', (ctx) => void attempts.push(ctx.attempt));
    second.sched.start();
    await second.clock.advance(0);
    expect(attempts).toEqual([2]);
    expect(second.sched.job('a')).toMatchObject({ status: 'done', runs: 1 });
    await second.sched.stop();
  });

  for (const [name, policy] of [
    ['unsynced writes dropped', 'drop'],
    ['in-order write-back of a seeded prefix, the last write torn', { unsynced: 'prefix', tear: true }],
  ] as [string, CrashPolicy | 'drop'][]) {
    it(`power lost at every file-system call of a workload (${name}): no scheduled job lost, no completed run repeated, an interrupted run repeated`, async () => {
      const dry = new SimFs({ seed: 0 });
      await workload(dry.fs, {});
      expect(dry.calls).toBeGreaterThan(30);
      await forEachSeed(1, async (random) => {
        for (let n = 1; n <= dry.calls; n++) {
          await withSimFs(random, async (sim) => {
            sim.armCrash({ nth: n });
            const out: { life?: Life } = {};
            const r = await sim.runUntilCrash(() => workload(sim.fs, out));
            expect(r.crashed, `crash at call ${n}`).toBe(true);
            sim.crash(policy);
            const before = out.life;
            const after = await life(sim.fs, T0 + 12 * MIN);
            const ids = after.sched.jobs().map((j) => j.id);
            // every schedule() that resolved is there
            for (const e of before?.log.of('scheduled') ?? []) expect(ids, `call ${n}: job ${e.jobId} was acknowledged`).toContain(e.jobId);
            after.sched.start();
            await after.clock.advanceTo(T0 + 29 * MIN); // every run has ended (stop() waits for running ones)
            await after.sched.stop();
            const doneBefore = new Set((before?.log.of('done') ?? []).map((e) => e.runId));
            const finalBefore = new Set([...doneBefore, ...(before?.log.of('failed') ?? []).map((e) => e.runId)]);
            // a run whose completion was reported never runs again
            for (const id of after.calls) expect(doneBefore.has(id), `call ${n}: ${id} completed before the crash and ran again`).toBe(false);
            // a run reported started but not finished runs again (at least once)
            for (const e of before?.log.of('start') ?? []) {
              if (!finalBefore.has(e.runId)) expect(after.calls, `call ${n}: ${e.runId} was cut short and never ran again`).toContain(e.runId);
            }
            // no lost one-off job: each that exists completes, exactly once over both lives
            const allDone = [...(before?.log.of('done') ?? []), ...after.log.of('done')].map((e) => e.runId);
            for (const job of after.sched.jobs()) {
              if (job.kind === 'once') {
                expect(job.status, `call ${n}: ${job.id}`).toBe('done');
                expect(allDone.filter((id) => id === runId(job.id, job.at!)), `call ${n}: completions of ${job.id}`).toHaveLength(1);
              }
            }
            expect(new Set(allDone).size, `call ${n}: a run completed twice`).toBe(allDone.length);
          });
        }
      });
    });
  }

  it('every torn form of the last journal write opens, cut back to the last whole state', async () => {
    const sim = new SimFs({ seed: 4 });
    const l = await life(sim.fs, T0);
    await l.sched.schedule({ id: 'a', handler: 'work', at: T0 + MIN });
    sim.armCrash({ op: 'fdatasync', nth: 1 }); // the next state is written, never synced
    await sim.runUntilCrash(() => l.sched.schedule({ id: 'b', handler: 'work', cron: '@hourly' }));
    // cut points every 24 bytes of the ~350-byte line, the rest absent, zeros or garbage
    const states = (['absent', 'zeros', 'garbage'] as const).flatMap((fill) => sim.crashStates({ unsynced: 'keep', tear: { unit: 24, fill } }));
    expect(states.length).toBeGreaterThan(30);
    for (const state of states) {
      const disk = state.boot();
      const again = await life(disk.fs, T0);
      const ids = again.sched.jobs().map((j) => j.id);
      expect(ids.slice(0, 1), state.label).toEqual(['a']);
      expect(ids.length === 1 || ids[1] === 'b', state.label).toBe(true);
      await again.sched.schedule({ id: 'c', handler: 'work', at: T0 }); // appends after the cut work
      await again.sched.stop();
      const third = await life(disk.fs, T0);
      expect(third.sched.jobs().map((j) => j.id).at(-1), state.label).toBe('c');
      await third.sched.stop();
    }
  });

  it('a flipped bit inside synced journal lines is JournalCorruptError with its line, not a silently dropped job', async () => {
    await forEachSeed(6, async (random) => {
      const sim = new SimFs({ random });
      const l = await life(sim.fs, T0);
      for (const id of ['a', 'b', 'c']) await l.sched.schedule({ id, handler: 'work', at: T0 + MIN });
      await l.sched.stop();
      const bytes = sim.peekDurable(JOURNAL)!;
      const secondLineEnd = bytes.indexOf(0x0a, bytes.indexOf(0x0a) + 1);
      flipBit(sim, JOURNAL, { from: 0, to: secondLineEnd }, random); // line 1 or 2; line 3 is intact after it
      const err = await createScheduler({ fs: sim.fs, dir: DIR, clock: new FakeClock() }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(JournalCorruptError);
      expect([1, 2]).toContain((err as JournalCorruptError).line);
    });
  });

  it('a long journal is compacted on open to one line per job, safely even if power is lost at any call of it', async () => {
    const sim = new SimFs({ seed: 5 });
    const l = await life(sim.fs, T0);
    await l.sched.schedule({ id: 'tick', handler: 'work', cron: '* * * * *' });
    await l.sched.schedule({ id: 'once', handler: 'work', at: T0 + 3 * MIN });
    l.sched.start();
    await l.clock.advanceTo(T0 + 10 * MIN - 1);
    await l.sched.stop();
    const lines = (b: Uint8Array | undefined) => Buffer.from(b ?? []).toString('utf8').split('\n').filter(Boolean).length;
    expect(lines(sim.peekDurable(JOURNAL))).toBeGreaterThan(20);
    const expected = comparable(l.sched.jobs());

    const image = sim.durableImage();
    const dry = SimFs.fromImage(image, { seed: 0 });
    await (await life(dry.fs, T0 + 10 * MIN, { compactAbove: 5 })).sched.stop();
    expect(lines(dry.peekDurable(JOURNAL)), 'lines after compaction').toBe(2);
    for (let n = 1; n <= dry.calls; n++) {
      for (const policy of ['drop', 'keep'] as const) {
        const disk = SimFs.fromImage(image, { seed: n });
        disk.armCrash({ nth: n });
        await disk.runUntilCrash(async () => (await life(disk.fs, T0 + 10 * MIN, { compactAbove: 5 })).sched.stop());
        disk.crash(policy);
        const again = await life(disk.fs, T0 + 10 * MIN, { compactAbove: 5 });
        expect(comparable(again.sched.jobs()), `crash at call ${n}, ${policy}`).toEqual(expected);
        await again.sched.stop();
      }
    }
  });

  it('a failed fsync fails schedule(), and the scheduler accepts nothing after it', async () => {
    const sim = new SimFs({ seed: 6 });
    const l = await life(sim.fs, T0);
    await l.sched.schedule({ id: 'a', handler: 'work', at: T0 + MIN });
    sim.failFsync({ path: JOURNAL });
    await expect(l.sched.schedule({ id: 'b', handler: 'work', at: T0 + MIN })).rejects.toMatchObject({ code: 'EIO' });
    await expect(l.sched.schedule({ id: 'c', handler: 'work', at: T0 + MIN })).rejects.toMatchObject({ code: 'EIO' });
    expect(l.sched.jobs().map((j) => j.id)).toEqual(['a']);
    await l.sched.stop();
  });

  it('start() refuses a recovered job whose handler is not registered', async () => {
    const sim = new SimFs({ seed: 7 });
    const l = await life(sim.fs, T0);
    await l.sched.schedule({ id: 'a', handler: 'work', at: T0 + MIN });
    await l.sched.stop();
    const bare = await createScheduler({ fs: sim.fs, dir: DIR, clock: new FakeClock() });
    expect(() => bare.start()).toThrow(UnknownHandlerError);
    await bare.stop();
  });
});
