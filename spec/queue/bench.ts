/**
 * What each queue costs against the obvious alternative, on one thread. One operation is one
 * push plus one pop on a queue that holds a steady backlog, so every case does the same work.
 *
 *   KATA_TARGET=solution node --import ./grader/register.mjs spec/queue/bench.ts
 */
import { PriorityQueue, RingBuffer, SharedQueue } from '#kata/queue';
import { compare } from '#support/bench';

const BACKLOG = Number(process.env.BENCH_BACKLOG ?? 100_000);
const HEAP_BACKLOGS = [1_000, 1_000_000];

// FIFO: RingBuffer vs a plain array with push/shift (shift moves the whole backlog once the array
// is too large for V8's cheap "left trim").
{
  const ring = new RingBuffer<number>(BACKLOG + 1);
  const arr: number[] = [];
  for (let i = 0; i < BACKLOG; i++) {
    ring.push(i);
    arr.push(i);
  }
  let n = BACKLOG;
  compare(`FIFO, push + shift with ${BACKLOG} items queued`, [
    { name: 'RingBuffer', fn: () => (ring.push(n++), ring.shift()) },
    { name: 'Array push/shift', fn: () => (arr.push(n++), arr.shift()) },
  ]);
}

// Priority: binary heap vs an array kept sorted (binary search + splice, pop from the end). The
// splice is O(n) but a memmove, fast for small n; the heap's O(log n) wins as n grows.
for (const backlog of HEAP_BACKLOGS) {
  const heap = new PriorityQueue<number>();
  const sorted: number[] = []; // descending, so the least is at the end
  let x = 1;
  const next = () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0);
  const insertSorted = (v: number) => {
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid]! > v) lo = mid + 1;
      else hi = mid;
    }
    sorted.splice(lo, 0, v);
  };
  for (let i = 0; i < backlog; i++) {
    const v = next();
    heap.push(v);
    insertSorted(v);
  }
  compare(`priority queue, push + pop with ${backlog} items queued`, [
    { name: 'PriorityQueue (heap)', fn: () => (heap.push(next()), heap.pop()) },
    { name: 'sorted array + splice', fn: () => (insertSorted(next()), sorted.pop()) },
  ]);
}

// The price of sharing: SharedQueue (Atomics, CAS) vs RingBuffer, both uncontended.
{
  const shared = SharedQueue.create(1024);
  const ring = new RingBuffer<number>(1024);
  for (let i = 0; i < 512; i++) {
    shared.tryPush(i);
    ring.push(i);
  }
  compare('one thread, push + pop with 512 items queued', [
    { name: 'RingBuffer', fn: () => (ring.push(7), ring.shift()) },
    { name: 'SharedQueue tryPush/tryPop', fn: () => (shared.tryPush(7), shared.tryPop()) },
  ]);
}
