/**
 * Stage 3: timeouts and cancellation. A task over its time limit, or aborted while it runs, cannot
 * be interrupted from outside: its worker is terminated and replaced. A task aborted while it
 * waits simply leaves the queue and never runs.
 */
import { getEventListeners } from 'node:events';
import { TaskTimeoutError } from '#kata/thread-pool';
import { describe, expect, it } from 'vitest';
import { SLOW_START, STAGE_TIMEOUT, Tracker, failure, openPool, sharedPool, sleep, whoami, within, type SleepResult } from './helpers.ts';

// One worker with a 500 ms default limit per task.
const single = () => sharedPool('single', { size: 1, taskTimeoutMs: 500 });

describe('stage 3: timeouts and cancellation', { timeout: STAGE_TIMEOUT }, () => {
  it('a task over its time limit rejects with TaskTimeoutError, and its worker is terminated and replaced', async () => {
    const pool = single();
    const before = await whoami(pool);
    const started = Date.now();
    const err = await failure(pool.run({ op: 'spin' }), 'a task that never returns');
    expect(err).toBeInstanceOf(TaskTimeoutError);
    expect(err).toMatchObject({ code: 'TASK_TIMEOUT', timeoutMs: 500 });
    expect(Date.now() - started, 'rejected after the time limit, not before').toBeGreaterThanOrEqual(490);
    const after = await whoami(pool);
    expect(after, 'the spinning thread cannot be reused: it must be replaced').not.toBe(before);
    expect(pool.workers).toBe(1);
  });

  it('a per-run timeoutMs overrides the pool\'s taskTimeoutMs both ways', async () => {
    const pool = single();
    await whoami(pool);
    const long = (await within(15_000, pool.run({ op: 'sleep', ms: 800, id: 1 }, { timeoutMs: 10_000 }), 'an 800 ms task allowed 10 s')) as SleepResult;
    expect(long.id).toBe(1);
    expect(await failure(pool.run({ op: 'spin' }, { timeoutMs: 150 }))).toMatchObject({ code: 'TASK_TIMEOUT', timeoutMs: 150 });
  });

  it('the time limit runs from the start of the task, not from when it was queued', async () => {
    const pool = single();
    await whoami(pool);
    const first = pool.run({ op: 'sleep', ms: 900, id: 0 }, { timeoutMs: 10_000 });
    // Waits ~900 ms behind `first`, then needs a few ms of its own 500 ms.
    const second = pool.run({ op: 'sleep', ms: 10, id: 1 });
    expect(((await within(15_000, second, 'the queued task')) as SleepResult).id).toBe(1);
    expect(((await first) as SleepResult).id).toBe(0);
  });

  it('the time limit does not count the worker\'s start-up: a 300 ms limit on a module that takes 600 ms to load', async () => {
    const pool = openPool<number>({ filename: SLOW_START, size: 1, taskTimeoutMs: 300 });
    expect(await within(30_000, pool.run(41), 'the first task of a slow-starting module')).toBe(42);
  });

  it('a finished task\'s timer is cleared: it never stops the worker or the task that runs next', async () => {
    const pool = single();
    const before = await whoami(pool);
    expect(await within(15_000, pool.run({ op: 'square', x: 4 }, { timeoutMs: 400 }), 'square')).toBe(16);
    // The square's 400 ms would run out while this one sleeps, if its timer were still armed.
    const next = (await within(15_000, pool.run({ op: 'sleep', ms: 800 }, { timeoutMs: 10_000 }), 'the task after')) as SleepResult;
    expect(next.threadId).toBe(before);
  });

  it('aborting a queued task rejects it with the signal\'s reason at once, and it never runs', async () => {
    const pool = single();
    await whoami(pool);
    const t = new Tracker();
    const blocker = pool.run(t.task(0, 400));
    const controller = new AbortController();
    const queued = pool.run(t.task(1, 10), { signal: controller.signal });
    expect(pool.queued).toBe(1);
    const reason = new Error('user went away');
    controller.abort(reason);
    expect(await failure(queued, 'the aborted task', 200), 'rejected with signal.reason itself, before the blocker ends').toBe(reason);
    expect(pool.queued).toBe(0);
    await within(15_000, blocker, 'the running task');
    await within(15_000, pool.drain(), 'drain');
    expect(t.startOf(1), 'the aborted task must not run').toBe(-1);
    expect(t.started).toBe(1);
  });

  it('a signal that is already aborted rejects at once and runs nothing', async () => {
    const pool = single();
    const t = new Tracker();
    const reason = new Error('too late');
    expect(await failure(pool.run(t.task(0, 10), { signal: AbortSignal.abort(reason) }), 'the task', 200)).toBe(reason);
    expect({ busy: pool.busy, queued: pool.queued }).toEqual({ busy: 0, queued: 0 });
    await sleep(50);
    expect(t.started).toBe(0);
  });

  it('aborting a running task rejects it, terminates its worker, and a new worker runs the next task', async () => {
    const pool = single();
    const before = await whoami(pool);
    const controller = new AbortController();
    const spinning = pool.run({ op: 'spin' }, { signal: controller.signal, timeoutMs: 10_000 });
    const next = pool.run({ op: 'whoami' });
    await sleep(100);
    controller.abort();
    const err = await failure(spinning, 'the aborted task', 1000);
    expect(err).toMatchObject({ name: 'AbortError' });
    const after = (await within(30_000, next, 'the task queued behind the aborted one')) as number;
    expect(after).not.toBe(before);
  });

  it('a settled task removes its abort listener; aborting afterwards changes nothing', async () => {
    const pool = single();
    const controller = new AbortController();
    const running = pool.run({ op: 'sleep', ms: 50 }, { signal: controller.signal });
    expect(getEventListeners(controller.signal, 'abort').length, 'listening while the task is in flight').toBe(1);
    const before = ((await within(15_000, running, 'the task')) as SleepResult).threadId;
    expect(getEventListeners(controller.signal, 'abort').length, 'listeners left on the signal after the task settled').toBe(0);
    controller.abort();
    expect(await whoami(pool)).toBe(before);
  });
});
