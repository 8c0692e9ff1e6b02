/**
 * Stage 2: one-off and recurring jobs, all on a fake clock: nothing here waits for real time
 * except one test that shows the default (real) clock leaves no timer behind.
 */
import { describe, expect, it } from 'vitest';
import {
  CronSyntaxError,
  DuplicateJobError,
  InvalidJobError,
  SchedulerStoppedError,
  UnknownHandlerError,
  createScheduler,
  type JobSpec,
  type RunContext,
} from '#kata/task-scheduler';
import { EventLog, FakeClock, HOUR, MIN, T0, runId } from './helpers.ts';

async function setup(concurrency = 1) {
  const clock = new FakeClock();
  const log = new EventLog();
  const sched = await createScheduler({ clock, concurrency, onEvent: log.listener });
  const calls: (RunContext & { now: number })[] = [];
  sched.register('work', (ctx) => {
    calls.push({ ...ctx, now: clock.now() });
  });
  return { clock, log, sched, calls };
}

describe('stage 2: one-off and recurring jobs', () => {
  it('a one-off job runs once, at its time and not a millisecond earlier, with its run id and payload', async () => {
    const { clock, sched, calls, log } = await setup();
    const job = await sched.schedule({ id: 'report', handler: 'work', at: T0 + 5 * MIN, payload: { to: 'ops', n: [1, 2] } });
    expect(job).toMatchObject({ id: 'report', kind: 'once', status: 'scheduled', nextAt: T0 + 5 * MIN, attempt: 0, runs: 0 });
    sched.start();
    await clock.advanceTo(T0 + 5 * MIN - 1);
    expect(calls).toEqual([]);
    await clock.advance(1);
    expect(calls).toEqual([{ jobId: 'report', runId: runId('report', T0 + 5 * MIN), attempt: 1, scheduledAt: T0 + 5 * MIN, payload: { to: 'ops', n: [1, 2] }, now: T0 + 5 * MIN }]);
    await clock.advance(HOUR);
    expect(calls).toHaveLength(1);
    expect(sched.job('report')).toMatchObject({ status: 'done', nextAt: null, runs: 1, attempt: 0, lastRunId: 'report@2030-01-01T00:05:00.000Z' });
    expect(log.events.map((e) => e.type)).toEqual(['scheduled', 'start', 'done']);
    expect(log.of('done')[0]).toMatchObject({ jobId: 'report', runId: 'report@2030-01-01T00:05:00.000Z', attempt: 1, at: T0 + 5 * MIN });
    await sched.stop();
    expect(clock.pending, 'timers left after stop()').toBe(0);
  });

  it('accepts a Date for `at`; a time already past runs as soon as the scheduler starts', async () => {
    const { clock, sched, calls } = await setup();
    await sched.schedule({ id: 'late', handler: 'work', at: new Date(T0 - HOUR) });
    await sched.schedule({ id: 'later', handler: 'work', at: new Date(T0 + MIN) });
    await clock.advance(10); // not started: nothing runs
    expect(calls).toEqual([]);
    sched.start();
    await sched.whenIdle();
    expect(calls.map((c) => [c.jobId, c.scheduledAt, c.now])).toEqual([['late', T0 - HOUR, T0 + 10]]);
    await clock.advanceTo(T0 + MIN);
    expect(calls.map((c) => c.jobId)).toEqual(['late', 'later']);
    await sched.stop();
  });

  it('jobs due at the same time run in order of due time, then id', async () => {
    const { clock, sched, calls } = await setup();
    for (const [id, t] of [['c', 2], ['b', 1], ['a', 2], ['d', 0]] as const) await sched.schedule({ id, handler: 'work', at: T0 + t * MIN });
    sched.start();
    await clock.advance(HOUR);
    expect(calls.map((c) => c.jobId)).toEqual(['d', 'b', 'a', 'c']);
    await sched.stop();
  });

  it('a cron job runs at every occurrence, each with its own run id', async () => {
    const { clock, sched, calls } = await setup();
    const job = await sched.schedule({ id: 'tick', handler: 'work', cron: '*/15 * * * *' });
    expect(job).toMatchObject({ kind: 'cron', cron: '*/15 * * * *', status: 'scheduled', nextAt: T0 + 15 * MIN, due: T0 + 15 * MIN });
    sched.start();
    await clock.advanceTo(T0 + HOUR + 20 * MIN);
    const due = [15, 30, 45, 60, 75].map((m) => T0 + m * MIN);
    expect(calls.map((c) => c.runId)).toEqual(due.map((t) => runId('tick', t)));
    expect(calls.map((c) => c.now)).toEqual(due);
    expect(calls.every((c) => c.attempt === 1)).toBe(true);
    expect(sched.job('tick')).toMatchObject({ status: 'scheduled', runs: 5, nextAt: T0 + 90 * MIN });
    await sched.stop();
    expect(clock.pending).toBe(0);
  });

  it('a cron job never overlaps itself: occurrences missed while a run overran are skipped, not run to catch up', async () => {
    const clock = new FakeClock();
    const sched = await createScheduler({ clock, concurrency: 4 });
    const starts: [string, number][] = [];
    sched.register('slow', async (ctx) => {
      starts.push([ctx.runId, clock.now()]);
      if (starts.length === 1) await clock.sleep(47 * MIN); // the first run takes 47 minutes
    });
    await sched.schedule({ id: 'job', handler: 'slow', cron: '*/10 * * * *' });
    sched.start();
    await clock.advanceTo(T0 + 75 * MIN);
    // 00:10 runs until 00:57; 00:20..00:50 are missed and coalesced; next is 01:00, then 01:10.
    expect(starts).toEqual([
      [runId('job', T0 + 10 * MIN), T0 + 10 * MIN],
      [runId('job', T0 + 60 * MIN), T0 + 60 * MIN],
      [runId('job', T0 + 70 * MIN), T0 + 70 * MIN],
    ]);
    await sched.stop();
  });

  it('cancel() stops a job before it runs; cancelling again, or an unknown id, returns false', async () => {
    const { clock, sched, calls, log } = await setup();
    await sched.schedule({ id: 'once', handler: 'work', at: T0 + MIN });
    await sched.schedule({ id: 'rec', handler: 'work', cron: '* * * * *' });
    sched.start();
    await clock.advanceTo(T0 + 2 * MIN);
    expect(await sched.cancel('once')).toBe(false); // already done
    expect(await sched.cancel('rec')).toBe(true);
    expect(await sched.cancel('rec')).toBe(false);
    expect(await sched.cancel('nope')).toBe(false);
    await clock.advance(HOUR);
    expect(calls.map((c) => c.jobId)).toEqual(['once', 'rec', 'rec']);
    expect(sched.job('rec')).toMatchObject({ status: 'cancelled', nextAt: null, runs: 2 });
    expect(log.of('cancelled')).toEqual([{ type: 'cancelled', jobId: 'rec', at: T0 + 2 * MIN }]);
    await sched.stop();
  });

  it('a handler that resolves later holds its job in "running" until it does', async () => {
    const clock = new FakeClock();
    const sched = await createScheduler({ clock });
    sched.register('wait', () => clock.sleep(30_000));
    await sched.schedule({ id: 'w', handler: 'wait', at: T0 });
    sched.start();
    await clock.advance(0);
    expect(sched.job('w')).toMatchObject({ status: 'running', attempt: 1 });
    expect(sched.snapshot()).toMatchObject({ now: T0, concurrency: 1, running: 1 });
    await clock.advance(30_000);
    expect(sched.job('w')).toMatchObject({ status: 'done', runs: 1, lastFinishedAt: T0 + 30_000 });
    expect(sched.snapshot().running).toBe(0);
    await sched.stop();
  });

  it('jobs() lists copies, in the order jobs were scheduled', async () => {
    const { sched } = await setup();
    await sched.schedule({ id: 'z', handler: 'work', at: T0 + 2 * MIN });
    await sched.schedule({ id: 'a', handler: 'work', cron: '@hourly', retry: { attempts: 3 } });
    const jobs = sched.jobs();
    expect(jobs.map((j) => j.id)).toEqual(['z', 'a']);
    expect(jobs[1]!.retry).toEqual({ attempts: 3, baseMs: 1000, maxMs: 60_000, jitter: 'full' });
    jobs[0]!.status = 'failed';
    expect(sched.job('z')!.status).toBe('scheduled');
    await sched.stop();
  });

  it('bad jobs are refused with typed errors, and nothing is scheduled', async () => {
    const { sched } = await setup();
    const bad: [JobSpec, new (...a: never[]) => Error][] = [
      [{ id: 'x', handler: 'work' }, InvalidJobError], // neither at nor cron
      [{ id: 'x', handler: 'work', at: T0, cron: '* * * * *' }, InvalidJobError], // both
      [{ id: '', handler: 'work', at: T0 }, InvalidJobError],
      [{ id: 'has space', handler: 'work', at: T0 }, InvalidJobError],
      [{ id: 'x', handler: 'work', at: Number.NaN }, InvalidJobError],
      [{ id: 'x', handler: 'work', at: T0, retry: { attempts: 0 } }, InvalidJobError],
      [{ id: 'x', handler: 'work', at: T0, retry: { attempts: 2.5 } }, InvalidJobError],
      [{ id: 'x', handler: 'work', at: T0, retry: { baseMs: -1 } }, InvalidJobError],
      [{ id: 'x', handler: 'work', at: T0, retry: { baseMs: 500, maxMs: 100 } }, InvalidJobError],
      [{ id: 'x', handler: 'work', at: T0, retry: { jitter: 'half' as 'full' } }, InvalidJobError],
      [{ id: 'x', handler: 'work', cron: '61 * * * *' }, CronSyntaxError],
      [{ id: 'x', handler: 'nobody', at: T0 }, UnknownHandlerError],
    ];
    for (const [spec, type] of bad) await expect(sched.schedule(spec), JSON.stringify(spec)).rejects.toBeInstanceOf(type);
    expect(sched.jobs()).toEqual([]);
    await sched.schedule({ id: 'x', handler: 'work', at: T0 });
    const dup = await sched.schedule({ id: 'x', handler: 'work', cron: '@daily' }).catch((e: unknown) => e);
    expect(dup).toBeInstanceOf(DuplicateJobError);
    expect((dup as DuplicateJobError).jobId).toBe('x');
    await expect(createScheduler({ concurrency: 0 })).rejects.toBeInstanceOf(RangeError);
    await sched.stop();
    await expect(sched.schedule({ id: 'y', handler: 'work', at: T0 })).rejects.toBeInstanceOf(SchedulerStoppedError);
  });

  it('with the default (real) clock, a job runs on time and stop() leaves no timer running', async () => {
    const log = new EventLog();
    const sched = await createScheduler({ onEvent: log.listener });
    const ran: string[] = [];
    sched.register('work', (ctx) => void ran.push(ctx.jobId));
    await sched.schedule({ id: 'soon', handler: 'work', at: Date.now() + 30 });
    await sched.schedule({ id: 'far', handler: 'work', cron: '0 0 1 1 *' });
    sched.start();
    await vi_waitFor(() => ran.length === 1, 5000);
    expect(ran).toEqual(['soon']);
    await sched.stop(); // the timer for 'far' must be cleared (the spec's leak check fails otherwise)
  });
});

async function vi_waitFor(cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
}
