/**
 * A bounded FIFO over a fixed array: `head` is the oldest slot, `length` how many follow it, and
 * indices wrap around the end of the array. No element ever moves, so push and shift are O(1)
 * (unlike Array.prototype.shift, which moves every remaining element).
 */

export class RingBuffer<T> implements Iterable<T> {
  readonly #slots: Array<T | undefined>;
  readonly #capacity: number;
  /** Index of the oldest item. */
  #head = 0;
  #length = 0;

  constructor(capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) {
      throw new RangeError(`RingBuffer: capacity must be a positive integer, got ${capacity}`);
    }
    this.#capacity = capacity;
    // Allocated once, at its full size: the buffer never grows.
    this.#slots = new Array<T | undefined>(capacity).fill(undefined);
  }

  get capacity(): number {
    return this.#capacity;
  }

  get length(): number {
    return this.#length;
  }

  /** Appends at the tail; returns false (and changes nothing) when full. */
  push(item: T): boolean {
    if (this.#length === this.#capacity) return false;
    // The tail is `length` slots after the head, wrapped. A compare is cheaper than `%`.
    let tail = this.#head + this.#length;
    if (tail >= this.#capacity) tail -= this.#capacity;
    this.#slots[tail] = item;
    this.#length++;
    return true;
  }

  /** Removes and returns the oldest item, or undefined when empty. */
  shift(): T | undefined {
    if (this.#length === 0) return undefined;
    const item = this.#slots[this.#head];
    // Drop the reference: a slot that still points at a shifted item keeps it from the GC.
    this.#slots[this.#head] = undefined;
    this.#head = this.#head + 1 === this.#capacity ? 0 : this.#head + 1;
    this.#length--;
    return item;
  }

  /** The oldest item without removing it, or undefined when empty. */
  peek(): T | undefined {
    return this.#length === 0 ? undefined : this.#slots[this.#head];
  }

  /** Oldest to newest. */
  *[Symbol.iterator](): Iterator<T> {
    for (let i = 0; i < this.#length; i++) {
      yield this.#slots[(this.#head + i) % this.#capacity] as T;
    }
  }
}
