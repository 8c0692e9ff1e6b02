import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { RingBuffer } from '#kata/queue';
import { checkProperty, fc } from '#support/property';

/** The garbage collector, reachable once V8 is told to expose it. */
function collector(): () => void {
  v8.setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

describe('stage 1: ring buffer', () => {
  it('refuses a capacity that is not a positive integer', () => {
    for (const bad of [0, -1, 1.5, Number.NaN, Infinity]) {
      expect(() => new RingBuffer(bad), `capacity ${bad}`).toThrow(RangeError);
    }
    const rb = new RingBuffer<number>(5);
    expect([rb.capacity, rb.length]).toEqual([5, 0]);
  });

  it('accepts items until full, then refuses without changing anything', () => {
    const rb = new RingBuffer<string>(3);
    expect([rb.push('a'), rb.push('b'), rb.push('c')]).toEqual([true, true, true]);
    expect(rb.push('d')).toBe(false);
    expect(rb.length).toBe(3);
    expect([...rb]).toEqual(['a', 'b', 'c']);
    expect(rb.peek()).toBe('a');
  });

  it('shifts the oldest item first and undefined once empty', () => {
    const rb = new RingBuffer<number>(4);
    rb.push(10);
    rb.push(20);
    expect(rb.shift()).toBe(10);
    expect(rb.length).toBe(1);
    expect(rb.shift()).toBe(20);
    expect(rb.shift()).toBeUndefined();
    expect(rb.peek()).toBeUndefined();
    expect(rb.length).toBe(0);
  });

  it('wraps around the end of its storage and keeps the order', () => {
    const rb = new RingBuffer<number>(3);
    rb.push(1);
    rb.push(2);
    rb.push(3);
    expect(rb.shift()).toBe(1);
    expect(rb.push(4)).toBe(true); // goes into the slot 1 left
    expect(rb.push(5)).toBe(false);
    expect([...rb]).toEqual([2, 3, 4]);
    expect(rb.shift()).toBe(2);
    expect(rb.shift()).toBe(3);
    expect(rb.push(5)).toBe(true);
    expect(rb.push(6)).toBe(true);
    expect([...rb]).toEqual([4, 5, 6]);
    expect([rb.shift(), rb.shift(), rb.shift(), rb.shift()]).toEqual([4, 5, 6, undefined]);
  });

  it('peek shows the oldest item without removing it', () => {
    const rb = new RingBuffer<number>(2);
    rb.push(0); // falsy items are items too
    expect(rb.peek()).toBe(0);
    expect(rb.peek()).toBe(0);
    expect(rb.length).toBe(1);
    expect(rb.shift()).toBe(0);
  });

  it('a capacity of 1 holds one item at a time', () => {
    const rb = new RingBuffer<string>(1);
    for (const x of ['a', 'b', 'c']) {
      expect(rb.push(x)).toBe(true);
      expect(rb.push('extra')).toBe(false);
      expect([...rb]).toEqual([x]);
      expect(rb.shift()).toBe(x);
    }
  });

  it('behaves like an array bounded at capacity, over random pushes and shifts (property)', async () => {
    const op = fc.oneof(
      fc.integer({ min: -5, max: 1000 }).map((v) => ({ push: v })),
      fc.constant({ shift: true as const }),
      fc.constant({ peek: true as const }),
    );
    await checkProperty(
      fc.property(fc.integer({ min: 1, max: 9 }), fc.array(op, { maxLength: 200, size: 'max' }), (capacity, ops) => {
        const rb = new RingBuffer<number>(capacity);
        const model: number[] = [];
        ops.forEach((o, step) => {
          const where = () => `capacity ${capacity}, after ${JSON.stringify(ops.slice(0, step + 1))}`;
          let got: unknown;
          let want: unknown;
          if ('push' in o) {
            want = model.length < capacity;
            got = rb.push(o.push);
            if (want) model.push(o.push);
          } else if ('shift' in o) {
            [got, want] = [rb.shift(), model.shift()];
          } else {
            [got, want] = [rb.peek(), model[0]];
          }
          // Plain comparisons first: expect() on every step of every run would be slow.
          if (got !== want) expect(got, where()).toBe(want);
          const items = [...rb];
          if (rb.length !== model.length || items.length !== model.length || items.some((x, i) => x !== model[i])) {
            expect({ length: rb.length, items }, where()).toEqual({ length: model.length, items: model });
          }
        });
        expect(rb.capacity).toBe(capacity);
      }),
      { numRuns: 200 },
    );
  });

  it('lets go of a shifted item, so the garbage collector can reclaim it', async () => {
    const gc = collector();
    const rb = new RingBuffer<object>(4);
    const refs: Array<WeakRef<object>> = [];
    for (let i = 0; i < 3; i++) {
      const item = { payload: new Array(1000).fill(i) };
      refs.push(new WeakRef(item));
      rb.push(item);
    }
    rb.shift();
    rb.shift();
    // A WeakRef keeps its target alive until the current job ends.
    await new Promise((r) => setImmediate(r));
    gc();
    expect(refs[0]!.deref(), 'a shifted item is still referenced by the buffer').toBeUndefined();
    expect(refs[1]!.deref(), 'a shifted item is still referenced by the buffer').toBeUndefined();
    expect(refs[2]!.deref()).toBeDefined(); // still queued
    expect(rb.length).toBe(1);
  });
});
