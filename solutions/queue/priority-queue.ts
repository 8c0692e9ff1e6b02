/**
 * A binary min-heap in an array: the children of slot i are 2i+1 and 2i+2, its parent (i-1)>>1,
 * and every parent is <= its children, so the least item is always at slot 0.
 *
 * Items that compare equal come out in the order they went in: each entry carries a sequence
 * number that breaks ties. A heap alone is not stable, and schedulers rely on stability (two
 * timers due at the same millisecond must fire in the order they were set).
 */

export type Compare<T> = (a: T, b: T) => number;

interface Entry<T> {
  value: T;
  /** Insertion order, the tie-breaker. */
  seq: number;
}

function naturalOrder<T>(a: T, b: T): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export class PriorityQueue<T> {
  readonly #heap: Array<Entry<T>> = [];
  readonly #compare: Compare<T>;
  #seq = 0;

  constructor(compare: Compare<T> = naturalOrder) {
    if (typeof compare !== 'function') throw new TypeError('PriorityQueue: compare must be a function');
    this.#compare = compare;
  }

  get size(): number {
    return this.#heap.length;
  }

  push(value: T): void {
    const heap = this.#heap;
    heap.push({ value, seq: this.#seq++ });
    this.#siftUp(heap.length - 1);
  }

  /** Removes and returns the least item (the earliest pushed among equals), or undefined. */
  pop(): T | undefined {
    const heap = this.#heap;
    if (heap.length === 0) return undefined;
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      // Move the last leaf to the root and let it sink to its place.
      heap[0] = last;
      this.#siftDown(0);
    }
    return top.value;
  }

  peek(): T | undefined {
    return this.#heap[0]?.value;
  }

  /** Strictly before: by the comparator, then by insertion order. */
  #before(a: Entry<T>, b: Entry<T>): boolean {
    const c = this.#compare(a.value, b.value);
    return c < 0 || (c === 0 && a.seq < b.seq);
  }

  #siftUp(i: number): void {
    const heap = this.#heap;
    const entry = heap[i]!;
    // Move parents down until the entry's place is found, then write it once.
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#before(entry, heap[parent]!)) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = entry;
  }

  #siftDown(i: number): void {
    const heap = this.#heap;
    const n = heap.length;
    const entry = heap[i]!;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      // Swap with the SMALLER child, or the larger one would end up above the smaller.
      const child = right < n && this.#before(heap[right]!, heap[left]!) ? right : left;
      if (!this.#before(heap[child]!, entry)) break;
      heap[i] = heap[child]!;
      i = child;
    }
    heap[i] = entry;
  }
}
