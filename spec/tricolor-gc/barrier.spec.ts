/**
 * Stage 4: the write barrier under interleaved mutation. Hand-written interleavings that lose an
 * object without a barrier, then random mutator programs interleaved with collector steps,
 * checked after every operation against a model graph whose reachability is a plain BFS: nothing
 * reachable is ever freed, and garbage does not outlive the cycle after it became garbage.
 */
import { describe, expect, it } from 'vitest';
import { Heap, type Barrier } from '#kata/tricolor-gc';
import { checkProperty, fc } from '#support/property';
import { blackToWhite, build, colours, LostObjectError, programArb, runProgram } from './helpers.ts';

/**
 * Root A → B → C. Two steps shade A and scan it: A black, B grey, C white. Returns [A, B, C].
 */
function hideSetup(barrier: Barrier): [Heap, number, number, number] {
  const heap = new Heap({ barrier });
  const [a, b, c] = build(heap, [[1, null], [2, null], [null, null]], [0]) as [number, number, number];
  heap.step(2);
  expect(colours(heap)).toBe('1B 2G 3W');
  return [heap, a, b, c];
}

describe('stage 4: write barrier under interleaved mutation', () => {
  it('dijkstra: storing a white object into a black one shades it at once, so moving it behind A cannot hide it', () => {
    const [heap, a, b, c] = hideSetup('dijkstra');
    heap.write(a, 1, c); // A → C: the barrier shades C
    expect(heap.colorOf(c)).toBe('grey');
    expect(heap.worklist()).toEqual([b, c]);
    expect(blackToWhite(heap)).toEqual([]);
    heap.write(b, 0, null); // cut B → C: nothing to shade
    expect(heap.stats().shaded).toBe(1);
    heap.step(Infinity);
    expect(heap.ids()).toEqual([a, b, c]);
  });

  it('yuasa: overwriting a pointer shades the old target, so cutting B → C cannot hide C', () => {
    const [heap, a, b, c] = hideSetup('yuasa');
    heap.write(a, 1, c); // no insertion barrier: C stays white
    expect(heap.colorOf(c)).toBe('white');
    heap.write(b, 0, null); // the deletion barrier shades C
    expect(heap.colorOf(c)).toBe('grey');
    expect(heap.worklist()).toEqual([b, c]);
    expect(heap.stats().shaded).toBe(1);
    heap.step(Infinity);
    expect(heap.ids()).toEqual([a, b, c]);
  });

  it("without a barrier ('none') the same interleaving frees C while A still points to it", () => {
    const [heap, a, b, c] = hideSetup('none');
    heap.write(a, 1, c);
    heap.write(b, 0, null);
    expect(colours(heap)).toBe('1B 2G 3W');
    heap.step(Infinity);
    expect(heap.has(c)).toBe(false);
    expect(heap.ids()).toEqual([a, b]);
  });

  it('dijkstra: a root gets the only pointer to a white object; the rescan at the end of marking finds it', () => {
    const [heap, a, b, c] = hideSetup('dijkstra');
    heap.addRoot(c); // roots are not behind the barrier
    heap.write(b, 0, null);
    expect(heap.colorOf(c)).toBe('white');
    heap.step(); // scan B
    expect([heap.phase, heap.worklist()]).toEqual(['mark', []]);
    heap.step(); // end of marking: rescan the roots, C turns grey, marking goes on
    expect([heap.phase, heap.colorOf(c), heap.worklist()]).toEqual(['mark', 'grey', [c]]);
    heap.step(); // scan C
    heap.step(); // end of marking: the rescan shades nothing now
    expect(heap.phase).toBe('sweep');
    heap.step(Infinity);
    expect(heap.ids()).toEqual([a, b, c]);
  });

  it('yuasa: the same root move is caught by the deletion barrier, and marking ends without a rescan', () => {
    const [heap, a, b, c] = hideSetup('yuasa');
    heap.addRoot(c);
    heap.write(b, 0, null);
    expect(heap.colorOf(c)).toBe('grey');
    expect(heap.step(3)).toBe(3); // scan B, scan C, end of marking
    expect(heap.phase).toBe('sweep');
    heap.step(Infinity);
    expect(heap.ids()).toEqual([a, b, c]);
  });

  it('the barrier is off outside marking: writes while idle or sweeping shade nothing', () => {
    for (const barrier of ['dijkstra', 'yuasa'] as const) {
      const heap = new Heap({ barrier });
      const [a, b, c] = build(heap, [[1, null], [null, null], [null, null]], [0]) as [number, number, number];
      heap.write(a, 0, c);
      heap.write(a, 1, b);
      heap.write(b, 0, a);
      expect(colours(heap), `${barrier} idle`).toBe('1W 2W 3W');
      expect(heap.worklist()).toEqual([]);
      heap.step(6); // roots, scan 1, 3, 2, end of marking, sweep 1
      expect([heap.phase, colours(heap)], `${barrier} sweep`).toEqual(['sweep', '1W 2B 3B']);
      const d = heap.alloc();
      heap.write(c, 0, d); // into an unswept black object
      heap.write(a, 0, d); // into a swept one, overwriting 3
      heap.write(a, 1, null);
      expect(colours(heap), `${barrier} sweep`).toBe('1W 2B 3B 4W');
      expect(heap.stats().shaded).toBe(0);
      heap.step(Infinity);
      expect(heap.ids()).toEqual([a, b, c, d]);
      expect(heap.collectFull()).toBe(2); // 2 and 3 are garbage now
      expect(heap.ids()).toEqual([a, d]);
    }
  });

  for (const barrier of ['dijkstra', 'yuasa'] as const) {
    it(`${barrier}: random mutator programs interleaved with steps never free a reachable object (property)`, async () => {
      await checkProperty(
        fc.property(programArb, (ops) => {
          runProgram(barrier, ops, { strong: barrier === 'dijkstra' });
        }),
        { numRuns: 800 },
      );
    });
  }

  it("with barrier 'none' fast-check finds a program that frees a reachable object", () => {
    const details = fc.check(
      fc.property(programArb, (ops) => {
        runProgram('none', ops);
      }),
      { seed: 20240601, numRuns: 3000 },
    );
    expect(details.failed).toBe(true);
    expect(details.errorInstance).toBeInstanceOf(LostObjectError);
  });
});
