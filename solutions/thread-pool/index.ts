/** A worker_threads pool: fixed size, FIFO queue, transferables, timeouts, crash replacement, drain. */
export { ThreadPool, type RunOptions, type ThreadPoolOptions } from './pool.ts';
export { PoolClosedError, QueueFullError, TaskTimeoutError, WorkerCrashedError } from './errors.ts';
export { Transfer } from './transfer.ts';
