/**
 * A generic resource pool (database connections first of all) built on your bounded blocking
 * queue: min/max, acquire timeout, first-come-first-served waiting, validation, idle eviction,
 * leak detection, drain. Read katas/connection-pool/README.md first: it spells out every rule the
 * spec checks. `npm run hint connection-pool` when stuck.
 *
 * This kata uses your BoundedBlockingQueue from the queue kata (katas/queue, stages 1 and 3):
 * finish those first.
 */
import { todo } from '../not-implemented.ts';
// Your queue: the idle shelf and the line of waiting acquirers. Its ClosedError is what waiting
// takers reject with when you close it in drain(): turn that into PoolClosedError.
import { BoundedBlockingQueue, ClosedError } from '../queue/index.ts';

// ---------------------------------------------------------------------------------------------
// Errors. They are complete: throw them, do not change them. Each has a stable `code`.

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

// ---------------------------------------------------------------------------------------------
// Types

/** How the pool makes, ends and checks resources. The pool never looks inside a resource. */
export interface Factory<T> {
  /** Opens a new resource. A rejection fails the acquire that asked for it, as is. */
  create(): Promise<T>;
  /** Closes a resource for good. A failure goes to onError, never to a caller. */
  destroy(resource: T): Promise<void>;
  /**
   * Checks an idle resource before it is lent again (`SELECT 1`, a ping). Anything but
   * resolving to `true` (false, a rejection, a throw) means broken: destroy it and replace it.
   */
  validate?(resource: T): Promise<boolean>;
}

/** What onLeak is told about a resource borrowed for longer than leakTimeoutMs. */
export interface LeakInfo<T> {
  resource: T;
  /** Date.now() when it was lent. */
  acquiredAt: number;
  /** How long it had been held when reported. */
  heldMs: number;
  /** The stack of the acquire() call that borrowed it (`new Error().stack` taken in acquire). */
  stack: string;
}

export interface PoolOptions<T> {
  /** Resources kept open even when idle (default 0). Created in the background. */
  min?: number;
  /** Never more than this many open at once, counting the ones being created. */
  max: number;
  /** acquire() rejects with AcquireTimeoutError after this long (default 30 000; Infinity: never). */
  acquireTimeoutMs?: number;
  /** An idle resource unused for this long is destroyed, unless that leaves fewer than min (default 600 000; Infinity: never). */
  idleTimeoutMs?: number;
  /** Report a resource borrowed for longer than this (default: no leak detection). Finite. */
  leakTimeoutMs?: number;
  /** Called once per lease that outlives leakTimeoutMs (default: process.emitWarning). */
  onLeak?: (info: LeakInfo<T>) => void;
  /** Errors no caller awaits: a failed destroy(), a failed background create() (default: ignored). */
  onError?: (err: unknown) => void;
}

export interface PoolStats {
  /** Created and not yet handed to destroy(): idle + borrowed + in transit to an acquirer. */
  open: number;
  /** On the shelf: the queue's size. */
  idle: number;
  /** Lent out and not yet released or destroyed. */
  borrowed: number;
  /** factory.create() calls in flight. */
  creating: number;
  /** acquire() calls waiting in line: the queue's waiting takers. */
  waiting: number;
  min: number;
  max: number;
}

// ---------------------------------------------------------------------------------------------

export class Pool<T> {
  // TODO: the state is
  //   - idle: a BoundedBlockingQueue<T>(max), your own. It is the shelf of idle resources AND,
  //     through its waiting takers, the line of acquirers waiting for one;
  //   - borrowed: Map<T, lease> (when it was lent, its leak timer);
  //   - open and creating counts (the invariant: open + creating <= max, counted BEFORE create());
  //   - when each shelved resource went idle, for eviction;
  //   - closed, and what drain() waits for.

  /**
   * Validates the factory and options (TypeError for a factory without create/destroy functions
   * or a validate that is not a function; RangeError for max not an integer >= 1, min not an
   * integer in 0..max, acquireTimeoutMs or idleTimeoutMs not > 0, leakTimeoutMs not finite > 0),
   * then starts creating min resources in the background.
   */
  constructor(factory: Factory<T>, options: PoolOptions<T>) {
    return todo('connection-pool', 'Pool constructor');
  }

  /** True once drain() was called. */
  get closed(): boolean {
    return todo('connection-pool', 'Pool.closed');
  }

  stats(): PoolStats {
    return todo('connection-pool', 'Pool.stats');
  }

  /**
   * Lends a resource:
   *   1. an idle one if the shelf has any (oldest first), validated before it is lent;
   *   2. else a new one if open + creating < max (reserve the slot before awaiting create());
   *   3. else wait in line (take from the queue) for the next one released or created.
   * A resource that fails validation is destroyed and this caller goes round again (it keeps its
   * turn: it does not rejoin the back of the line). Resources handed over from the line are
   * validated too; ones this caller just created are not.
   * Rejects with PoolClosedError once closed, AcquireTimeoutError when the whole acquire
   * (waiting, creating, validating) takes longer than acquireTimeoutMs, and with create()'s own
   * error when its create() fails. A timed-out caller leaves the line at once; a resource created
   * or validated for it too late is kept by the pool, not lost.
   */
  acquire(): Promise<T> {
    return todo('connection-pool', 'Pool.acquire');
  }

  /**
   * Gives a borrowed resource back: offered to the queue, which hands it to the oldest waiting
   * acquirer or shelves it. Stops its leak timer. After drain() it is destroyed instead.
   * Throws NotFromPoolError if it is not on loan (released twice, or never lent by this pool).
   */
  release(resource: T): void {
    return todo('connection-pool', 'Pool.release');
  }

  /**
   * Destroys a borrowed resource instead of releasing it (the caller saw it break), and creates
   * a replacement when acquirers are waiting or the pool fell below min. Rejects with
   * NotFromPoolError if it is not on loan.
   */
  destroy(resource: T): Promise<void> {
    return todo('connection-pool', 'Pool.destroy');
  }

  /** acquire(), run fn, release (also when fn throws; not if fn destroyed it). Returns fn's result. */
  use<R>(fn: (resource: T) => R | Promise<R>): Promise<R> {
    return todo('connection-pool', 'Pool.use');
  }

  /**
   * Closes the pool: waiting and future acquires reject with PoolClosedError, idle resources are
   * destroyed now, borrowed ones when released or destroyed, creates in flight when they finish.
   * Resolves once every resource has been destroyed and no timer is left. Calling it again
   * returns the same wait.
   */
  drain(): Promise<void> {
    return todo('connection-pool', 'Pool.drain');
  }
}

/** A pool of resources made by `factory`. */
export function createPool<T>(factory: Factory<T>, options: PoolOptions<T>): Pool<T> {
  return new Pool(factory, options);
}
