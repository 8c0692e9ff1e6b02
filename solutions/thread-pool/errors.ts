/**
 * The errors a pool rejects with. Each has a stable `code`, and a message that says what happened
 * and what to do about it.
 */

/** The task ran longer than its timeout. Its worker was terminated and replaced. */
export class TaskTimeoutError extends Error {
  readonly code = 'TASK_TIMEOUT';
  constructor(readonly timeoutMs: number) {
    super(
      `the task ran longer than ${timeoutMs} ms: its worker was terminated and replaced. ` +
        'Raise timeoutMs / taskTimeoutMs, or make the task yield less work per call.',
    );
    this.name = 'TaskTimeoutError';
  }
}

/**
 * The worker running the task died: `process.exit()`, an uncaught exception outside the task's own
 * promise (a throwing timer, say), or a task module that failed to load. `cause` is the error the
 * worker reported, if any. Only this task fails; the pool starts a new worker for the next.
 */
export class WorkerCrashedError extends Error {
  readonly code = 'WORKER_CRASHED';
  constructor(
    readonly exitCode: number,
    cause?: unknown,
  ) {
    const why = cause instanceof Error ? `: ${cause.message}` : '';
    super(`the worker running this task exited with code ${exitCode}${why}`, cause === undefined ? undefined : { cause });
    this.name = 'WorkerCrashedError';
  }
}

/** The pool is closing or closed: `run` after `close()`, or a task cut off by `close({ force: true })`. */
export class PoolClosedError extends Error {
  readonly code = 'POOL_CLOSED';
  constructor() {
    super('the pool is closed: create a new ThreadPool, or run tasks before calling close()');
    this.name = 'PoolClosedError';
  }
}

/** `maxQueue` tasks are already waiting for a worker: back off and retry, or raise maxQueue. */
export class QueueFullError extends Error {
  readonly code = 'QUEUE_FULL';
  constructor(readonly maxQueue: number) {
    super(`${maxQueue} tasks are already waiting for a worker (maxQueue): back off and retry later, or raise maxQueue`);
    this.name = 'QueueFullError';
  }
}
