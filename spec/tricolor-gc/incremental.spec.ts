/**
 * Stage 3: incremental steps. The cycle as units of work (shade the roots, scan one grey object,
 * end marking, sweep one object), a FIFO grey worklist, colours observable after every step, the
 * tricolor invariant, and objects allocated while a cycle is under way.
 */
import { describe, expect, it } from 'vitest';
import { Heap, UnknownObjectError } from '#kata/tricolor-gc';
import { checkProperty, fc } from '#support/property';
import { blackToWhite, build, colours, reachableInHeap } from './helpers.ts';

// Roots 1 and 6. 1 → 2, 3; 2 → 4; 4 → 1; 5 → 6 (garbage pointing at a root); 7 → 7 (garbage).
const SMALL: Array<Array<number | null>> = [[1, 2], [3, null], [null, null], [0, null], [5, null], [null, null], [6, null]];
const small = (barrier: 'dijkstra' | 'yuasa' = 'dijkstra') => {
  const heap = new Heap({ barrier });
  build(heap, SMALL, [0, 5]);
  return heap;
};

describe('stage 3: incremental steps and the grey worklist', () => {
  it('one unit per step: roots, then one grey object at a time (FIFO, slots in order), then the sweep', () => {
    for (const barrier of ['dijkstra', 'yuasa'] as const) {
      const heap = small(barrier);
      const seen: string[] = [`${heap.phase} ${colours(heap)} [${heap.worklist().join(',')}]`];
      do {
        expect(heap.step(), `${barrier}: units done by step()`).toBe(1);
        seen.push(`${heap.phase} ${colours(heap)} [${heap.worklist().join(',')}]`);
      } while (heap.phase !== 'idle' && seen.length < 30);
      expect(seen, barrier).toEqual([
        'idle 1W 2W 3W 4W 5W 6W 7W []',
        'mark 1G 2W 3W 4W 5W 6G 7W [1,6]', // roots shaded, ascending
        'mark 1B 2G 3G 4W 5W 6G 7W [6,2,3]', // scan 1: children queued behind 6
        'mark 1B 2G 3G 4W 5W 6B 7W [2,3]',
        'mark 1B 2B 3G 4G 5W 6B 7W [3,4]',
        'mark 1B 2B 3B 4G 5W 6B 7W [4]',
        'mark 1B 2B 3B 4B 5W 6B 7W []', // 4 → 1: already black, nothing queued
        'sweep 1B 2B 3B 4B 5W 6B 7W []', // marking ends
        'sweep 1W 2B 3B 4B 5W 6B 7W []',
        'sweep 1W 2W 3B 4B 5W 6B 7W []',
        'sweep 1W 2W 3W 4B 5W 6B 7W []',
        'sweep 1W 2W 3W 4W 5W 6B 7W []',
        'sweep 1W 2W 3W 4W 6B 7W []', // 5 freed
        'sweep 1W 2W 3W 4W 6W 7W []',
        'idle 1W 2W 3W 4W 6W []', // 7 freed, the cycle is over
      ]);
      expect(heap.stats()).toMatchObject({ started: 1, completed: 1, scanned: 5, freed: 2 });
    }
  });

  it('step(budget) does up to budget units, returns how many, and never begins a second cycle', () => {
    const heap = small();
    expect(heap.step(3)).toBe(3);
    expect(colours(heap)).toBe('1B 2G 3G 4W 5W 6B 7W');
    expect(heap.step(4)).toBe(4); // 2, 3, 4 scanned, marking ends
    expect(heap.phase).toBe('sweep');
    expect(heap.step(100)).toBe(7); // seven objects swept, then idle
    expect(heap.phase).toBe('idle');
    expect(heap.stats()).toMatchObject({ started: 1, completed: 1 });
    expect(heap.step(Infinity)).toBe(14 - 2); // 1 + 5 + 1 + 5: two fewer objects to sweep
    expect(heap.stats()).toMatchObject({ started: 2, completed: 2, freed: 2 });
    expect(heap.phase).toBe('idle');
  });

  it('an empty heap: a cycle is the root unit and the end of marking', () => {
    const heap = new Heap();
    expect(heap.step(10)).toBe(2);
    expect(heap.phase).toBe('idle');
    expect(heap.stats()).toMatchObject({ started: 1, completed: 1 });
  });

  it('rejects a budget that is not a whole number >= 1 with a RangeError', () => {
    const heap = small();
    for (const budget of [0, -1, 1.5, Number.NaN, -Infinity]) expect(() => heap.step(budget), `budget ${budget}`).toThrow(RangeError);
    expect(heap.phase).toBe('idle');
    expect(heap.stats().started).toBe(0);
  });

  it('colorOf names no freed object: UnknownObjectError', () => {
    const heap = small();
    heap.step(Infinity);
    expect(() => heap.colorOf(5)).toThrow(UnknownObjectError);
    expect(() => heap.colorOf(99)).toThrow(UnknownObjectError);
  });

  it('collectFull in the middle of a cycle finishes it, then runs a whole one', () => {
    const heap = small();
    heap.step(4);
    heap.removeRoot(6);
    // The cycle in progress already shaded 6, so it survives that cycle (floating garbage) and goes in the next.
    expect(heap.collectFull()).toBe(3);
    expect(heap.ids()).toEqual([1, 2, 3, 4]);
    expect(heap.stats()).toMatchObject({ started: 2, completed: 2 });
  });

  it('new objects are black while marking, white otherwise; those born during the sweep survive it', () => {
    const heap = small();
    const idle = heap.alloc();
    expect(heap.colorOf(idle)).toBe('white');
    heap.step(2);
    expect(heap.phase).toBe('mark');
    const marking = heap.alloc();
    expect(heap.colorOf(marking)).toBe('black');
    expect(heap.worklist()).not.toContain(marking);
    heap.step(6);
    expect(heap.phase).toBe('sweep');
    const sweeping = heap.alloc();
    expect(heap.colorOf(sweeping)).toBe('white');
    heap.step(Infinity);
    // `idle` was garbage when the cycle began: freed. `marking` floats to the next cycle; `sweeping`
    // was never looked at.
    expect([heap.has(idle), heap.has(marking), heap.has(sweeping)]).toEqual([false, true, true]);
    expect(heap.colorOf(marking)).toBe('white');
    heap.step(Infinity);
    expect([heap.has(marking), heap.has(sweeping)]).toEqual([false, false]);
  });

  it('an object allocated while marking and hung on a root survives the cycle', () => {
    const heap = small('yuasa');
    heap.step(2);
    const fresh = heap.alloc();
    heap.addRoot(fresh);
    heap.step(Infinity);
    expect(heap.has(fresh)).toBe(true);
  });

  const graphArb = fc.integer({ min: 1, max: 20 }).chain((n) =>
    fc.record({
      slots: fc.array(fc.array(fc.option(fc.nat(n - 1), { freq: 2 }), { minLength: 2, maxLength: 2 }), { minLength: n, maxLength: n }),
      roots: fc.uniqueArray(fc.nat(n - 1), { maxLength: 3 }),
      budgets: fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 10 }),
      barrier: fc.constantFrom('dijkstra' as const, 'yuasa' as const),
    }),
  );

  it('without mutation: greys are the worklist, no black object points to a white one, the result equals a BFS (property)', async () => {
    await checkProperty(
      fc.property(graphArb, ({ slots, roots, budgets, barrier }) => {
        const heap = new Heap({ barrier });
        build(heap, slots, roots);
        const expected = [...reachableInHeap(heap)].sort((a, b) => a - b);
        let i = 0;
        let guard = 0;
        do {
          heap.step(budgets[i++ % budgets.length]);
          const greys = heap.ids().filter((id) => heap.colorOf(id) === 'grey');
          expect([...heap.worklist()].sort((a, b) => a - b)).toEqual(greys);
          if (heap.phase === 'mark') {
            expect(blackToWhite(heap)).toEqual([]);
            // Whatever is not white is reachable: the marker never shades garbage.
            for (const id of heap.ids()) if (heap.colorOf(id) !== 'white') expect(expected).toContain(id);
          } else {
            expect(greys).toEqual([]);
          }
        } while (heap.phase !== 'idle' && ++guard < 200);
        expect(heap.ids()).toEqual(expected);
        expect(heap.stats().scanned).toBe(expected.length);
      }),
      { numRuns: 150 },
    );
  });
});
