/**
 * What the thread-pool specs share: pools that are always closed, a shared-memory tracker the
 * tasks write into, deadlines that turn a hung pool into a clear failure, and the thread count.
 */
import { existsSync, readdirSync } from 'node:fs';
import { ThreadPool, type ThreadPoolOptions } from '#kata/thread-pool';
import { workerExecArgv } from '#support/child';
import { afterAll, afterEach } from 'vitest';
import type { Op } from './tasks/mixed.ts';

export type { Op };
export const MIXED = new URL('./tasks/mixed.ts', import.meta.url);
export const SQUARE = new URL('./tasks/square.ts', import.meta.url);
export const NO_DEFAULT = new URL('./tasks/no-default.ts', import.meta.url);
export const SLOW_START = new URL('./tasks/slow-start.ts', import.meta.url);

/** Each describe sets this: worker threads that load TypeScript take a while to boot on a busy machine. */
export const STAGE_TIMEOUT = 60_000;

export type Pool = ThreadPool<Op, unknown>;

interface Closable {
  close(opts?: { force?: boolean }): Promise<void>;
  readonly workers: number;
}
const perTest = new Set<Closable>();
const perFile = new Map<string, Pool>();

/** Closes `p` (force, so a stuck task cannot hold the file), failing if that hangs or leaves a thread. */
async function shut(p: Closable): Promise<void> {
  await within(15_000, p.close({ force: true }), 'close({ force: true })');
  if (p.workers !== 0) throw new Error(`the pool still counts ${p.workers} workers after close() resolved: it must be 0`);
}

afterEach(async () => {
  const pools = [...perTest];
  perTest.clear();
  for (const p of pools) await shut(p);
});
afterAll(async () => {
  const pools = [...perFile.values()];
  perFile.clear();
  for (const p of pools) await shut(p);
});

/** A pool on the mixed task module (unless `filename` says otherwise), closed after the test. */
export function openPool<I = Op>(opts: Partial<ThreadPoolOptions> = {}): ThreadPool<I, unknown> {
  const pool = new ThreadPool<I, unknown>({ filename: MIXED, execArgv: workerExecArgv(), ...opts });
  perTest.add(pool);
  return pool;
}

/**
 * One pool shared by the tests of a file (booting threads is the slow part), created by the first
 * test that asks for it and closed after the file.
 */
export function sharedPool(name: string, opts: Partial<ThreadPoolOptions> = {}): Pool {
  let pool = perFile.get(name);
  if (!pool) {
    pool = new ThreadPool<Op, unknown>({ filename: MIXED, execArgv: workerExecArgv(), ...opts });
    perFile.set(name, pool);
  }
  return pool;
}

/** Resolves like `p`, or rejects after `ms` with a message naming what hung. */
export async function within<T>(ms: number, p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} did not settle within ${ms} ms: a task was lost (sent to a dead or busy worker, or never dispatched)`)),
      ms,
    );
  });
  try {
    return await Promise.race([p, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** The rejection reason of `p`; fails if `p` resolves, or hangs longer than `ms`. */
export async function failure(p: Promise<unknown>, what = 'the task', ms = 15_000): Promise<unknown> {
  const outcome = await within(
    ms,
    p.then(
      (value) => ({ ok: true as const, value }),
      (reason: unknown) => ({ ok: false as const, reason }),
    ),
    what,
  );
  if (outcome.ok) throw new Error(`${what} should have rejected, but resolved with ${JSON.stringify(outcome.value)}`);
  return outcome.reason;
}

export interface SleepResult {
  id: number | undefined;
  threadId: number;
}

export function sleepTask(ms: number): Op {
  return { op: 'sleep', ms };
}

export async function whoami(pool: Pool): Promise<number> {
  return (await within(15_000, pool.run({ op: 'whoami' }), 'whoami')) as number;
}

/**
 * Boots `n` workers and waits until each has run a task. A fresh pool hands a task to a worker
 * that is still booting, so timing tests warm up first.
 */
export async function warm(pool: Pool, n: number): Promise<Set<number>> {
  const results = (await within(30_000, Promise.all(Array.from({ length: n }, () => pool.run(sleepTask(0)))), 'warm-up')) as SleepResult[];
  return new Set(results.map((r) => r.threadId));
}

/**
 * Shared memory the `sleep` task writes into (see tasks/sleep.ts): how many tasks run at once,
 * the most that ever did, how many started and finished, and the order tasks started in.
 */
export class Tracker {
  readonly sab: SharedArrayBuffer;
  readonly #a: Int32Array;
  constructor(readonly capacity = 32) {
    this.sab = new SharedArrayBuffer(4 * (4 + capacity));
    this.#a = new Int32Array(this.sab);
    this.#a.fill(-1, 4);
  }
  /** A task that records itself as `id` and sleeps `ms`. */
  task(id: number, ms: number): Op {
    return { op: 'sleep', ms, id, sab: this.sab };
  }
  get running(): number {
    return Atomics.load(this.#a, 0);
  }
  get maxRunning(): number {
    return Atomics.load(this.#a, 1);
  }
  get started(): number {
    return Atomics.load(this.#a, 2);
  }
  get finished(): number {
    return Atomics.load(this.#a, 3);
  }
  /** The start number of task `id` (0 for the first task to start), -1 if it never started. */
  startOf(id: number): number {
    return Atomics.load(this.#a, 4 + id);
  }
}

/** Threads of this process (Linux): every worker thread is one, and must be gone after close(). */
export const CAN_COUNT_THREADS = existsSync('/proc/self/task');
export function threadCount(): number {
  return readdirSync('/proc/self/task').length;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
