/**
 * Stage 4: a bounded multi-producer multi-consumer queue of int32 values in a SharedArrayBuffer,
 * shared by worker threads. See README.md, stage 4: it describes the algorithm (Vyukov's bounded
 * MPMC queue) and how to sleep and wake with Atomics.wait / Atomics.notify.
 */
import { todo } from '../not-implemented.ts';

export class SharedQueue {
  // TODO: all the state lives in the SharedArrayBuffer, viewed as an Int32Array, so every thread
  // that attaches sees the same queue. A handle keeps only the view and values derived from the
  // header (the capacity, its mask). A layout that works (int32 indices):
  //   0        capacity
  //   16       tail: the next position to push  (own 64-byte cache line)
  //   32       head: the next position to pop   (own cache line)
  //   48, 49   items epoch, sleeping consumers  (for Atomics.wait / notify)
  //   64, 65   space epoch, sleeping producers
  //   80...    cells: [seq, value] pairs, cell i's seq starting at i
  // Every read or write of shared state that another thread may race with goes through Atomics.

  private constructor(buffer: SharedArrayBuffer) {
    return todo('queue', 'SharedQueue constructor');
  }

  /**
   * A new, empty queue in a new SharedArrayBuffer. Throws RangeError unless capacity is a power
   * of two from 2 to 2^24.
   */
  static create(capacity: number): SharedQueue {
    return todo('queue', 'SharedQueue.create');
  }

  /**
   * A handle on the queue that `create` made in `buffer`, e.g. in a worker that received the
   * buffer. Throws TypeError if it is not a SharedArrayBuffer, RangeError if the buffer does not
   * hold a queue (too small, or its header does not describe it).
   */
  static attach(buffer: SharedArrayBuffer): SharedQueue {
    return todo('queue', 'SharedQueue.attach');
  }

  /** The SharedArrayBuffer to hand to other threads (postMessage, workerData). */
  get buffer(): SharedArrayBuffer {
    return todo('queue', 'SharedQueue.buffer');
  }

  get capacity(): number {
    return todo('queue', 'SharedQueue.capacity');
  }

  /** Values in the queue: exact while no other thread pushes or pops, a snapshot otherwise. */
  get size(): number {
    return todo('queue', 'SharedQueue.size');
  }

  /** Pushes `value` if there is room now and returns true; false when full. Never blocks. */
  tryPush(value: number): boolean {
    // TODO: RangeError unless value is an int32. Then Vyukov's enqueue: read tail, look at the
    // cell's seq, claim the position with Atomics.compareExchange, write the value, publish with
    // Atomics.store(seq = pos + 1), and wake a sleeping consumer if there is one.
    return todo('queue', 'SharedQueue.tryPush');
  }

  /** Pops the oldest value if there is one now; undefined when empty. Never blocks. */
  tryPop(): number | undefined {
    return todo('queue', 'SharedQueue.tryPop');
  }

  /**
   * Pushes `value`, sleeping (Atomics.wait) while the queue is full. Returns false if it is still
   * full after `timeoutMs` (default: wait forever). RangeError for a bad value or timeoutMs.
   */
  push(value: number, timeoutMs?: number): boolean {
    return todo('queue', 'SharedQueue.push');
  }

  /**
   * Pops the oldest value, sleeping while the queue is empty. Returns undefined if it is still
   * empty after `timeoutMs` (default: wait forever). RangeError for a bad timeoutMs.
   */
  pop(timeoutMs?: number): number | undefined {
    return todo('queue', 'SharedQueue.pop');
  }
}
