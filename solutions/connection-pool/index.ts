/** A generic connection pool on a bounded blocking queue: limits, fairness, validation, eviction, leaks. */
export { createPool, Pool, type Factory, type LeakInfo, type PoolOptions, type PoolStats } from './pool.ts';
export { AcquireTimeoutError, NotFromPoolError, PoolClosedError } from './errors.ts';
