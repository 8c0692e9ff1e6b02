/**
 * Stage 1: a bounded FIFO over a fixed array (a "circular buffer"). See README.md, stage 1.
 */
import { todo } from '../not-implemented.ts';

export class RingBuffer<T> implements Iterable<T> {
  // TODO: the whole state is
  //   - slots:  an array of `capacity` slots, allocated once and never grown;
  //   - head:   the index of the oldest item;
  //   - length: how many items follow from head (wrapping past the end of the array).
  // The tail (where the next push goes) is not stored: it is head + length, wrapped.
  // Nothing ever moves: push writes one slot, shift reads one and advances head.

  /** An empty buffer of `capacity` slots. Throws RangeError unless capacity is a positive integer. */
  constructor(capacity: number) {
    return todo('queue', 'RingBuffer constructor');
  }

  /** How many items it can hold. */
  get capacity(): number {
    return todo('queue', 'RingBuffer.capacity');
  }

  /** How many items it holds now. */
  get length(): number {
    return todo('queue', 'RingBuffer.length');
  }

  /**
   * Appends `item` after the newest one and returns true, or returns false and changes nothing
   * when the buffer is full. Never overwrites.
   */
  push(item: T): boolean {
    // TODO: full? Otherwise write at (head + length) wrapped around capacity, then length++.
    // Wrapping: index >= capacity means index - capacity. Check the boundary with capacity 1 and 3.
    return todo('queue', 'RingBuffer.push');
  }

  /** Removes and returns the oldest item, or undefined when empty. */
  shift(): T | undefined {
    // TODO: read slots[head], then clear that slot (a slot still pointing at a shifted item keeps
    // it alive: a memory leak in a long-lived buffer), advance head with wrap-around, length--.
    return todo('queue', 'RingBuffer.shift');
  }

  /** The oldest item without removing it, or undefined when empty. */
  peek(): T | undefined {
    return todo('queue', 'RingBuffer.peek');
  }

  /** Yields the items from oldest to newest, without removing them. */
  *[Symbol.iterator](): Iterator<T> {
    // TODO: the i-th oldest item lives at (head + i) wrapped, for i from 0 to length - 1.
    return todo('queue', 'RingBuffer[Symbol.iterator]');
  }
}
