/**
 * A generic resource pool (database connections, sockets, workers...) built on a bounded
 * blocking queue.
 *
 * The idle resources live in a BoundedBlockingQueue whose capacity is `max`. That one structure
 * does two jobs: it is the shelf of idle resources, and its line of waiting takers is the line of
 * acquirers waiting for one. release() offers the resource to the queue, which hands it straight
 * to the oldest waiting acquirer, or shelves it when nobody waits. Fairness (first come, first
 * served) and "a caller who gives up leaves the line" come from the queue.
 *
 * Accounting. Every resource is in exactly one of these states:
 *   creating   factory.create() in flight                  (#creating counts them)
 *   idle       in the queue                                (#idle.size)
 *   borrowed   lent out, in #borrowed                      (#borrowed.size)
 *   in transit handed to an acquirer that is validating it (open - idle - borrowed)
 * `#open` counts everything created and not yet retired. The one invariant everything else rests
 * on: `#open + #creating <= max`, and the slot is reserved BEFORE awaiting create(), so
 * concurrent acquirers cannot all see "room" and all create.
 */
import { BoundedBlockingQueue, ClosedError } from '../queue/index.ts';
import { AcquireTimeoutError, NotFromPoolError, PoolClosedError } from './errors.ts';

export interface Factory<T> {
  /** Opens a new resource. A rejection fails the acquire that asked for it. */
  create(): Promise<T>;
  /** Closes a resource for good. Failures are reported to onError, never thrown at the caller. */
  destroy(resource: T): Promise<void>;
  /**
   * Checks an idle resource before it is lent again (a round trip, like `SELECT 1` or a ping).
   * false, a rejection or a throw: the resource is destroyed and replaced.
   */
  validate?(resource: T): Promise<boolean>;
}

export interface LeakInfo<T> {
  resource: T;
  /** Date.now() when it was lent. */
  acquiredAt: number;
  /** How long it had been held when reported (leakTimeoutMs, give or take the timer). */
  heldMs: number;
  /** The stack of the acquire() call that borrowed it: where to look for the missing release. */
  stack: string;
}

export interface PoolOptions<T> {
  /** Resources kept open even when idle (default 0). Created in the background. */
  min?: number;
  /** Never more than this many open at once, counting ones being created. */
  max: number;
  /** acquire() rejects with AcquireTimeoutError after this long (default 30 000; Infinity: never). */
  acquireTimeoutMs?: number;
  /** An idle resource older than this is destroyed, unless that leaves fewer than min (default 600 000; Infinity: never). */
  idleTimeoutMs?: number;
  /** Report a resource borrowed for longer than this (default: no leak detection). */
  leakTimeoutMs?: number;
  /** Called once per lease that outlives leakTimeoutMs (default: a process warning). */
  onLeak?: (info: LeakInfo<T>) => void;
  /** Errors nobody awaits: a failed destroy(), a failed background create() (default: ignored). */
  onError?: (err: unknown) => void;
}

export interface PoolStats {
  /** Created and not yet destroyed: idle + borrowed + in transit. */
  open: number;
  idle: number;
  borrowed: number;
  /** create() calls in flight. */
  creating: number;
  /** acquire() calls waiting in line. */
  waiting: number;
  min: number;
  max: number;
}

interface Lease {
  acquiredAt: number;
  leakTimer?: NodeJS.Timeout;
}

/** setTimeout cannot wait longer (2^31 - 1 ms); anything beyond is as good as forever. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export class Pool<T> {
  readonly #factory: Factory<T>;
  readonly #min: number;
  readonly #max: number;
  readonly #acquireTimeoutMs: number;
  readonly #idleTimeoutMs: number;
  readonly #leakTimeoutMs: number | undefined;
  readonly #onLeak: (info: LeakInfo<T>) => void;
  readonly #onError: (err: unknown) => void;

  /** The idle resources, and (as its waiting takers) the acquirers waiting for one. */
  readonly #idle: BoundedBlockingQueue<T>;
  readonly #borrowed = new Map<T, Lease>();
  /** When each idle resource was shelved, for idle eviction. */
  readonly #idleSince = new Map<T, number>();
  #open = 0;
  #creating = 0;
  /** Of #creating: the ones started by #fill for the line or for min, not by an acquirer. */
  #background = 0;
  #lastCreateError: unknown;
  #evictionTimer: NodeJS.Timeout | undefined;

  #closed = false;
  readonly #destroying = new Set<Promise<void>>();
  #drained: Promise<void> | undefined;
  #resolveDrained: (() => void) | undefined;

  constructor(factory: Factory<T>, options: PoolOptions<T>) {
    if (typeof factory !== 'object' || factory === null) throw new TypeError('createPool: factory must be an object with create() and destroy()');
    for (const fn of ['create', 'destroy'] as const) {
      if (typeof factory[fn] !== 'function') throw new TypeError(`createPool: factory.${fn} must be a function`);
    }
    if (factory.validate !== undefined && typeof factory.validate !== 'function') {
      throw new TypeError('createPool: factory.validate must be a function when given');
    }
    if (typeof options !== 'object' || options === null) throw new TypeError('createPool: options must be an object with at least max');
    const { min = 0, max, acquireTimeoutMs = 30_000, idleTimeoutMs = 600_000, leakTimeoutMs, onLeak, onError } = options;
    if (!Number.isSafeInteger(max) || max < 1) throw new RangeError(`createPool: max must be an integer >= 1, got ${max}`);
    if (!Number.isSafeInteger(min) || min < 0 || min > max) throw new RangeError(`createPool: min must be an integer from 0 to max (${max}), got ${min}`);
    checkDuration('acquireTimeoutMs', acquireTimeoutMs, true);
    checkDuration('idleTimeoutMs', idleTimeoutMs, true);
    if (leakTimeoutMs !== undefined) checkDuration('leakTimeoutMs', leakTimeoutMs, false);
    if (onLeak !== undefined && typeof onLeak !== 'function') throw new TypeError('createPool: onLeak must be a function');
    if (onError !== undefined && typeof onError !== 'function') throw new TypeError('createPool: onError must be a function');

    this.#factory = factory;
    this.#min = min;
    this.#max = max;
    this.#acquireTimeoutMs = acquireTimeoutMs;
    this.#idleTimeoutMs = idleTimeoutMs;
    this.#leakTimeoutMs = leakTimeoutMs;
    this.#onLeak = onLeak ?? defaultOnLeak;
    this.#onError = onError ?? (() => {});
    // Idle resources never outnumber open ones, and open ones never outnumber max: offer() into
    // this queue always finds room.
    this.#idle = new BoundedBlockingQueue<T>(max);
    this.#fill();
  }

  get closed(): boolean {
    return this.#closed;
  }

  stats(): PoolStats {
    return {
      open: this.#open,
      idle: this.#idle.size,
      borrowed: this.#borrowed.size,
      creating: this.#creating,
      waiting: this.#idle.waitingTakers,
      min: this.#min,
      max: this.#max,
    };
  }

  /**
   * Lends a resource: an idle one (validated first), else a new one if there is room under max,
   * else the next one released, in the order the acquires arrived.
   */
  async acquire(): Promise<T> {
    if (this.#closed) throw new PoolClosedError();
    const stack = this.#leakTimeoutMs === undefined ? '' : (new Error('acquired here').stack ?? '');
    const deadline = new Deadline(this.#acquireTimeoutMs, () => new AcquireTimeoutError(this.#acquireTimeoutMs, { cause: this.#lastCreateError }));
    try {
      for (;;) {
        if (this.#closed) throw new PoolClosedError();
        let resource: T;
        let fresh = false;
        const shelved = this.#idle.poll();
        if (shelved !== undefined) {
          this.#idleSince.delete(shelved);
          resource = shelved;
        } else if (this.#open + this.#creating < this.#max) {
          resource = await this.#createFor(deadline);
          fresh = true;
        } else {
          resource = await this.#waitInLine(deadline);
        }
        // A resource that sat idle may have died meanwhile (server restarted, connection killed,
        // firewall dropped it): check before lending. One just created is fresh enough.
        const ok = fresh || (await this.#isValid(resource, deadline));
        if (!ok) {
          // Destroy it and go round again: the slot it held is free, so this acquirer (not one
          // behind it in line) creates the replacement unless another idle resource is there.
          this.#retire(resource, false);
          continue;
        }
        if (this.#closed) {
          this.#retire(resource, false);
          throw new PoolClosedError();
        }
        this.#lend(resource, stack);
        return resource;
      }
    } finally {
      deadline.clear();
    }
  }

  /** Gives a borrowed resource back: to the oldest waiting acquirer, else to the idle shelf. */
  release(resource: T): void {
    const lease = this.#borrowed.get(resource);
    if (lease === undefined) throw new NotFromPoolError('release');
    this.#borrowed.delete(resource);
    clearTimeout(lease.leakTimer);
    this.#giveBack(resource);
  }

  /**
   * Destroys a borrowed resource instead of releasing it (the caller saw it break), and creates
   * a replacement if acquirers are waiting or the pool fell below min.
   */
  destroy(resource: T): Promise<void> {
    const lease = this.#borrowed.get(resource);
    if (lease === undefined) return Promise.reject(new NotFromPoolError('destroy'));
    this.#borrowed.delete(resource);
    clearTimeout(lease.leakTimer);
    return this.#retire(resource, true);
  }

  /** acquire, run fn, release (even when fn throws). */
  async use<R>(fn: (resource: T) => R | Promise<R>): Promise<R> {
    const resource = await this.acquire();
    try {
      return await fn(resource);
    } finally {
      // fn may have destroyed it through pool.destroy().
      if (this.#borrowed.has(resource)) this.release(resource);
    }
  }

  /**
   * Closes the pool: acquires waiting and to come reject with PoolClosedError, idle resources are
   * destroyed now, borrowed ones as they are released. Resolves once every resource is destroyed
   * (so it waits for leaked ones forever: destroy them). Idempotent.
   */
  drain(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      clearTimeout(this.#evictionTimer);
      this.#evictionTimer = undefined;
      this.#drained = new Promise<void>((resolve) => (this.#resolveDrained = resolve));
      this.#idle.close(); // waiting acquirers reject with ClosedError, mapped to PoolClosedError
      for (let r = this.#idle.poll(); r !== undefined; r = this.#idle.poll()) this.#retire(r, false);
      this.#checkDrained();
    }
    return this.#drained!;
  }

  // ---------------------------------------------------------------------------------------------

  /** Waits for the next resource handed to the line, for at most what is left of the deadline. */
  async #waitInLine(deadline: Deadline): Promise<T> {
    try {
      // The signal, not a race against a timer: on timeout the queue must drop this taker, or
      // the next release would go to a caller who is no longer there.
      return await this.#idle.take({ signal: deadline.signal });
    } catch (err) {
      if (err instanceof ClosedError) throw new PoolClosedError();
      throw err;
    }
  }

  /** Creates a resource for this acquirer; one that arrives after the deadline is shelved. */
  #createFor(deadline: Deadline): Promise<T> {
    const created = this.#spawn();
    created.catch(() => this.#fill()); // its slot is free again: waiters behind may need it
    return deadline.race(created, (late) => this.#giveBack(late));
  }

  /** Calls factory.create() in a slot reserved before the call. */
  #spawn(): Promise<T> {
    this.#creating++;
    let created: Promise<T>;
    try {
      created = Promise.resolve(this.#factory.create());
    } catch (err) {
      created = Promise.reject(err);
    }
    return created.then(
      (resource) => {
        this.#creating--;
        this.#open++;
        if (resource === undefined || resource === null) {
          this.#open--;
          this.#checkDrained();
          throw new TypeError('factory.create() resolved to undefined or null: a pool needs a value it can tell apart');
        }
        return resource;
      },
      (err: unknown) => {
        this.#creating--;
        this.#lastCreateError = err;
        this.#checkDrained();
        throw err;
      },
    );
  }

  /**
   * Keeps the pool at min and makes sure every acquirer waiting in line has a creation in flight
   * for it when there is room (after a resource was destroyed, or a create failed).
   */
  #fill(): void {
    if (this.#closed) return;
    while (
      this.#open + this.#creating < this.#max &&
      (this.#open + this.#creating < this.#min || this.#idle.waitingTakers > this.#background)
    ) {
      this.#background++;
      this.#spawn().then(
        (resource) => {
          this.#background--;
          this.#giveBack(resource);
        },
        (err: unknown) => {
          // No retry here: with the server down that would spin. Waiters time out with this
          // error as the cause; the next destroy or acquire tries again.
          this.#background--;
          this.#onError(err);
        },
      );
    }
  }

  async #isValid(resource: T, deadline: Deadline): Promise<boolean> {
    const validate = this.#factory.validate;
    if (!validate) return true;
    let check: Promise<boolean>;
    try {
      check = Promise.resolve(validate.call(this.#factory, resource)).then(
        (ok) => ok === true,
        () => false,
      );
    } catch {
      return false;
    }
    // A validation that outlives the deadline still decides the resource's fate when it ends.
    return deadline.race(check, (ok) => (ok ? this.#giveBack(resource) : void this.#retire(resource, true)));
  }

  #lend(resource: T, stack: string): void {
    const lease: Lease = { acquiredAt: Date.now() };
    if (this.#leakTimeoutMs !== undefined && this.#leakTimeoutMs <= MAX_TIMER_MS) {
      lease.leakTimer = setTimeout(() => {
        try {
          this.#onLeak({ resource, acquiredAt: lease.acquiredAt, heldMs: Date.now() - lease.acquiredAt, stack });
        } catch (err) {
          this.#onError(err);
        }
      }, this.#leakTimeoutMs);
      lease.leakTimer.unref();
    }
    this.#borrowed.set(resource, lease);
  }

  /** Back to the queue (the oldest waiter gets it, else the shelf), or destroyed once closed. */
  #giveBack(resource: T): void {
    if (this.#closed) {
      void this.#retire(resource, false);
      return;
    }
    // With acquirers in line, offer() hands the resource to the oldest of them: it is not idle.
    const shelved = this.#idle.waitingTakers === 0;
    if (!this.#idle.offer(resource)) throw new Error('connection-pool: idle queue full, accounting is broken');
    if (shelved) {
      this.#idleSince.set(resource, Date.now());
      this.#armEviction();
    }
  }

  /** Forgets the resource and destroys it; `refill` creates a replacement if one is needed. */
  #retire(resource: T, refill: boolean): Promise<void> {
    this.#open--;
    this.#idleSince.delete(resource);
    // destroy() is called before anything else can happen, so the slot this frees is reused
    // only after the resource was handed over to be closed.
    let closing: Promise<void>;
    try {
      closing = Promise.resolve(this.#factory.destroy(resource));
    } catch (err) {
      closing = Promise.reject(err);
    }
    const done: Promise<void> = closing
      .catch((err: unknown) => this.#onError(err))
      .finally(() => {
        this.#destroying.delete(done);
        this.#checkDrained();
      });
    this.#destroying.add(done);
    if (refill) this.#fill();
    return done;
  }

  /** One timer for the whole shelf, due when the longest-idle resource reaches idleTimeoutMs. */
  #armEviction(): void {
    if (this.#evictionTimer !== undefined || this.#closed || this.#idleTimeoutMs > MAX_TIMER_MS) return;
    if (this.#open <= this.#min) return;
    let oldest = Infinity;
    for (const t of this.#idleSince.values()) oldest = Math.min(oldest, t);
    if (oldest === Infinity) return;
    const due = Math.max(0, oldest + this.#idleTimeoutMs - Date.now());
    this.#evictionTimer = setTimeout(() => {
      this.#evictionTimer = undefined;
      this.#evict();
      this.#armEviction();
    }, due);
    this.#evictionTimer.unref();
  }

  /** Destroys resources idle for idleTimeoutMs or more, oldest first, never going below min. */
  #evict(): void {
    const now = Date.now();
    const keep: T[] = [];
    // Only the queue can remove an item, and only from the front: take everything off the shelf
    // and put back what stays, in the same order. All synchronous, so nobody sees it half done.
    // (Nobody waits in line while resources sit on the shelf, so offer() only ever shelves.)
    for (let r = this.#idle.poll(); r !== undefined; r = this.#idle.poll()) {
      const expired = now - (this.#idleSince.get(r) ?? now) >= this.#idleTimeoutMs;
      if (expired && this.#open > this.#min) this.#retire(r, false);
      else keep.push(r);
    }
    for (const r of keep) this.#idle.offer(r);
  }

  #checkDrained(): void {
    if (this.#closed && this.#open === 0 && this.#creating === 0 && this.#destroying.size === 0) this.#resolveDrained?.();
  }
}

/**
 * An acquire's time limit: a signal for the queue, and a race for create and validate. Armed
 * lazily: an acquire served straight from the shelf never pays for a timer or an AbortController.
 */
class Deadline {
  readonly #ms: number;
  readonly #start = Date.now();
  readonly #makeError: () => Error;
  #controller: AbortController | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(ms: number, makeError: () => Error) {
    this.#ms = ms;
    this.#makeError = makeError;
  }

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      const controller = (this.#controller = new AbortController());
      if (this.#ms <= MAX_TIMER_MS) {
        const left = this.#start + this.#ms - Date.now();
        if (left <= 0) controller.abort(this.#makeError());
        else this.#timer = setTimeout(() => controller.abort(this.#makeError()), left);
      }
    }
    return this.#controller.signal;
  }

  /**
   * Settles like `work`, unless the deadline passes first: then it rejects with the timeout, and
   * when `work` does produce a value, `onLate` gets it, so nothing that was created or checked
   * out for a caller who left is lost.
   */
  race<R>(work: Promise<R>, onLate: (value: R) => void): Promise<R> {
    const signal = this.signal;
    return new Promise<R>((resolve, reject) => {
      let late = false;
      const onAbort = () => {
        late = true;
        reject(signal.reason);
      };
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
      work.then(
        (value) => {
          signal.removeEventListener('abort', onAbort);
          if (late) onLate(value);
          else resolve(value);
        },
        (err: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(err); // a no-op when the deadline already rejected
        },
      );
    });
  }

  clear(): void {
    clearTimeout(this.#timer);
  }
}

function checkDuration(name: string, ms: unknown, allowInfinity: boolean): void {
  if (typeof ms !== 'number' || Number.isNaN(ms) || ms <= 0 || (!allowInfinity && !Number.isFinite(ms))) {
    throw new RangeError(`createPool: ${name} must be a number > 0${allowInfinity ? ' (Infinity: never)' : ''}, got ${String(ms)}`);
  }
}

function defaultOnLeak(info: LeakInfo<unknown>): void {
  process.emitWarning(`a pooled resource has been borrowed for ${info.heldMs} ms without release\n${info.stack}`, 'PoolLeakWarning');
}

/** A pool of resources made by `factory`; see Pool. */
export function createPool<T>(factory: Factory<T>, options: PoolOptions<T>): Pool<T> {
  return new Pool(factory, options);
}
