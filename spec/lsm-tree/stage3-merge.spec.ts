/**
 * Stage 3: the merge iterator. Sorted sources in, newest first; one sorted stream out with one
 * entry per key, the newest source's, tombstones passed on unless asked to drop them.
 */
import { describe, expect, it } from 'vitest';
import { mergeIterators, type Entry } from '#kata/lsm-tree';
import { checkProperty, fc } from '#support/property';
import { b, byteOrder, text } from './helpers.ts';

const e = (key: string, value: string | null): Entry => ({ key: b(key), value: value === null ? null : b(value) });

async function* slowly(entries: Entry[]): AsyncGenerator<Entry> {
  for (const x of entries) {
    await new Promise((r) => setImmediate(r));
    yield x;
  }
}

async function pairs(it: AsyncIterable<Entry>): Promise<Array<[string, string | null]>> {
  const out: Array<[string, string | null]> = [];
  for await (const x of it) out.push([text(x.key)!, x.value === null ? null : text(x.value)!]);
  return out;
}

describe('stage 3: merge iterator', () => {
  it('gives each key once, from the newest source that holds it', async () => {
    const newest = [e('b', 'b3'), e('d', 'd3')];
    const middle = [e('a', 'a2'), e('b', 'b2'), e('c', 'c2')];
    const oldest = [e('a', 'a1'), e('b', 'b1'), e('c', 'c1'), e('e', 'e1')];
    expect(await pairs(mergeIterators([newest, middle, oldest]))).toEqual([
      ['a', 'a2'],
      ['b', 'b3'],
      ['c', 'c2'],
      ['d', 'd3'],
      ['e', 'e1'],
    ]);
    // The same sources in the other order: now the oldest list is the newest.
    expect(await pairs(mergeIterators([oldest, middle, newest]))).toEqual([
      ['a', 'a1'],
      ['b', 'b1'],
      ['c', 'c1'],
      ['d', 'd3'],
      ['e', 'e1'],
    ]);
  });

  it('passes a newer tombstone on, shadowing the older value; drops it when asked', async () => {
    const sources = () => [[e('a', null), e('c', 'c2')], [e('a', 'a1'), e('b', 'b1'), e('c', null)]];
    expect(await pairs(mergeIterators(sources()))).toEqual([
      ['a', null],
      ['b', 'b1'],
      ['c', 'c2'],
    ]);
    expect(await pairs(mergeIterators(sources(), { dropTombstones: true }))).toEqual([
      ['b', 'b1'],
      ['c', 'c2'],
    ]);
    expect(await pairs(mergeIterators([[e('x', null)], [e('x', 'old')]], { dropTombstones: true }))).toEqual([]);
  });

  it('merges async and sync sources alike, in unsigned byte order', async () => {
    const out = await pairs(
      mergeIterators([slowly([e('B', '1'), e('é', '1')]), [e('a', '2'), e('ab', '2')], slowly([]), [e('', '4'), e('B', '4'), e('z', '4')]]),
    );
    expect(out).toEqual([
      ['', '4'],
      ['B', '1'],
      ['a', '2'],
      ['ab', '2'],
      ['z', '4'],
      ['é', '1'],
    ]);
    expect(await pairs(mergeIterators([]))).toEqual([]);
  });

  it('closes every source when the consumer stops early', async () => {
    const closed: number[] = [];
    async function* source(id: number, keys: string[]): AsyncGenerator<Entry> {
      try {
        for (const k of keys) yield e(k, String(id));
      } finally {
        closed.push(id);
      }
    }
    for await (const x of mergeIterators([source(1, ['a', 'c', 'e']), source(2, ['b', 'd', 'f'])])) {
      if (text(x.key) === 'b') break;
    }
    expect(closed.sort()).toEqual([1, 2]);
  });

  it('matches a model (apply the sources oldest to newest into a Map) for any sorted sources', async () => {
    const key = fc.constantFrom('a', 'b', 'c', 'ab', 'ba', 'é', 'z', '');
    const source = fc.uniqueArray(fc.record({ key, value: fc.option(fc.string({ maxLength: 3 }), { nil: null }) }), { selector: (x) => x.key, maxLength: 8 });
    await checkProperty(
      fc.asyncProperty(fc.array(source, { maxLength: 5 }), fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }), async (sources, asyncs) => {
        const sorted = sources.map((s) => [...s].sort((x, y) => byteOrder(x.key, y.key)));
        const model = new Map<string, string | null>();
        for (const s of [...sorted].reverse()) for (const x of s) model.set(x.key, x.value);
        const want = [...model].sort(([x], [y]) => byteOrder(x, y));
        const inputs = () => sorted.map((s, i) => (asyncs[i] ? slowly(s.map((x) => e(x.key, x.value))) : s.map((x) => e(x.key, x.value))));
        expect(await pairs(mergeIterators(inputs()))).toEqual(want);
        expect(await pairs(mergeIterators(inputs(), { dropTombstones: true }))).toEqual(want.filter(([, v]) => v !== null));
      }),
      { numRuns: 120 },
    );
  });
});
