/**
 * Stage 3: an async bounded blocking queue, the way producers and consumers hand work to each
 * other with back-pressure. See README.md, stage 3 (it spells out every rule the spec checks).
 */
import { todo } from '../not-implemented.ts';
import { ClosedError, TimeoutError } from './errors.ts';
import { RingBuffer } from './ring-buffer.ts';

export interface WaitOptions {
  /**
   * Give up after this many milliseconds: reject with TimeoutError. 0 means "only if it can be
   * done right now". Infinity or absent: wait as long as it takes. Negative or NaN: RangeError.
   */
  timeoutMs?: number;
  /** Give up when this signal aborts: reject with `signal.reason`. */
  signal?: AbortSignal;
}

export class BoundedBlockingQueue<T> implements AsyncIterable<T> {
  // TODO: the state is
  //   - items:   a RingBuffer<T>(capacity), your own from stage 1;
  //   - takers:  the line of takers waiting for an item  (only ever non-empty while items is empty);
  //   - putters: the line of putters waiting for room, each with its item (only while items is full);
  //   - closed.
  // A waiter is { resolve, reject } of its promise (plus the item, for a putter). The lines must
  // serve first come, first served AND let a waiter leave from the middle when it times out or is
  // aborted. A Set does both: it iterates in insertion order and deletes in O(1).

  /** Throws RangeError unless capacity is a positive integer. */
  constructor(capacity: number) {
    return todo('queue', 'BoundedBlockingQueue constructor');
  }

  get capacity(): number {
    return todo('queue', 'BoundedBlockingQueue.capacity');
  }

  /** Items in the queue now (items of waiting putters are not in it yet). */
  get size(): number {
    return todo('queue', 'BoundedBlockingQueue.size');
  }

  get closed(): boolean {
    return todo('queue', 'BoundedBlockingQueue.closed');
  }

  /** How many takes are waiting for an item. */
  get waitingTakers(): number {
    return todo('queue', 'BoundedBlockingQueue.waitingTakers');
  }

  /** How many puts are waiting for room. */
  get waitingPutters(): number {
    return todo('queue', 'BoundedBlockingQueue.waitingPutters');
  }

  /**
   * Adds `item` now if it can and returns true: straight to the oldest waiting taker if there is
   * one, else into the queue. Returns false when full. Throws ClosedError once closed.
   */
  offer(item: T): boolean {
    return todo('queue', 'BoundedBlockingQueue.offer');
  }

  /**
   * Removes and returns the oldest item now, or undefined when empty. Taking an item frees a
   * slot: the oldest waiting putter's item moves into the queue and that put resolves.
   */
  poll(): T | undefined {
    return todo('queue', 'BoundedBlockingQueue.poll');
  }

  /**
   * Adds `item`, waiting while the queue is full. Never throws: every failure is a rejection.
   * Rejects with RangeError for a bad timeoutMs, `signal.reason` if the signal is (or gets)
   * aborted, ClosedError if the queue is (or gets) closed, TimeoutError after timeoutMs. A put
   * that fails never adds its item.
   */
  put(item: T, opts?: WaitOptions): Promise<void> {
    // TODO: validate; aborted already? closed? offer()? Otherwise join the putters and wait.
    return todo('queue', 'BoundedBlockingQueue.put');
  }

  /**
   * Removes and returns the oldest item, waiting while the queue is empty. Items queued before
   * close() are still delivered; an empty closed queue rejects with ClosedError. Otherwise
   * rejects like put. A take that fails never takes an item.
   */
  take(opts?: WaitOptions): Promise<T> {
    // TODO: validate; aborted already? an item? closed? Otherwise join the takers and wait.
    // Whoever settles a waiter (an offer, a poll, the timer, the signal, close) must also clear
    // its timer, remove its abort listener, and make sure it has left its line.
    return todo('queue', 'BoundedBlockingQueue.take');
  }

  /**
   * Closes the queue, once (a second call does nothing): put and offer fail from now on, waiting
   * putters reject with ClosedError and their items are dropped, waiting takers reject with
   * ClosedError, queued items stay for take and poll.
   */
  close(): void {
    return todo('queue', 'BoundedBlockingQueue.close');
  }

  /** `for await (const item of queue)`: takes items until the queue is closed and empty. */
  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    // TODO: loop on take(); a ClosedError ends the loop, any other error is thrown.
    return todo('queue', 'BoundedBlockingQueue[Symbol.asyncIterator]');
  }
}
