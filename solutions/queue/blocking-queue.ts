/**
 * An async bounded blocking queue: put waits while the queue is full, take waits while it is
 * empty, both with an optional timeout and AbortSignal. Waiters are served first come, first
 * served, and a waiter that gives up (timeout or abort) leaves the line without a trace.
 *
 * Invariants (checked by nothing but kept by every method):
 *   - takers wait only while the queue is empty, putters only while it is full;
 *   - a waiter is in its line exactly until it is settled, whoever settles it.
 */
import { ClosedError, TimeoutError } from './errors.ts';
import { RingBuffer } from './ring-buffer.ts';

export interface WaitOptions {
  /** Give up after this many ms (TimeoutError). 0: only if it can be done now. Default: forever. */
  timeoutMs?: number;
  /** Give up when this signal aborts (rejects with `signal.reason`). */
  signal?: AbortSignal;
}

/** setTimeout cannot wait longer (2^31 - 1 ms, ~24.8 days): a larger delay fires after 1 ms. */
const MAX_TIMER_MS = 2 ** 31 - 1;

interface Waiter<T> {
  /** The putter's item (unused for takers). */
  item: T;
  resolve(value: T): void;
  reject(err: unknown): void;
}

/** The first waiter in line: a Set iterates in insertion order and deletes in O(1). */
function first<W>(line: Set<W>): W | undefined {
  return line.values().next().value;
}

export class BoundedBlockingQueue<T> implements AsyncIterable<T> {
  readonly #items: RingBuffer<T>;
  readonly #takers = new Set<Waiter<T>>();
  readonly #putters = new Set<Waiter<T>>();
  #closed = false;

  constructor(capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) {
      throw new RangeError(`BoundedBlockingQueue: capacity must be a positive integer, got ${capacity}`);
    }
    this.#items = new RingBuffer<T>(capacity);
  }

  get capacity(): number {
    return this.#items.capacity;
  }

  /** Items in the queue (not counting the items of waiting putters). */
  get size(): number {
    return this.#items.length;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Takers waiting for an item. */
  get waitingTakers(): number {
    return this.#takers.size;
  }

  /** Putters waiting for room. */
  get waitingPutters(): number {
    return this.#putters.size;
  }

  /** Adds the item now if it can: hands it to the first waiting taker, else queues it. */
  offer(item: T): boolean {
    if (this.#closed) throw new ClosedError('offer');
    // A waiting taker means the queue is empty: the item goes straight to the oldest taker.
    const taker = first(this.#takers);
    if (taker) {
      this.#takers.delete(taker);
      taker.resolve(item);
      return true;
    }
    return this.#items.push(item);
  }

  /** Removes the oldest item now if there is one. */
  poll(): T | undefined {
    if (this.#items.length === 0) return undefined;
    const item = this.#items.shift() as T;
    // A slot is free: the oldest waiting putter's item takes it, behind everything queued.
    const putter = first(this.#putters);
    if (putter) {
      this.#putters.delete(putter);
      this.#items.push(putter.item);
      putter.resolve(putter.item);
    }
    return item;
  }

  async put(item: T, opts: WaitOptions = {}): Promise<void> {
    checkTimeout(opts.timeoutMs);
    // An aborted signal wins over everything, even room in the queue: the caller gave up.
    opts.signal?.throwIfAborted();
    if (this.#closed) throw new ClosedError('put');
    if (this.offer(item)) return;
    await this.#wait(this.#putters, item, 'put', opts);
  }

  async take(opts: WaitOptions = {}): Promise<T> {
    checkTimeout(opts.timeoutMs);
    opts.signal?.throwIfAborted();
    // Items queued before close are still delivered; only an empty closed queue refuses.
    if (this.#items.length > 0) return this.poll() as T;
    if (this.#closed) throw new ClosedError('take');
    return this.#wait(this.#takers, undefined as T, 'take', opts);
  }

  /**
   * Closes the queue: puts and offers fail from now on, waiting putters are rejected (their items
   * are NOT added), queued items stay for takers, and once they are gone takers are rejected.
   * Waiting takers imply an empty queue, so they are rejected now. Idempotent.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const line of [this.#takers, this.#putters]) {
      const waiters = [...line];
      line.clear();
      for (const w of waiters) w.reject(new ClosedError(line === this.#takers ? 'take' : 'put'));
    }
  }

  /** Takes items until the queue is closed and empty. */
  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    for (;;) {
      let item: T;
      try {
        item = await this.take();
      } catch (err) {
        if (err instanceof ClosedError) return;
        throw err;
      }
      yield item;
    }
  }

  /** Joins `line` and waits to be served, timed out, aborted or rejected by close. */
  #wait(line: Set<Waiter<T>>, item: T, operation: 'put' | 'take', { timeoutMs, signal }: WaitOptions): Promise<T> {
    if (timeoutMs === 0) return Promise.reject(new TimeoutError(operation, 0));
    return new Promise<T>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const onAbort = () => {
        line.delete(waiter);
        cleanup();
        reject(signal!.reason);
      };
      // Whoever settles the waiter, the timer and the abort listener must go: a pending timer
      // keeps the process alive, and listeners pile up on a long-lived signal.
      const cleanup = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const waiter: Waiter<T> = {
        item,
        resolve: (value) => {
          cleanup();
          resolve(value);
        },
        reject: (err) => {
          cleanup();
          reject(err);
        },
      };
      // Beyond setTimeout's range, waiting "only" 24.8 days is as good as forever.
      if (timeoutMs !== undefined && timeoutMs <= MAX_TIMER_MS) {
        timer = setTimeout(() => {
          // Leave the line first: a putter left behind would add its item later, a taker
          // left behind would swallow the next item.
          line.delete(waiter);
          waiter.reject(new TimeoutError(operation, timeoutMs));
        }, timeoutMs);
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      line.add(waiter);
    });
  }
}

function checkTimeout(timeoutMs: number | undefined): void {
  if (timeoutMs === undefined) return;
  if (typeof timeoutMs !== 'number' || Number.isNaN(timeoutMs) || timeoutMs < 0) {
    throw new RangeError(`timeoutMs must be a number >= 0 (Infinity to wait forever), got ${timeoutMs}`);
  }
}
