/** The errors the pool throws and rejects with. Each has a stable `code`. */

/** acquire() was not served within acquireTimeoutMs. */
export class AcquireTimeoutError extends Error {
  readonly code = 'POOL_ACQUIRE_TIMEOUT';
  constructor(
    readonly timeoutMs: number,
    options?: ErrorOptions,
  ) {
    super(`acquire timed out after ${timeoutMs} ms: no resource was free and none could be created in time`, options);
    this.name = 'AcquireTimeoutError';
  }
}

/** The pool is draining or drained: it lends nothing any more. */
export class PoolClosedError extends Error {
  readonly code = 'POOL_CLOSED';
  constructor() {
    super('the pool is closed (drain() was called): it lends nothing any more');
    this.name = 'PoolClosedError';
  }
}

/** release() or destroy() of something the pool has not lent out: released twice, or foreign. */
export class NotFromPoolError extends Error {
  readonly code = 'POOL_NOT_BORROWED';
  constructor(readonly operation: 'release' | 'destroy') {
    super(`${operation} of a resource this pool has not lent out (already released, or never acquired from this pool)`);
    this.name = 'NotFromPoolError';
  }
}
