/**
 * Stage 1: the heap and its roots. Objects with numeric ids and a fixed number of pointer slots,
 * reads and writes, a root set, and typed errors for ids and slots that do not exist.
 */
import { describe, expect, it } from 'vitest';
import { Heap, SlotRangeError, UnknownObjectError } from '#kata/tricolor-gc';
import { checkProperty, fc } from '#support/property';

describe('stage 1: heap and roots', () => {
  it('has 2 slots and the Dijkstra barrier by default, starts empty and idle', () => {
    const heap = new Heap();
    expect(heap.slots).toBe(2);
    expect(heap.barrier).toBe('dijkstra');
    expect(heap.size).toBe(0);
    expect(heap.ids()).toEqual([]);
    expect(heap.roots()).toEqual([]);
    expect(heap.phase).toBe('idle');
    expect(heap.stats()).toEqual({ allocated: 0, freed: 0, started: 0, completed: 0, scanned: 0, shaded: 0 });
    const other = new Heap({ slots: 5, barrier: 'yuasa' });
    expect([other.slots, other.barrier]).toEqual([5, 'yuasa']);
    expect(new Heap({ slots: 0, barrier: 'none' }).slots).toBe(0);
  });

  it('rejects bad options with a RangeError', () => {
    for (const slots of [-1, 1.5, 65, Number.NaN, Infinity]) expect(() => new Heap({ slots }), `slots ${slots}`).toThrow(RangeError);
    expect(() => new Heap({ barrier: 'steele' as never })).toThrow(RangeError);
    expect(() => new Heap({ barrier: '' as never })).toThrow(RangeError);
    expect(new Heap({ slots: 64 }).slots).toBe(64);
  });

  it('alloc hands out ids 1, 2, 3, ... with every slot null', () => {
    const heap = new Heap({ slots: 3 });
    expect([heap.alloc(), heap.alloc(), heap.alloc()]).toEqual([1, 2, 3]);
    expect(heap.size).toBe(3);
    expect(heap.ids()).toEqual([1, 2, 3]);
    for (const id of [1, 2, 3]) for (const s of [0, 1, 2]) expect(heap.read(id, s)).toBeNull();
    expect(heap.has(2)).toBe(true);
    expect(heap.has(4)).toBe(false);
    expect(heap.stats().allocated).toBe(3);
  });

  it('write stores a pointer or null, read returns it; self-pointers and shared targets are fine', () => {
    const heap = new Heap();
    const [a, b, c] = [heap.alloc(), heap.alloc(), heap.alloc()];
    heap.write(a, 0, b);
    heap.write(a, 1, a);
    heap.write(c, 1, b);
    expect([heap.read(a, 0), heap.read(a, 1), heap.read(b, 0), heap.read(c, 0), heap.read(c, 1)]).toEqual([b, a, null, null, b]);
    heap.write(a, 0, c);
    heap.write(a, 1, null);
    expect([heap.read(a, 0), heap.read(a, 1)]).toEqual([c, null]);
  });

  it('a slot outside [0, slots) throws SlotRangeError naming the object and the slot', () => {
    const heap = new Heap({ slots: 2 });
    const a = heap.alloc();
    for (const slot of [-1, 2, 1.5, Number.NaN]) {
      expect(() => heap.read(a, slot), `read slot ${slot}`).toThrow(SlotRangeError);
      expect(() => heap.write(a, slot, a), `write slot ${slot}`).toThrow(SlotRangeError);
    }
    const err = (() => {
      try {
        heap.read(a, 7);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(SlotRangeError);
    expect(err).toBeInstanceOf(RangeError);
    expect(err).toMatchObject({ code: 'SLOT_OUT_OF_RANGE', id: a, slot: 7, slots: 2 });
    const none = new Heap({ slots: 0 });
    expect(() => none.read(none.alloc(), 0)).toThrow(SlotRangeError);
  });

  it('an id that names no object throws UnknownObjectError, and a bad write changes nothing', () => {
    const heap = new Heap();
    const a = heap.alloc();
    heap.write(a, 0, a);
    const bad = [0, 2, -1, 1.5, Number.NaN, '1' as never];
    for (const id of bad) {
      expect(() => heap.read(id, 0), `read ${String(id)}`).toThrow(UnknownObjectError);
      expect(() => heap.write(id, 0, a), `write ${String(id)}`).toThrow(UnknownObjectError);
      expect(() => heap.write(a, 0, id), `write target ${String(id)}`).toThrow(UnknownObjectError);
      expect(() => heap.addRoot(id), `addRoot ${String(id)}`).toThrow(UnknownObjectError);
      expect(() => heap.removeRoot(id), `removeRoot ${String(id)}`).toThrow(UnknownObjectError);
      expect(() => heap.isRoot(id), `isRoot ${String(id)}`).toThrow(UnknownObjectError);
    }
    expect(heap.read(a, 0)).toBe(a);
    expect(heap.roots()).toEqual([]);
    try {
      heap.read(42, 0);
      expect.unreachable();
    } catch (e) {
      expect(e).toMatchObject({ code: 'UNKNOWN_OBJECT', id: 42 });
    }
  });

  it('roots are a set: addRoot and removeRoot say whether anything changed, roots() is ascending', () => {
    const heap = new Heap();
    const ids = [heap.alloc(), heap.alloc(), heap.alloc(), heap.alloc()];
    expect(heap.addRoot(ids[2]!)).toBe(true);
    expect(heap.addRoot(ids[0]!)).toBe(true);
    expect(heap.addRoot(ids[2]!)).toBe(false);
    expect(heap.addRoot(ids[3]!)).toBe(true);
    expect(heap.roots()).toEqual([1, 3, 4]);
    expect([1, 2, 3, 4].map((id) => heap.isRoot(id))).toEqual([true, false, true, true]);
    expect(heap.removeRoot(3)).toBe(true);
    expect(heap.removeRoot(3)).toBe(false);
    expect(heap.removeRoot(2)).toBe(false);
    expect(heap.roots()).toEqual([1, 4]);
  });

  it('reads return what was last written, against a map model (property)', async () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('alloc' as const) }),
      fc.record({ kind: fc.constant('write' as const), obj: fc.nat(20), slot: fc.nat(2), target: fc.option(fc.nat(20)) }),
      fc.record({ kind: fc.constant('root' as const), obj: fc.nat(20), add: fc.boolean() }),
    );
    await checkProperty(
      fc.property(fc.array(op, { minLength: 1, maxLength: 60 }), (ops) => {
        const heap = new Heap({ slots: 3 });
        const model: Array<Array<number | null>> = [];
        const roots = new Set<number>();
        for (const o of ops) {
          if (o.kind === 'alloc' || model.length === 0) {
            expect(heap.alloc()).toBe(model.length + 1);
            model.push([null, null, null]);
            continue;
          }
          const id = (o.obj % model.length) + 1;
          if (o.kind === 'write') {
            const target = o.target === null ? null : (o.target % model.length) + 1;
            heap.write(id, o.slot, target);
            model[id - 1]![o.slot] = target;
          } else {
            expect(o.add ? heap.addRoot(id) : heap.removeRoot(id)).toBe(o.add ? !roots.has(id) : roots.has(id));
            if (o.add) roots.add(id);
            else roots.delete(id);
          }
        }
        model.forEach((slots, i) => slots.forEach((t, s) => expect(heap.read(i + 1, s)).toBe(t)));
        expect(heap.roots()).toEqual([...roots].sort((a, b) => a - b));
        expect(heap.size).toBe(model.length);
      }),
      { numRuns: 100 },
    );
  });
});
