/**
 * The errors BoundedBlockingQueue rejects with (stage 3). They are complete: throw them, do not
 * change them. Each has a stable `code`, so callers can tell them apart without instanceof.
 */

/** A put or take waited `timeoutMs` without being served. */
export class TimeoutError extends Error {
  readonly code = 'QUEUE_TIMEOUT';
  constructor(
    readonly operation: 'put' | 'take',
    readonly timeoutMs: number,
  ) {
    super(`${operation} timed out after ${timeoutMs} ms: the queue stayed ${operation === 'put' ? 'full' : 'empty'}`);
    this.name = 'TimeoutError';
  }
}

/** The queue was closed: no more puts, and takes fail once the queued items are gone. */
export class ClosedError extends Error {
  readonly code = 'QUEUE_CLOSED';
  constructor(readonly operation: 'put' | 'take' | 'offer') {
    super(`${operation} on a closed queue`);
    this.name = 'ClosedError';
  }
}
