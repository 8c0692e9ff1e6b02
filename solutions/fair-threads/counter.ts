/**
 * Counting primes up to N on worker threads, two ways:
 *
 * - static: [2, N] is cut into one contiguous range per thread up front (splitRange). Simple, no
 *   coordination, but unfair: trial division costs grow with k, so the thread holding the top
 *   range works longest while the others sit idle.
 * - dynamic: [2, N] is cut into many small batches; threads take the next batch number from one
 *   shared counter (Atomics.add on a SharedArrayBuffer) until none are left. Whoever is free takes
 *   the next batch, so every thread stays busy until the very end.
 *
 * A PrimeCounter keeps its threads between runs (starting a thread costs far more than counting a
 * small range) and never starts a run before every thread has said "ready": otherwise the threads
 * that booted first would take most of the batches, and boot time would pass for unfairness.
 */
import { Worker } from 'node:worker_threads';
import { CounterClosedError } from './errors.ts';
import { MAX_N, checkIntegerIn, splitRange } from './primes.ts';
import { FIRST, type DoneMessage, type RunMessage, type WorkerMessage } from './protocol.ts';

/** What one thread did in one run. */
export interface ThreadReport {
  /** Primes this thread found. */
  primes: number;
  /** Wall-clock milliseconds from the start of its share until it ran out of work. */
  busyMs: number;
  /** Ranges it counted: 1 for a static share (0 if empty), one per batch taken for dynamic. */
  batches: number;
  /** The half-open ranges [lo, hi) it counted, in the order it counted them. */
  ranges: Array<[number, number]>;
}

export interface Result {
  /** π(n): primes in [2, n]. */
  count: number;
  /** One report per thread, in thread order. */
  perThread: ThreadReport[];
}

export interface PrimeCounterOptions {
  /** Worker threads, 1..MAX_THREADS. */
  threads: number;
  /** Node flags for the threads (a TypeScript loader, say). Default: this process's own execArgv. */
  execArgv?: string[];
}

export interface CountOptions {
  execArgv?: string[];
}

export const MAX_THREADS = 256;
export const DEFAULT_BATCH_SIZE = 1000;

const WORKER = new URL('./worker.ts', import.meta.url);

interface Waiter {
  resolve: (msg: WorkerMessage) => void;
  reject: (err: unknown) => void;
}

export class PrimeCounter {
  readonly #workers: Worker[] = [];
  readonly #exits: Array<Promise<void>> = [];
  /** The reply each thread owes: at most one at a time, since runs never overlap. */
  readonly #waiters = new Map<Worker, Waiter>();
  /** Resolves once every thread said "ready": the start gate of every run. */
  readonly #ready: Promise<void>;
  /** Runs one after another: a run needs every thread. */
  #queue: Promise<unknown> = Promise.resolve();
  #failure: unknown;
  #closed = false;
  #closing: Promise<void> | undefined;

  constructor(opts: PrimeCounterOptions) {
    checkIntegerIn('threads', opts?.threads, 1, MAX_THREADS);
    const readies: Array<Promise<WorkerMessage>> = [];
    for (let i = 0; i < opts.threads; i++) {
      const worker = new Worker(WORKER, { execArgv: opts.execArgv });
      this.#workers.push(worker);
      // Listen for "ready" before the thread can possibly send it.
      readies.push(this.#expect(worker));
      worker.on('message', (msg: WorkerMessage) => {
        const w = this.#waiters.get(worker);
        this.#waiters.delete(worker);
        w?.resolve(msg);
      });
      worker.on('error', (err) => this.#fail(err));
      this.#exits.push(
        new Promise((resolve) =>
          worker.once('exit', (code) => {
            if (!this.#closed) this.#fail(new Error(`a counting thread exited unexpectedly with code ${code}`));
            resolve();
          }),
        ),
      );
    }
    this.#ready = Promise.all(readies).then(() => undefined);
    // A thread that fails to start fails the next run; until then nobody is waiting on it.
    this.#ready.catch(() => {});
  }

  get threads(): number {
    return this.#workers.length;
  }

  /** π(n) with [2, n] split into one contiguous range per thread. */
  countStatic(n: number): Promise<Result> {
    return this.#schedule(() => {
      checkIntegerIn('n', n, 0, MAX_N);
      const shares = splitRange(FIRST, Math.max(FIRST, n + 1), this.threads);
      return (i) => ({ type: 'static', lo: shares[i]![0], hi: shares[i]![1] });
    });
  }

  /** π(n) with threads taking batches of `batchSize` numbers from a shared atomic counter. */
  countDynamic(n: number, batchSize = DEFAULT_BATCH_SIZE): Promise<Result> {
    return this.#schedule(() => {
      checkIntegerIn('n', n, 0, MAX_N);
      checkIntegerIn('batchSize', batchSize, 1, MAX_N);
      // A fresh counter per run, starting at batch 0, shared (not copied) with every thread.
      const next = new SharedArrayBuffer(Uint32Array.BYTES_PER_ELEMENT);
      return () => ({ type: 'dynamic', next, n, batchSize });
    });
  }

  /** Stops the threads; a run in progress rejects with CounterClosedError. Same promise each call. */
  close(): Promise<void> {
    if (!this.#closing) {
      this.#closed = true;
      for (const w of this.#waiters.values()) w.reject(new CounterClosedError());
      this.#waiters.clear();
      this.#closing = Promise.all(this.#workers.map((w) => w.terminate())).then(() => Promise.all(this.#exits)).then(() => undefined);
    }
    return this.#closing;
  }

  /**
   * Queues a run. `prepare` checks the arguments (throwing rejects the run, no thread is touched)
   * and returns the message for thread i.
   */
  #schedule(prepare: () => (i: number) => RunMessage): Promise<Result> {
    const run = this.#queue.then(async () => {
      if (this.#closed) throw new CounterClosedError();
      const message = prepare();
      // The start gate: no thread starts counting until every thread can.
      await this.#ready;
      if (this.#closed) throw new CounterClosedError();
      if (this.#failure !== undefined) throw this.#failure;
      const replies = this.#workers.map((worker, i) => {
        const reply = this.#expect(worker);
        worker.postMessage(message(i));
        return reply;
      });
      const done = (await Promise.all(replies)) as DoneMessage[];
      const perThread = done.map(({ primes, busyMs, ranges }) => ({ primes, busyMs, batches: ranges.length, ranges }));
      return { count: perThread.reduce((sum, t) => sum + t.primes, 0), perThread };
    });
    this.#queue = run.catch(() => {});
    return run;
  }

  #expect(worker: Worker): Promise<WorkerMessage> {
    return new Promise((resolve, reject) => {
      if (this.#closed) reject(new CounterClosedError());
      else if (this.#failure !== undefined) reject(this.#failure);
      else this.#waiters.set(worker, { resolve, reject });
    });
  }

  /** A thread died: every run now fails with why, and the other threads are stopped. */
  #fail(err: unknown): void {
    if (this.#closed || this.#failure !== undefined) return;
    this.#failure = err;
    for (const w of this.#waiters.values()) w.reject(err);
    this.#waiters.clear();
    for (const w of this.#workers) void w.terminate();
  }
}

/** max / min of the threads' busy time: 1 is perfectly fair. Infinity if a thread never worked. */
export function fairness(result: Result): number {
  const busy = result.perThread.map((t) => t.busyMs);
  if (busy.length === 0) throw new RangeError('fairness needs at least one thread report');
  for (const b of busy) {
    if (!(typeof b === 'number' && b >= 0)) throw new RangeError(`busyMs must be a number >= 0, not ${String(b)}`);
  }
  const max = Math.max(...busy);
  const min = Math.min(...busy);
  if (max === 0) return 1;
  return min === 0 ? Infinity : max / min;
}

/** One static run on fresh threads: starts a PrimeCounter, counts, closes it. */
export async function countPrimesStatic(n: number, threads: number, opts: CountOptions = {}): Promise<Result> {
  checkIntegerIn('n', n, 0, MAX_N);
  const counter = new PrimeCounter({ threads, execArgv: opts.execArgv });
  try {
    return await counter.countStatic(n);
  } finally {
    await counter.close();
  }
}

/** One dynamic run on fresh threads: starts a PrimeCounter, counts, closes it. */
export async function countPrimesDynamic(n: number, threads: number, batchSize = DEFAULT_BATCH_SIZE, opts: CountOptions = {}): Promise<Result> {
  checkIntegerIn('n', n, 0, MAX_N);
  checkIntegerIn('batchSize', batchSize, 1, MAX_N);
  const counter = new PrimeCounter({ threads, execArgv: opts.execArgv });
  try {
    return await counter.countDynamic(n, batchSize);
  } finally {
    await counter.close();
  }
}
