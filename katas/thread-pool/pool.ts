/**
 * A fixed-size pool of worker threads that run one task module. Tasks wait in a FIFO queue for a
 * free worker; a worker runs one task at a time; a worker that dies or is stopped is replaced.
 * See README.md for the whole contract, stage by stage.
 */
import type { TransferListItem } from 'node:worker_threads';
import { todo } from '../not-implemented.ts';

export interface ThreadPoolOptions {
  /** The task module: a file exporting `default function (input) { return output }` (sync or async). */
  filename: string | URL;
  /** The most worker threads, and so the most tasks running at once. Default: availableParallelism(). */
  size?: number;
  /** The most tasks waiting for a worker; one more rejects with QueueFullError. Default: Infinity. */
  maxQueue?: number;
  /** Default time limit of one task, from the moment it starts on a worker. Default: Infinity. */
  taskTimeoutMs?: number;
  /** Node flags for the workers (e.g. a TypeScript loader). Default: the process's own execArgv. */
  execArgv?: string[];
}

export interface RunOptions {
  /** Buffers (ArrayBuffer, MessagePort, ...) in `input` to move to the worker instead of copying. */
  transfer?: readonly TransferListItem[];
  /** Aborting removes a waiting task from the queue, or stops the worker running it. */
  signal?: AbortSignal;
  /** This task's time limit, overriding `taskTimeoutMs`. */
  timeoutMs?: number;
}

// TODO: the state. A suggestion that keeps every step simple:
//   - a FIFO array of waiting tasks; a task = { id, input, transfer, timeoutMs, signal, resolve,
//     reject, timer?, onAbort?, slot? (the worker running it), done? };
//   - a Set of "slots", one per worker serving the pool: { worker, ready, task?, error? };
//   - a Map worker → promise of its 'exit', so close() can wait for threads that are shutting down;
//   - closed / closing flags, and the resolvers of drain() calls waiting for the pool to be idle.
//
// One private "pump" does all the dispatching: while tasks wait, hand the first one to an idle
// worker, or start a new worker if fewer than `size` exist, else stop. Call it after everything
// that can free a worker or add a task: run, a result, a crash, a timeout, an abort.
//
// One private "finish(task, ok, value)" settles a task exactly once and lets go of what it holds:
// its slot, its timer (clearTimeout), its abort listener. Call it on every path.

export class ThreadPool<I = unknown, O = unknown> {
  /**
   * Checks the options (RangeError: size an integer >= 1; maxQueue an integer >= 0 or Infinity;
   * taskTimeoutMs > 0 or Infinity) and remembers them. Starts NO thread: workers start on demand.
   * Resolve `filename` to a file: URL now (a path may be relative to the current directory).
   */
  constructor(opts: ThreadPoolOptions) {
    return todo('thread-pool', 'ThreadPool constructor');
  }

  /** The most workers (and tasks running at once). */
  get size(): number {
    return todo('thread-pool', 'ThreadPool.size');
  }

  /** Worker threads serving the pool now (started on demand, up to `size`; 0 after close). */
  get workers(): number {
    return todo('thread-pool', 'ThreadPool.workers');
  }

  /** Tasks waiting for a worker. */
  get queued(): number {
    return todo('thread-pool', 'ThreadPool.queued');
  }

  /** Tasks handed to a worker and not yet settled. */
  get busy(): number {
    return todo('thread-pool', 'ThreadPool.busy');
  }

  /**
   * Runs `input` through the task module on a worker; resolves with what the task returned.
   * Rejects (never throws): PoolClosedError once close() was called; RangeError for a bad
   * timeoutMs; `signal.reason` if the signal is already aborted; QueueFullError if the task
   * cannot start now and `maxQueue` tasks already wait; the task's own error if it throws;
   * WorkerCrashedError if its worker dies; TaskTimeoutError if it runs too long.
   */
  run(input: I, opts: RunOptions = {}): Promise<O> {
    // TODO: reject early cases; queue the task; pump; refuse it if it is still waiting and the
    // queue is now longer than maxQueue; listen to the signal ({ once: true }).
    return todo('thread-pool', 'ThreadPool.run');
  }

  /** Resolves once nothing is queued or running (at once, if that is already so). */
  drain(): Promise<void> {
    return todo('thread-pool', 'ThreadPool.drain');
  }

  /**
   * Refuses new tasks at once. Graceful: lets queued and running tasks finish, then terminates the
   * workers. `force`: rejects queued and running tasks with PoolClosedError and terminates the
   * workers now. Resolves when every worker thread has exited. Calling it again is harmless.
   */
  close(opts: { force?: boolean } = {}): Promise<void> {
    return todo('thread-pool', 'ThreadPool.close');
  }
}
