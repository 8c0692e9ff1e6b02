/**
 * Stage 1: a fixed pool runs tasks. Results land on the right promise whatever order tasks finish
 * in, at most `size` run at once (observed from inside the tasks, in shared memory), and waiting
 * tasks start first in, first out.
 */
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { QueueFullError, ThreadPool } from '#kata/thread-pool';
import { checkProperty, fc } from '#support/property';
import { workerExecArgv } from '#support/child';
import { describe, expect, it } from 'vitest';
import { MIXED, SQUARE, STAGE_TIMEOUT, Tracker, failure, sharedPool, warm, within, type SleepResult } from './helpers.ts';

// Two workers (module given as a URL) for most tests; one worker (module given as a plain path)
// for order and backpressure.
const pair = () => sharedPool('pair', { size: 2 });
const single = () => sharedPool('single', { size: 1, maxQueue: 4, filename: fileURLToPath(MIXED) });

describe('stage 1: run tasks', { timeout: STAGE_TIMEOUT }, () => {
  it('validates its options: size an integer >= 1, maxQueue an integer >= 0, timeouts > 0', async () => {
    const base = { filename: SQUARE, execArgv: workerExecArgv() };
    for (const size of [0, -1, 1.5, Number.NaN, Infinity]) expect(() => new ThreadPool({ ...base, size }), `size ${size}`).toThrow(RangeError);
    for (const maxQueue of [-1, 2.5, Number.NaN]) expect(() => new ThreadPool({ ...base, maxQueue }), `maxQueue ${maxQueue}`).toThrow(RangeError);
    for (const taskTimeoutMs of [0, -5, Number.NaN]) {
      expect(() => new ThreadPool({ ...base, taskTimeoutMs }), `taskTimeoutMs ${taskTimeoutMs}`).toThrow(RangeError);
    }
    const pool = new ThreadPool<number, number>({ ...base, size: 1, maxQueue: 0, taskTimeoutMs: Infinity });
    try {
      await expect(pool.run(2, { timeoutMs: 0 })).rejects.toThrow(RangeError);
      expect(pool.busy + pool.queued).toBe(0);
    } finally {
      await pool.close();
    }
  });

  it('defaults size to availableParallelism() and starts no thread before the first task', async () => {
    const pool = new ThreadPool({ filename: SQUARE, execArgv: workerExecArgv() });
    expect(pool.size).toBe(availableParallelism());
    expect([pool.workers, pool.busy, pool.queued]).toEqual([0, 0, 0]);
    await within(5000, pool.close(), 'close() of a pool that never ran a task');
    expect(pool.workers).toBe(0);
  });

  it('run() resolves with what the task returned, sync or async, from a module given as a URL or a path', async () => {
    expect(await within(30_000, pair().run({ op: 'square', x: 7 }), 'square(7)')).toBe(49);
    expect(await within(30_000, single().run({ op: 'square', x: -12 }), 'square(-12)')).toBe(144);
    const slept = (await within(30_000, single().run({ op: 'sleep', ms: 5, id: 3 }), 'sleep')) as SleepResult;
    expect(slept.id).toBe(3);
    expect(slept.threadId).toBeGreaterThan(0);
  });

  it('each promise gets its own task\'s result, whatever order the tasks finish in (property)', async () => {
    const pool = pair();
    await warm(pool, 2);
    const job = fc.oneof(
      fc.record({ kind: fc.constant('square' as const), x: fc.integer({ min: -10_000, max: 10_000 }) }),
      fc.record({ kind: fc.constant('sleep' as const), ms: fc.integer({ min: 0, max: 25 }) }),
    );
    await checkProperty(
      fc.asyncProperty(fc.array(job, { minLength: 1, maxLength: 10 }), async (jobs) => {
        const results = await within(
          20_000,
          Promise.all(jobs.map((j, i) => pool.run(j.kind === 'square' ? { op: 'square', x: j.x } : { op: 'sleep', ms: j.ms, id: i }))),
          'a batch of tasks',
        );
        jobs.forEach((j, i) => {
          if (j.kind === 'square') expect(results[i], `task ${i}: square(${j.x})`).toBe(j.x * j.x);
          else expect((results[i] as SleepResult).id, `task ${i}: sleep`).toBe(i);
        });
      }),
      { numRuns: 15 },
    );
  });

  it('runs at most size tasks at once, and does run size of them in parallel on size threads', async () => {
    const pool = pair();
    await warm(pool, 2);
    const t = new Tracker();
    const tasks = Array.from({ length: 6 }, (_, i) => pool.run(t.task(i, 250)));
    expect(pool.workers).toBeLessThanOrEqual(2);
    const results = (await within(30_000, Promise.all(tasks), 'six tasks')) as SleepResult[];
    expect(t.finished).toBe(6);
    expect(t.maxRunning, 'most tasks running at once, seen from inside the tasks').toBe(2);
    expect(new Set(results.map((r) => r.threadId)).size, 'distinct threads that ran the tasks').toBe(2);
    expect(pool.workers).toBe(2);
  });

  it('busy counts tasks handed to a worker, queued the ones waiting; both return to 0', async () => {
    const pool = pair();
    const t = new Tracker();
    const tasks = Array.from({ length: 5 }, (_, i) => pool.run(t.task(i, 100)));
    expect({ busy: pool.busy, queued: pool.queued, size: pool.size }).toEqual({ busy: 2, queued: 3, size: 2 });
    await within(30_000, Promise.all(tasks), 'five tasks');
    expect({ busy: pool.busy, queued: pool.queued }).toEqual({ busy: 0, queued: 0 });
  });

  it('waiting tasks start first in, first out', async () => {
    const pool = single();
    const t = new Tracker();
    const tasks = [pool.run(t.task(0, 300)), ...[1, 2, 3, 4].map((id) => pool.run(t.task(id, 10)))];
    await within(30_000, Promise.all(tasks), 'five tasks');
    expect([0, 1, 2, 3, 4].map((id) => t.startOf(id)), 'start number of tasks 0..4, in submission order').toEqual([0, 1, 2, 3, 4]);
  });

  it('rejects with QueueFullError once maxQueue tasks wait; a task that starts at once does not count', async () => {
    const pool = single(); // size 1, maxQueue 4
    const t = new Tracker();
    const accepted = [0, 1, 2, 3, 4].map((id) => pool.run(t.task(id, id === 0 ? 300 : 5)));
    expect(pool.queued).toBe(4);
    const err = await failure(pool.run(t.task(5, 5)), 'the 6th task (1 running + 4 waiting)');
    expect(err).toBeInstanceOf(QueueFullError);
    expect(err).toMatchObject({ code: 'QUEUE_FULL', maxQueue: 4 });
    expect(pool.queued).toBe(4);
    await within(30_000, Promise.all(accepted), 'the accepted tasks');
    expect(t.startOf(5), 'the refused task must never run').toBe(-1);
    expect(t.finished).toBe(5);
  });
});
