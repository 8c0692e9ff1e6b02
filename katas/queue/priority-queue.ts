/**
 * Stage 2: a priority queue on a binary heap. See README.md, stage 2.
 */
import { todo } from '../not-implemented.ts';

/** Negative if a comes first, positive if b does, 0 if they are equal (like Array.prototype.sort). */
export type Compare<T> = (a: T, b: T) => number;

export class PriorityQueue<T> {
  // TODO: the heap is an array where the children of slot i are 2i+1 and 2i+2 and its parent is
  // (i-1) >> 1; every parent comes before (or ties with) its children, so the first item is at 0.
  //
  // Equal items must come out in the order they were pushed, and a heap does not keep that order
  // by itself. Store { value, seq } entries, with seq a counter bumped on every push, and order
  // entries by compare(a.value, b.value), then by seq.

  /**
   * An empty queue. `compare` defaults to the natural order of `<` and `>` (numbers ascending,
   * strings by UTF-16 code units): a min-heap. Throws TypeError if `compare` is not a function.
   */
  constructor(compare?: Compare<T>) {
    return todo('queue', 'PriorityQueue constructor');
  }

  /** How many items it holds. */
  get size(): number {
    return todo('queue', 'PriorityQueue.size');
  }

  /** Adds `value`. O(log n). */
  push(value: T): void {
    // TODO: append at the end, then sift up: while it comes before its parent, move the parent
    // down into its slot and go up.
    return todo('queue', 'PriorityQueue.push');
  }

  /**
   * Removes and returns the first item by `compare` (among equals, the one pushed first), or
   * undefined when empty. O(log n).
   */
  pop(): T | undefined {
    // TODO: take slot 0; move the last entry to slot 0 and sift it down: while one of its
    // children comes before it, swap it with the child that comes FIRST (the other one would
    // then sit above a smaller item), and go down.
    return todo('queue', 'PriorityQueue.pop');
  }

  /** The item pop would return, without removing it, or undefined when empty. */
  peek(): T | undefined {
    return todo('queue', 'PriorityQueue.peek');
  }
}
