/**
 * Stage 3: retries with capped exponential backoff and full jitter (a seeded random is injected),
 * and the concurrency limit, checked against a small discrete-event model of the scheduler.
 */
import { describe, expect, it } from 'vitest';
import { backoffDelay, createScheduler, type RetryPolicy } from '#kata/task-scheduler';
import { checkProperty, fc } from '#support/property';
import { rng } from '#support/seed';
import { EventLog, FakeClock, HOUR, MIN, T0, deferred, runId } from './helpers.ts';

const policy = (p: RetryPolicy): Required<RetryPolicy> => ({ attempts: 10, baseMs: 1000, maxMs: 60_000, jitter: 'full', ...p });

describe('stage 3: retries and the concurrency limit', () => {
  it('backoffDelay without jitter doubles from baseMs and stops at maxMs', () => {
    const p = policy({ baseMs: 100, maxMs: 1000, jitter: 'none' });
    expect([1, 2, 3, 4, 5, 6, 30].map((k) => backoffDelay(p, k, () => 0.5))).toEqual([100, 200, 400, 800, 1000, 1000, 1000]);
  });

  it('backoffDelay with full jitter is floor(random() * min(maxMs, baseMs * 2^(failures-1)))', () => {
    const p = policy({ baseMs: 100, maxMs: 1000 });
    expect(backoffDelay(p, 1, () => 0.5)).toBe(50);
    expect(backoffDelay(p, 3, () => 0.25)).toBe(100);
    expect(backoffDelay(p, 5, () => 0.999)).toBe(999); // capped at 1000 before the jitter
    expect(backoffDelay(p, 12, () => 0.75)).toBe(750);
    expect(backoffDelay(p, 2, () => 0)).toBe(0);
  });

  it('full jitter stays in [0, cap) and follows the injected random exactly (property)', async () => {
    await checkProperty(
      fc.property(
        fc.integer({ min: 0, max: 5000 }),
        fc.integer({ min: 0, max: 200_000 }),
        fc.integer({ min: 1, max: 40 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (baseMs, extra, failures, r) => {
          const maxMs = baseMs + extra;
          const cap = Math.min(maxMs, baseMs * 2 ** (failures - 1));
          const d = backoffDelay(policy({ baseMs, maxMs }), failures, () => r);
          expect(d).toBe(Math.floor(r * cap));
          expect(d).toBeLessThanOrEqual(maxMs);
          expect(backoffDelay(policy({ baseMs, maxMs, jitter: 'none' }), failures, () => r)).toBe(cap);
        },
      ),
    );
  });

  it('a failing run is retried with the same run id, after the backoff, until it succeeds', async () => {
    const clock = new FakeClock();
    const log = new EventLog();
    const sched = await createScheduler({ clock, onEvent: log.listener, random: () => 0.5 });
    const tries: [string, number, number][] = [];
    sched.register('flaky', (ctx) => {
      tries.push([ctx.runId, ctx.attempt, clock.now()]);
      if (ctx.attempt < 3) throw new Error(`boom ${ctx.attempt}`);
    });
    await sched.schedule({ id: 'f', handler: 'flaky', at: T0, retry: { attempts: 4, baseMs: 1000, maxMs: 10_000 } });
    sched.start();
    await clock.advance(0);
    expect(sched.job('f')).toMatchObject({ status: 'retrying', attempt: 1, failures: 1, nextAt: T0 + 500, lastError: 'boom 1' });
    await clock.advance(HOUR);
    const id = runId('f', T0);
    // delays: floor(0.5 * 1000) = 500, then floor(0.5 * 2000) = 1000
    expect(tries).toEqual([
      [id, 1, T0],
      [id, 2, T0 + 500],
      [id, 3, T0 + 1500],
    ]);
    expect(log.of('retry').map((e) => [e.attempt, e.delayMs, e.error])).toEqual([
      [1, 500, 'boom 1'],
      [2, 1000, 'boom 2'],
    ]);
    expect(sched.job('f')).toMatchObject({ status: 'done', runs: 1, failedRuns: 0, attempt: 0, failures: 0, lastError: null });
    await sched.stop();
  });

  it('a run that fails every try is given up after `attempts`; a cron job then moves on to its next occurrence', async () => {
    const clock = new FakeClock();
    const log = new EventLog();
    const sched = await createScheduler({ clock, onEvent: log.listener, random: () => 0.999 });
    const tries: [string, number, number][] = [];
    sched.register('broken', (ctx) => {
      tries.push([ctx.jobId, ctx.attempt, clock.now()]);
      throw new Error('always');
    });
    await sched.schedule({ id: 'once', handler: 'broken', at: T0, retry: { attempts: 3, baseMs: 60_000, maxMs: 90_000 } });
    await sched.schedule({ id: 'rec', handler: 'broken', cron: '0 * * * *', retry: { attempts: 2, baseMs: 1000, maxMs: 1000, jitter: 'none' } });
    sched.start();
    await clock.advanceTo(T0 + HOUR + 5 * MIN);
    // once: T0, +59 940 (floor(.999 * 60 000)), +89 910 more (cap 90 000, not 120 000)
    expect(tries.filter((t) => t[0] === 'once')).toEqual([
      ['once', 1, T0],
      ['once', 2, T0 + 59_940],
      ['once', 3, T0 + 59_940 + 89_910],
    ]);
    expect(sched.job('once')).toMatchObject({ status: 'failed', nextAt: null, failedRuns: 1, runs: 0, lastError: 'always' });
    expect(log.of('failed').filter((e) => e.jobId === 'once')).toMatchObject([{ runId: runId('once', T0), attempt: 3, error: 'always' }]);
    expect(tries.filter((t) => t[0] === 'rec')).toEqual([
      ['rec', 1, T0 + HOUR],
      ['rec', 2, T0 + HOUR + 1000],
    ]);
    expect(sched.job('rec')).toMatchObject({ status: 'scheduled', nextAt: T0 + 2 * HOUR, due: T0 + 2 * HOUR, failedRuns: 1, attempt: 0, failures: 0 });
    await sched.stop();
  });

  it('never more handlers at once than `concurrency`; a freed slot goes to the earliest due job', async () => {
    const clock = new FakeClock();
    const sched = await createScheduler({ clock, concurrency: 2 });
    const gates = new Map<string, ReturnType<typeof deferred>>();
    const started: string[] = [];
    sched.register('gated', (ctx) => {
      started.push(ctx.jobId);
      const d = deferred();
      gates.set(ctx.jobId, d);
      return d.promise;
    });
    for (const [id, t] of [['e', 4], ['a', 0], ['b', 1], ['c', 2], ['d', 3]] as const) await sched.schedule({ id, handler: 'gated', at: T0 + t });
    sched.start();
    await clock.advance(10);
    expect(started).toEqual(['a', 'b']);
    expect(sched.snapshot().running).toBe(2);
    gates.get('b')!.resolve();
    await clock.advance(0);
    expect(started).toEqual(['a', 'b', 'c']);
    gates.get('a')!.resolve();
    gates.get('c')!.resolve();
    await clock.advance(0);
    expect(started).toEqual(['a', 'b', 'c', 'd', 'e']);
    gates.get('d')!.resolve();
    gates.get('e')!.resolve();
    await sched.whenIdle();
    expect(sched.jobs().map((j) => j.status)).toEqual(['done', 'done', 'done', 'done', 'done']);
    await sched.stop();
  });

  it('start and end times of every run equal a discrete-event model of the limit (property)', async () => {
    const arbJob = fc.record({ at: fc.integer({ min: 0, max: 20 }), dur: fc.integer({ min: 0, max: 12 }), fails: fc.integer({ min: 0, max: 2 }) });
    await checkProperty(
      fc.asyncProperty(fc.array(arbJob, { minLength: 1, maxLength: 12 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 2 ** 31 - 1 }), async (jobs, concurrency, seed) => {
        const clock = new FakeClock();
        const sched = await createScheduler({ clock, concurrency, random: rng(seed) });
        let running = 0;
        let peak = 0;
        const seen: { id: string; attempt: number; start: number; end: number }[] = [];
        sched.register('job', async (ctx) => {
          running++;
          peak = Math.max(peak, running);
          const spec = jobs[Number(ctx.jobId.slice(1))]!;
          const start = clock.now();
          await clock.sleep(spec.dur * MIN);
          running--;
          seen.push({ id: ctx.jobId, attempt: ctx.attempt, start, end: clock.now() });
          if (ctx.attempt <= spec.fails) throw new Error('planned failure');
        });
        const retry = { attempts: 3, baseMs: 2 * MIN, maxMs: 3 * MIN, jitter: 'full' as const };
        for (const [i, j] of jobs.entries()) await sched.schedule({ id: `j${String(i).padStart(2, '0')}`, handler: 'job', at: T0 + j.at * MIN, retry });
        sched.start();
        await clock.advanceTo(T0 + 24 * HOUR);
        await sched.stop();

        const want = model(jobs, concurrency, retry, rng(seed));
        const key = (r: { id: string; attempt: number }) => `${r.id}#${r.attempt}`;
        const byKey = (rs: typeof seen) => [...rs].sort((a, b) => (key(a) < key(b) ? -1 : 1));
        expect(byKey(seen)).toEqual(byKey(want));
        expect(peak).toBeLessThanOrEqual(concurrency);
      }),
      { numRuns: 60 },
    );
  });
});

/**
 * The rules, restated as a simulation: at each moment, finished tries free their slots first (in
 * the order they started); then due tries start in order of due time, then id, while slots are
 * free. A failed try is due again after floor(random() * min(maxMs, baseMs * 2^(failures-1))),
 * random drawn in the order the tries fail.
 */
function model(
  jobs: { at: number; dur: number; fails: number }[],
  concurrency: number,
  retry: Required<RetryPolicy>,
  random: () => number,
): { id: string; attempt: number; start: number; end: number }[] {
  interface J {
    id: string;
    due: number;
    attempt: number;
    dur: number;
    fails: number;
    start: number;
    seq: number;
    running: boolean;
    done: boolean;
  }
  const js: J[] = jobs.map((j, i) => ({ id: `j${String(i).padStart(2, '0')}`, due: T0 + j.at * MIN, attempt: 0, dur: j.dur * MIN, fails: j.fails, start: 0, seq: 0, running: false, done: false }));
  const out: { id: string; attempt: number; start: number; end: number }[] = [];
  let now = T0;
  let seq = 0;
  for (;;) {
    const ending = js.filter((j) => j.running && j.start + j.dur === now).sort((a, b) => a.seq - b.seq);
    for (const j of ending) {
      j.running = false;
      out.push({ id: j.id, attempt: j.attempt, start: j.start, end: now });
      if (j.attempt <= j.fails && j.attempt < retry.attempts) j.due = now + Math.floor(random() * Math.min(retry.maxMs, retry.baseMs * 2 ** (j.attempt - 1)));
      else j.done = true;
    }
    const waiting = js.filter((j) => !j.done && !j.running);
    let free = concurrency - js.filter((j) => j.running).length;
    for (const j of waiting.filter((w) => w.due <= now).sort((a, b) => a.due - b.due || (a.id < b.id ? -1 : 1))) {
      if (free-- <= 0) break;
      j.attempt++;
      j.start = now;
      j.seq = seq++;
      j.running = true;
    }
    if (js.some((j) => j.running && j.start + j.dur === now)) continue; // zero-length tries end at once
    const times = [...js.filter((j) => j.running).map((j) => j.start + j.dur), ...js.filter((j) => !j.done && !j.running && j.due > now).map((j) => j.due)];
    if (times.length === 0) break;
    now = Math.min(...times);
  }
  return out;
}
