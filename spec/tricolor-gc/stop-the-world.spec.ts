/**
 * Stage 2: stop-the-world mark and sweep. `collectFull()` frees exactly the objects not reachable
 * from the roots (cycles included), never reuses an id, and leaves every survivor white.
 */
import { describe, expect, it } from 'vitest';
import { Heap, UnknownObjectError } from '#kata/tricolor-gc';
import { checkProperty, fc } from '#support/property';
import { build, reachableInHeap } from './helpers.ts';

describe('stage 2: stop-the-world mark and sweep', () => {
  it('frees what the roots cannot reach and keeps the rest', () => {
    const heap = new Heap();
    // 1 → 2 → 3, 4 → 3 (4 unreachable), 5 alone.
    build(heap, [[1, null], [2, null], [null, null], [2, null], [null, null]], [0]);
    expect(heap.collectFull()).toBe(2);
    expect(heap.ids()).toEqual([1, 2, 3]);
    expect([heap.has(4), heap.has(5)]).toEqual([false, false]);
    expect(heap.read(2, 0)).toBe(3);
    expect(heap.stats()).toMatchObject({ allocated: 5, freed: 2, started: 1, completed: 1, scanned: 3 });
  });

  it('frees unreachable cycles and self-loops; keeps a cycle a root hangs on to', () => {
    const heap = new Heap();
    // 1 ⇄ 2 garbage, 3 → 3 garbage, 4 → 5 → 6 → 4 rooted at 5.
    build(heap, [[1, null], [0, null], [2, 2], [4, null], [5, null], [null, 3]], [4]);
    expect(heap.collectFull()).toBe(3);
    expect(heap.ids()).toEqual([4, 5, 6]);
  });

  it('everything goes once no root is left; an empty heap collects to nothing', () => {
    const heap = new Heap();
    build(heap, [[1, 2], [2, 0], [0, 1]], [0, 2]);
    expect(heap.collectFull()).toBe(0);
    expect(heap.size).toBe(3);
    heap.removeRoot(1);
    expect(heap.collectFull()).toBe(0);
    heap.removeRoot(3);
    expect(heap.collectFull()).toBe(3);
    expect(heap.size).toBe(0);
    expect(heap.collectFull()).toBe(0);
    expect(heap.stats()).toMatchObject({ started: 4, completed: 4, freed: 3 });
  });

  it('a freed id is gone for good: every use throws UnknownObjectError and it is never handed out again', () => {
    const heap = new Heap();
    const a = heap.alloc();
    const b = heap.alloc();
    heap.addRoot(a);
    heap.collectFull();
    expect(heap.has(b)).toBe(false);
    expect(() => heap.read(b, 0)).toThrow(UnknownObjectError);
    expect(() => heap.write(a, 0, b)).toThrow(UnknownObjectError);
    expect(() => heap.addRoot(b)).toThrow(UnknownObjectError);
    expect(() => heap.colorOf(b)).toThrow(UnknownObjectError);
    expect(heap.read(a, 0)).toBeNull();
    expect(heap.alloc()).toBe(3);
  });

  it('after a collection every survivor is white again, so the next collection sees the new graph', () => {
    const heap = new Heap();
    build(heap, [[1, null], [2, null], [null, null]], [0]);
    heap.collectFull();
    expect(heap.ids().map((id) => heap.colorOf(id))).toEqual(['white', 'white', 'white']);
    expect(heap.phase).toBe('idle');
    // Cut 2 → 3: the next collection must free 3, which the last one kept.
    heap.write(2, 0, null);
    expect(heap.collectFull()).toBe(1);
    expect(heap.ids()).toEqual([1, 2]);
    // A new object hung on a survivor must be kept.
    const c = heap.alloc();
    heap.write(2, 1, c);
    expect(heap.collectFull()).toBe(0);
    expect(heap.ids()).toEqual([1, 2, c]);
  });

  it('scans each reachable object exactly once per cycle, however many pointers lead to it', () => {
    const heap = new Heap();
    // A diamond with a back edge: 1 → 2, 3; 2 → 4; 3 → 4; 4 → 1, 4.
    build(heap, [[1, 2], [3, null], [3, null], [0, 3]], [0]);
    heap.collectFull();
    expect(heap.stats().scanned).toBe(4);
    heap.addRoot(4);
    heap.collectFull();
    expect(heap.stats().scanned).toBe(8);
  });

  const graphArb = fc.integer({ min: 1, max: 24 }).chain((n) =>
    fc.record({
      slots: fc.array(fc.array(fc.option(fc.nat(n - 1), { freq: 2 }), { minLength: 3, maxLength: 3 }), { minLength: n, maxLength: n }),
      roots: fc.uniqueArray(fc.nat(n - 1), { maxLength: 4 }),
    }),
  );

  it('collectFull keeps exactly the objects a BFS from the roots reaches (property)', async () => {
    await checkProperty(
      fc.property(graphArb, ({ slots, roots }) => {
        const heap = new Heap({ slots: 3 });
        build(heap, slots, roots);
        const expected = [...reachableInHeap(heap)].sort((a, b) => a - b);
        const before = heap.size;
        expect(heap.collectFull()).toBe(before - expected.length);
        expect(heap.ids()).toEqual(expected);
        expect(heap.stats().scanned).toBe(expected.length);
        expect(heap.ids().every((id) => heap.colorOf(id) === 'white')).toBe(true);
        expect(heap.collectFull()).toBe(0);
      }),
      { numRuns: 150 },
    );
  });
});
