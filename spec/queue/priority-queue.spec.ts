import { describe, expect, it } from 'vitest';
import { PriorityQueue } from '#kata/queue';
import { checkProperty, fc } from '#support/property';

interface Job {
  priority: number;
  id: number;
}
const byPriority = (a: Job, b: Job) => a.priority - b.priority;

function drain<T>(pq: PriorityQueue<T>): T[] {
  const out: T[] = [];
  for (let x = pq.pop(); x !== undefined; x = pq.pop()) out.push(x);
  return out;
}

describe('stage 2: priority queue', () => {
  it('pops numbers smallest first by default, then undefined', () => {
    const pq = new PriorityQueue<number>();
    for (const x of [5, 1, 4, 1, 3, 9, 2, 6, 0]) pq.push(x);
    expect(pq.size).toBe(9);
    expect(drain(pq)).toEqual([0, 1, 1, 2, 3, 4, 5, 6, 9]);
    expect(pq.pop()).toBeUndefined();
    expect(pq.size).toBe(0);
  });

  it('orders strings by the default order too', () => {
    const pq = new PriorityQueue<string>();
    for (const s of ['pear', 'apple', 'fig', 'banana']) pq.push(s);
    expect(drain(pq)).toEqual(['apple', 'banana', 'fig', 'pear']);
  });

  it('follows the comparator: (a, b) => b - a makes a max-heap', () => {
    const pq = new PriorityQueue<number>((a, b) => b - a);
    for (const x of [3, 8, 1, 9, 4]) pq.push(x);
    expect(drain(pq)).toEqual([9, 8, 4, 3, 1]);
  });

  it('peek shows the next item without removing it', () => {
    const pq = new PriorityQueue<number>();
    expect(pq.peek()).toBeUndefined();
    pq.push(7);
    pq.push(3);
    expect(pq.peek()).toBe(3);
    expect(pq.size).toBe(2);
    expect(pq.pop()).toBe(3);
    expect(pq.peek()).toBe(7);
  });

  it('refuses a comparator that is not a function', () => {
    expect(() => new PriorityQueue<number>(42 as unknown as (a: number, b: number) => number)).toThrow(TypeError);
  });

  it('items of equal priority come out in the order they were pushed', () => {
    const pq = new PriorityQueue<Job>(byPriority);
    const jobs = [2, 1, 2, 1, 2, 1, 0, 2].map((priority, id) => ({ priority, id }));
    for (const j of jobs) pq.push(j);
    expect(drain(pq).map((j) => j.id)).toEqual([6, 1, 3, 5, 0, 2, 4, 7]);
  });

  it('pushing everything then popping everything is a stable sort (property)', async () => {
    await checkProperty(
      fc.property(fc.array(fc.integer({ min: 0, max: 6 }), { maxLength: 300, size: 'max' }), (priorities) => {
        const jobs = priorities.map((priority, id) => ({ priority, id }));
        const pq = new PriorityQueue<Job>(byPriority);
        for (const j of jobs) pq.push(j);
        expect(pq.size).toBe(jobs.length);
        // Array.prototype.sort is stable (ES2019). Compare ids as one string: cheap when equal.
        const got = drain(pq).map((j) => j.id).join();
        const want = [...jobs].sort(byPriority).map((j) => j.id).join();
        if (got !== want) expect(`ids in pop order: ${got}`).toBe(`ids in pop order: ${want}`);
      }),
      { numRuns: 150 },
    );
  });

  it('interleaved pushes and pops agree with a sorted-array model (property)', async () => {
    const op = fc.oneof(
      { arbitrary: fc.integer({ min: 0, max: 20 }).map((priority) => ({ push: priority })), weight: 3 },
      { arbitrary: fc.constant({ pop: true as const }), weight: 2 },
      { arbitrary: fc.constant({ peek: true as const }), weight: 1 },
    );
    await checkProperty(
      fc.property(fc.array(op, { maxLength: 300, size: 'max' }), (ops) => {
        const pq = new PriorityQueue<Job>(byPriority);
        // The model: pop removes the first item of least priority, i.e. the oldest among equals.
        const model: Job[] = [];
        const firstLeast = () => model.reduce((best, j, i) => (j.priority < model[best]!.priority ? i : best), 0);
        let id = 0;
        ops.forEach((o, step) => {
          let got: Job | undefined;
          let want: Job | undefined;
          if ('push' in o) {
            const job = { priority: o.push, id: id++ };
            pq.push(job);
            model.push(job);
          } else if ('pop' in o) {
            [got, want] = [pq.pop(), model.length ? model.splice(firstLeast(), 1)[0] : undefined];
          } else {
            [got, want] = [pq.peek(), model.length ? model[firstLeast()] : undefined];
          }
          // Plain comparisons first: expect() on every step of every run would be slow.
          if (got !== want || pq.size !== model.length) {
            expect({ item: got, size: pq.size }, `after ${JSON.stringify(ops.slice(0, step + 1))}`).toEqual({ item: want, size: model.length });
          }
        });
      }),
      { numRuns: 200 },
    );
  });

  it('calls the comparator O(log n) times per push and pop, not O(n)', () => {
    const n = 4096;
    let calls = 0;
    const pq = new PriorityQueue<number>((a, b) => {
      calls++;
      return a - b;
    });
    // A fixed pseudo-random order (an LCG): the same work on every run.
    let x = 12345;
    for (let i = 0; i < n; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      pq.push(x % 100_000);
    }
    const out = drain(pq);
    expect(out).toHaveLength(n);
    expect(out.every((x, i) => i === 0 || out[i - 1]! <= x)).toBe(true);
    // A binary heap needs at most ~2·log2(n) comparisons per pop and log2(n) per push; scanning
    // for the minimum or sorting on every push needs thousands.
    const perOp = calls / (2 * n);
    expect(perOp, `${perOp.toFixed(1)} comparisons per operation`).toBeLessThan(3 * Math.log2(n));
  });
});
