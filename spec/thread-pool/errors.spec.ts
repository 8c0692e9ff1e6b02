/**
 * Stage 2: errors and crashes. A task that throws rejects with its error, rebuilt on this side with
 * its name, message, fields and stack, and its worker goes on. A task that kills its worker rejects
 * with WorkerCrashedError, and only that task: other tasks run on, and a new worker takes its place.
 */
import { WorkerCrashedError } from '#kata/thread-pool';
import { describe, expect, it } from 'vitest';
import { NO_DEFAULT, STAGE_TIMEOUT, Tracker, failure, openPool, sharedPool, sleep, warm, whoami, within, type SleepResult } from './helpers.ts';

const single = () => sharedPool('single', { size: 1 });

describe('stage 2: errors and crashes', { timeout: STAGE_TIMEOUT }, () => {
  it('a task that throws rejects with its error: name, message, own fields and the worker\'s stack', async () => {
    const pool = single();
    const err = await failure(pool.run({ op: 'throw', kind: 'custom', field: 'email' }));
    expect(err).toBeInstanceOf(Error);
    expect(err).toMatchObject({ name: 'ValidationError', message: 'email is not valid', code: 'E_VALIDATION', field: 'email' });
    expect((err as Error).stack, 'the stack should say where the task threw').toContain('throws.ts');

    expect(await failure(pool.run({ op: 'throw', kind: 'type-error', message: 'not a number' }))).toMatchObject({
      name: 'TypeError',
      message: 'not a number',
    });
    expect(await failure(pool.run({ op: 'throw', kind: 'reject', message: 'out of range' }))).toMatchObject({
      name: 'RangeError',
      message: 'out of range',
    });
  });

  it('the worker survives a thrown error and runs the next task on the same thread', async () => {
    const pool = single();
    const before = await whoami(pool);
    await failure(pool.run({ op: 'throw', kind: 'custom', field: 'x' }));
    await failure(pool.run({ op: 'throw', kind: 'value', value: 'boom' }));
    expect(await whoami(pool), 'a thrown error is not a crash: keep the worker').toBe(before);
    expect(pool.workers).toBe(1);
  });

  it('a thrown value that is not an Error rejects as that very value', async () => {
    const pool = single();
    expect(await failure(pool.run({ op: 'throw', kind: 'value', value: 'boom' }))).toBe('boom');
    expect(await failure(pool.run({ op: 'throw', kind: 'value', value: { status: 418, tags: ['a'] } }))).toEqual({ status: 418, tags: ['a'] });
  });

  it('an Error with a field that cannot be cloned still arrives, with its other fields', async () => {
    const err = await failure(single().run({ op: 'throw', kind: 'uncloneable-field' }));
    expect(err).toMatchObject({ name: 'Error', message: 'has a callback', code: 'E_CALLBACK' });
    expect((err as { retry?: unknown }).retry).toBeUndefined();
  });

  it('a result that cannot be cloned rejects with DataCloneError, and the worker goes on', async () => {
    const pool = single();
    const before = await whoami(pool);
    expect(await failure(pool.run({ op: 'throw', kind: 'return-function' }))).toMatchObject({ name: 'DataCloneError' });
    expect(await whoami(pool)).toBe(before);
  });

  it('an input that cannot be cloned rejects with DataCloneError and leaves nothing busy', async () => {
    const pool = single();
    const input = { op: 'square', x: () => 1 } as unknown as { op: 'square'; x: number };
    expect(await failure(pool.run(input))).toMatchObject({ name: 'DataCloneError' });
    expect({ busy: pool.busy, queued: pool.queued }).toEqual({ busy: 0, queued: 0 });
    expect(await within(15_000, pool.run({ op: 'square', x: 3 }), 'square(3)')).toBe(9);
  });

  it('process.exit() in a task rejects it with WorkerCrashedError, and a new worker runs the task queued behind it', async () => {
    const pool = single();
    const before = await whoami(pool);
    const crash = pool.run({ op: 'exit', code: 3 });
    const next = pool.run({ op: 'whoami' });
    const err = await failure(crash);
    expect(err).toBeInstanceOf(WorkerCrashedError);
    expect(err).toMatchObject({ code: 'WORKER_CRASHED', exitCode: 3 });
    const after = (await within(30_000, next, 'the task queued behind the crash')) as number;
    expect(after, 'the task after the crash must run on a new thread').not.toBe(before);
    expect(pool.workers).toBe(1);
  });

  it('an uncaught exception in a timer crashes the worker: WorkerCrashedError with that exception as cause', async () => {
    const pool = single();
    const err = await failure(pool.run({ op: 'crash-in-timer', message: 'tick went wrong' }), 'the crashing task', 30_000);
    expect(err).toBeInstanceOf(WorkerCrashedError);
    expect(err).toMatchObject({ exitCode: 1 });
    expect((err as Error).cause).toMatchObject({ message: 'tick went wrong' });
    expect(await within(30_000, pool.run({ op: 'square', x: 5 }), 'the next task')).toBe(25);
  });

  it('a crash rejects only its own task: tasks beside it and behind it succeed, and the pool is back to size', async () => {
    const pool = openPool({ size: 2 });
    const first = await warm(pool, 2);
    const t = new Tracker();
    const slow = pool.run(t.task(0, 400));
    const crash = pool.run({ op: 'crash-in-timer', message: 'only me' });
    const queued = [1, 2, 3, 4].map((x) => pool.run({ op: 'square', x }));
    expect(await failure(crash, 'the crashing task', 30_000)).toBeInstanceOf(WorkerCrashedError);
    const survivor = (await within(30_000, slow, 'the task beside the crash')) as SleepResult;
    expect(survivor.id).toBe(0);
    expect(await within(30_000, Promise.all(queued), 'the tasks queued behind the crash')).toEqual([1, 4, 9, 16]);

    // A new thread replaced the dead one: two threads again, and two tasks at once.
    const second = await warm(pool, 2);
    expect(second.size, 'threads serving the pool after the crash').toBe(2);
    expect([...second].filter((id) => first.has(id)), 'threads that were there before the crash').toEqual([survivor.threadId]);
    const u = new Tracker();
    await within(30_000, Promise.all([0, 1, 2, 3].map((id) => pool.run(u.task(id, 250)))), 'four tasks');
    expect(u.maxRunning, 'tasks running at once after the crash').toBe(2);
    expect(pool.workers).toBe(2);
  });

  it('a task module that cannot load fails each task with WorkerCrashedError (cause: the load error) and starts nothing on its own', async () => {
    const pool = openPool<number>({ filename: NO_DEFAULT, size: 2 });
    const err = await failure(pool.run(1), 'a task on a module without a default export', 30_000);
    expect(err).toBeInstanceOf(WorkerCrashedError);
    expect(String((err as Error).cause)).toMatch(/default export/);
    await sleep(300);
    expect(pool.workers, 'no task, no thread: a broken module must not make the pool respawn forever').toBe(0);
  });
});
