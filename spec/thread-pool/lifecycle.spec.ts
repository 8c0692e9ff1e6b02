/**
 * Stage 4: transferables, drain and close. Buffers in the transfer list move instead of being
 * copied (the sender's becomes detached), in both directions. drain() waits for queued and running
 * tasks; close() refuses new work, finishes or (force) cuts off the rest, and resolves only when
 * every worker thread has exited.
 */
import { PoolClosedError, ThreadPool } from '#kata/thread-pool';
import { workerExecArgv } from '#support/child';
import { describe, expect, it } from 'vitest';
import {
  CAN_COUNT_THREADS,
  SQUARE,
  STAGE_TIMEOUT,
  Tracker,
  failure,
  openPool,
  sharedPool,
  sleep,
  threadCount,
  warm,
  within,
  type SleepResult,
} from './helpers.ts';

const single = () => sharedPool('single', { size: 1 });

function bytes(n: number): ArrayBuffer {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 7) & 0x7f;
  return b.buffer;
}
const sum = (buf: ArrayBuffer) => new Uint8Array(buf).reduce((a, b) => a + b, 0);

describe('stage 4: transferables and drain', { timeout: STAGE_TIMEOUT }, () => {
  it('a transfer list moves the input\'s ArrayBuffer: the sender\'s is detached, the worker has the bytes', async () => {
    const buf = bytes(4096);
    const expected = sum(buf);
    const seen = await within(30_000, single().run({ op: 'buffer', kind: 'inspect', buf }, { transfer: [buf] }), 'inspect');
    expect(buf.byteLength, 'byteLength of the sent buffer: 0 once it was transferred').toBe(0);
    expect(seen).toEqual({ byteLength: 4096, sum: expected });
  });

  it('without a transfer list the input is copied and the sender keeps its buffer', async () => {
    const buf = bytes(1024);
    const seen = await within(30_000, single().run({ op: 'buffer', kind: 'inspect', buf }), 'inspect');
    expect(buf.byteLength).toBe(1024);
    expect(seen).toEqual({ byteLength: 1024, sum: sum(buf) });
  });

  it('a task that returns a Transfer moves its buffer back: the result has the bytes, the worker\'s copy is detached', async () => {
    const pool = single();
    const buf = bytes(2048);
    const original = new Uint8Array(buf.slice(0));
    const out = (await within(30_000, pool.run({ op: 'buffer', kind: 'double', buf }, { transfer: [buf] }), 'double')) as ArrayBuffer;
    expect(out).toBeInstanceOf(ArrayBuffer);
    expect(Array.from(new Uint8Array(out))).toEqual(Array.from(original, (b) => (b * 2) & 0xff));
    expect(await pool.run({ op: 'buffer', kind: 'kept' }), 'byteLength of the buffer the worker returned, seen in the worker').toBe(0);
  });

  it('drain() resolves only once every queued and running task has settled', async () => {
    const pool = single();
    const t = new Tracker();
    const settled: number[] = [];
    [0, 1, 2].forEach((id) => void pool.run(t.task(id, 120)).then(() => settled.push(id)));
    await within(30_000, pool.drain(), 'drain()');
    expect(t.finished, 'tasks finished inside the workers when drain() resolved').toBe(3);
    expect(settled, 'promises settled when drain() resolved').toEqual([0, 1, 2]);
    expect({ busy: pool.busy, queued: pool.queued }).toEqual({ busy: 0, queued: 0 });
  });

  it('drain() on an idle pool resolves at once, and the pool takes tasks afterwards', async () => {
    const pool = single();
    await within(30_000, pool.run({ op: 'square', x: 2 }), 'square');
    await within(200, pool.drain(), 'drain() of an idle pool');
    expect(await within(15_000, pool.run({ op: 'square', x: 9 }), 'square after drain')).toBe(81);
  });

  it('close() refuses new work at once, lets queued and running tasks finish, and resolves with every thread gone', async () => {
    const threadsBefore = CAN_COUNT_THREADS ? threadCount() : 0;
    const pool = openPool({ size: 2 });
    await warm(pool, 2);
    expect(pool.workers).toBe(2);
    const t = new Tracker();
    const tasks = [0, 1, 2, 3, 4].map((id) => pool.run(t.task(id, 150)));
    const closed = pool.close();
    const late = await failure(pool.run({ op: 'square', x: 1 }), 'run() after close()', 200);
    expect(late).toBeInstanceOf(PoolClosedError);
    expect(late).toMatchObject({ code: 'POOL_CLOSED' });
    await within(30_000, closed, 'close()');
    expect(((await Promise.all(tasks)) as SleepResult[]).map((r) => r.id), 'tasks accepted before close() all complete').toEqual([0, 1, 2, 3, 4]);
    expect(t.finished).toBe(5);
    expect(pool.workers).toBe(0);
    if (CAN_COUNT_THREADS) expect(threadCount(), 'threads of this process once close() resolved').toBeLessThanOrEqual(threadsBefore);
  });

  it('close({ force: true }) rejects running and queued tasks with PoolClosedError and stops the threads now', async () => {
    const threadsBefore = CAN_COUNT_THREADS ? threadCount() : 0;
    const pool = openPool({ size: 1 });
    await warm(pool, 1);
    const running = pool.run({ op: 'spin' });
    const queued = [pool.run({ op: 'square', x: 2 }), pool.run({ op: 'square', x: 3 })];
    const outcomes = [running, ...queued].map((p) => failure(p, 'a task cut off by close({ force: true })', 10_000));
    await sleep(50);
    await within(10_000, pool.close({ force: true }), 'close({ force: true }) with a task that never returns');
    for (const reason of await Promise.all(outcomes)) expect(reason).toBeInstanceOf(PoolClosedError);
    expect(pool.workers).toBe(0);
    if (CAN_COUNT_THREADS) expect(threadCount(), 'threads of this process once close() resolved').toBeLessThanOrEqual(threadsBefore);
  });

  it('close() twice is fine, and a pool that never ran a task closes without starting a thread', async () => {
    const pool = new ThreadPool<number, number>({ filename: SQUARE, size: 2, execArgv: workerExecArgv() });
    const a = pool.close();
    const b = pool.close();
    await within(2000, Promise.all([a, b]), 'close() of an unused pool');
    expect(pool.workers).toBe(0);
    expect(await failure(pool.run(3), 'run() on a closed pool', 200)).toBeInstanceOf(PoolClosedError);
    await within(2000, pool.drain(), 'drain() of a closed pool');
  });
});
