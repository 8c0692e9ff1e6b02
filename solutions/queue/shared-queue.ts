/**
 * A bounded multi-producer multi-consumer queue of int32 values in a SharedArrayBuffer, usable
 * from any number of threads at once: Dmitry Vyukov's bounded MPMC queue, plus Atomics.wait /
 * Atomics.notify so the blocking push and pop sleep instead of spinning.
 *
 * Each cell holds a sequence number beside its value. For the cell of position `pos` (cell
 * `pos & mask`):
 *   seq === pos             the cell is free for the producer of `pos`
 *   seq === pos + 1         it holds the value of `pos`, ready for the consumer of `pos`
 *   seq === pos + capacity  free again, for the producer one lap later
 * Producers claim positions by compare-and-swap on `tail`, consumers on `head`. Whoever wins a
 * position owns its cell until it writes the next sequence number, which publishes the cell to
 * the other side. Positions are int32 that wrap around; with a power-of-two capacity,
 * `pos & mask` stays right across the wrap, and `(a - b) | 0` compares positions.
 */

// Layout, in int32 slots. The hot counters sit 64 bytes apart so producers (tail) and consumers
// (head) do not bounce one cache line between cores ("false sharing").
const CAPACITY = 0;
const TAIL = 16;
const HEAD = 32;
/** Bumped by a push that finds consumers waiting; they sleep on it. */
const ITEMS_EPOCH = 48;
/** Consumers inside a blocking pop: producers call Atomics.notify only when there are any. */
const ITEMS_WAITERS = 49;
/** Bumped by a pop that finds producers waiting; they sleep on it. */
const SPACE_EPOCH = 64;
const SPACE_WAITERS = 65;
/** Cells start here: [seq, value] pairs. */
const CELLS = 80;

const MAX_CAPACITY = 2 ** 24;

/**
 * How many times the blocking push and pop retry before they go to sleep. Sleeping and waking
 * are system calls and context switches, tens of microseconds; the other side usually frees a
 * slot or publishes an item sooner than that.
 */
const SPINS = 100;

function byteLengthFor(capacity: number): number {
  return (CELLS + 2 * capacity) * Int32Array.BYTES_PER_ELEMENT;
}

function isPowerOfTwo(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 2 && n <= MAX_CAPACITY && (n & (n - 1)) === 0;
}

function checkValue(value: number): void {
  if (!Number.isInteger(value) || value < -(2 ** 31) || value > 2 ** 31 - 1) {
    throw new RangeError(`SharedQueue: values are int32, got ${value}`);
  }
}

function checkTimeout(timeoutMs: number): void {
  if (typeof timeoutMs !== 'number' || Number.isNaN(timeoutMs) || timeoutMs < 0) {
    throw new RangeError(`SharedQueue: timeoutMs must be a number >= 0, got ${timeoutMs}`);
  }
}

export class SharedQueue {
  readonly #buffer: SharedArrayBuffer;
  readonly #a: Int32Array;
  readonly #mask: number;

  private constructor(buffer: SharedArrayBuffer, capacity: number) {
    this.#buffer = buffer;
    this.#a = new Int32Array(buffer);
    this.#mask = capacity - 1;
  }

  /** A new, empty queue in a new SharedArrayBuffer. Capacity: a power of two from 2 to 2^24. */
  static create(capacity: number): SharedQueue {
    if (!isPowerOfTwo(capacity)) {
      throw new RangeError(`SharedQueue: capacity must be a power of two from 2 to ${MAX_CAPACITY}, got ${capacity}`);
    }
    const buffer = new SharedArrayBuffer(byteLengthFor(capacity));
    const a = new Int32Array(buffer);
    a[CAPACITY] = capacity;
    // Cell i starts free for the producer of position i.
    for (let i = 0; i < capacity; i++) a[CELLS + 2 * i] = i;
    // Nobody else can see the buffer yet, so plain stores are enough; postMessage of the buffer
    // to another thread happens after them.
    return new SharedQueue(buffer, capacity);
  }

  /** Another handle on the queue in `buffer` (made by create), e.g. in a worker thread. */
  static attach(buffer: SharedArrayBuffer): SharedQueue {
    if (!(buffer instanceof SharedArrayBuffer)) throw new TypeError('SharedQueue.attach: expected a SharedArrayBuffer');
    if (buffer.byteLength < byteLengthFor(0)) throw new RangeError('SharedQueue.attach: the buffer is too small to hold a queue');
    const capacity = Atomics.load(new Int32Array(buffer), CAPACITY);
    if (!isPowerOfTwo(capacity) || buffer.byteLength !== byteLengthFor(capacity)) {
      throw new RangeError('SharedQueue.attach: the buffer does not hold a queue made by SharedQueue.create');
    }
    return new SharedQueue(buffer, capacity);
  }

  get buffer(): SharedArrayBuffer {
    return this.#buffer;
  }

  get capacity(): number {
    return this.#mask + 1;
  }

  /** Items in the queue: exact when no other thread is pushing or popping, a snapshot otherwise. */
  get size(): number {
    const n = (Atomics.load(this.#a, TAIL) - Atomics.load(this.#a, HEAD)) | 0;
    return Math.min(Math.max(n, 0), this.capacity);
  }

  /** Pushes if there is room now; false when full. Never blocks. */
  tryPush(value: number): boolean {
    checkValue(value);
    const a = this.#a;
    let pos = Atomics.load(a, TAIL);
    for (;;) {
      const cell = CELLS + 2 * (pos & this.#mask);
      const seq = Atomics.load(a, cell);
      const dif = (seq - pos) | 0;
      if (dif === 0) {
        // The cell is free for `pos`: claim the position. Only one producer's CAS succeeds.
        const seen = Atomics.compareExchange(a, TAIL, pos, (pos + 1) | 0);
        if (seen === pos) {
          // The cell is ours until we publish it. A plain store is enough for the value: the
          // atomic store of seq after it is what a consumer synchronises with.
          a[cell + 1] = value;
          Atomics.store(a, cell, (pos + 1) | 0);
          this.#wakeConsumer();
          return true;
        }
        pos = seen; // another producer won; try the position after it
      } else if (dif < 0) {
        // The cell still holds the value from one lap ago (or its consumer is mid-pop): full.
        return false;
      } else {
        pos = Atomics.load(a, TAIL); // we are behind: other producers moved on
      }
    }
  }

  /** Pops the oldest value if there is one now; undefined when empty. Never blocks. */
  tryPop(): number | undefined {
    const a = this.#a;
    let pos = Atomics.load(a, HEAD);
    for (;;) {
      const cell = CELLS + 2 * (pos & this.#mask);
      const seq = Atomics.load(a, cell);
      const dif = (seq - ((pos + 1) | 0)) | 0;
      if (dif === 0) {
        const seen = Atomics.compareExchange(a, HEAD, pos, (pos + 1) | 0);
        if (seen === pos) {
          const value = a[cell + 1]!;
          // Free the cell for the producer one lap later.
          Atomics.store(a, cell, (pos + this.#mask + 1) | 0);
          this.#wakeProducer();
          return value;
        }
        pos = seen;
      } else if (dif < 0) {
        // Not yet published for `pos` (or never pushed): empty.
        return undefined;
      } else {
        pos = Atomics.load(a, HEAD);
      }
    }
  }

  /** Pushes, sleeping while the queue is full; false if still full after `timeoutMs`. */
  push(value: number, timeoutMs = Infinity): boolean {
    checkValue(value);
    checkTimeout(timeoutMs);
    for (let i = 0; i < SPINS; i++) if (this.tryPush(value)) return true;
    return this.#block(SPACE_EPOCH, SPACE_WAITERS, timeoutMs, () => this.tryPush(value)) ?? false;
  }

  /** Pops, sleeping while the queue is empty; undefined if still empty after `timeoutMs`. */
  pop(timeoutMs = Infinity): number | undefined {
    checkTimeout(timeoutMs);
    for (let i = 0; i < SPINS; i++) {
      const value = this.tryPop();
      if (value !== undefined) return value;
    }
    return this.#block(ITEMS_EPOCH, ITEMS_WAITERS, timeoutMs, () => this.tryPop());
  }

  /**
   * Retries `attempt` until it succeeds (returns something other than undefined/false) or the
   * deadline passes, sleeping on `epoch` in between.
   *
   * No lost wake-up. We count ourselves in `waiters` first, then read the epoch, then attempt.
   * The other side publishes its change, then reads `waiters`. Atomics are sequentially
   * consistent, so either it sees us counted, bumps the epoch and notifies (and Atomics.wait,
   * which compares the epoch and goes to sleep atomically, either returns at once or is woken),
   * or it read `waiters` before we counted ourselves, and then our attempt sees its change.
   */
  #block<R>(epoch: number, waiters: number, timeoutMs: number, attempt: () => R): R | undefined {
    const a = this.#a;
    const deadline = performance.now() + timeoutMs;
    Atomics.add(a, waiters, 1);
    try {
      for (;;) {
        const seen = Atomics.load(a, epoch);
        const result = attempt();
        if (result !== undefined && result !== false) return result;
        // Always retry after waking, even past the deadline: a wake-up meant for us must not be
        // wasted by giving up without a last look.
        const left = deadline - performance.now();
        if (left <= 0) return undefined;
        Atomics.wait(a, epoch, seen, left);
      }
    } finally {
      Atomics.sub(a, waiters, 1);
    }
  }

  /**
   * After a push: wakes one sleeping consumer, if any. With nobody registered there is nothing to
   * do, which keeps the common path free of a contended write: a consumer that registers after
   * we looked will find our item on its own attempt (see #block).
   */
  #wakeConsumer(): void {
    const a = this.#a;
    if (Atomics.load(a, ITEMS_WAITERS) > 0) {
      Atomics.add(a, ITEMS_EPOCH, 1);
      // One item, one consumer: waking them all would only make them fight over it.
      Atomics.notify(a, ITEMS_EPOCH, 1);
    }
  }

  /** After a pop: wakes one sleeping producer, if any. */
  #wakeProducer(): void {
    const a = this.#a;
    if (Atomics.load(a, SPACE_WAITERS) > 0) {
      Atomics.add(a, SPACE_EPOCH, 1);
      Atomics.notify(a, SPACE_EPOCH, 1);
    }
  }
}
