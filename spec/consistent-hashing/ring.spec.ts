import { describe, expect, it } from 'vitest';
import { HashRing } from '#kata/consistent-hashing';
import { checkProperty, fc } from '#support/property';
import { keyAt, keys, label, modelRing, nodeSet, oracleMurmur, pointsOf, tableHash, type Point } from './helpers.ts';

describe('stage 1: ring', () => {
  it('an empty ring maps every key to undefined and lists no nodes', () => {
    const ring = new HashRing();
    expect(ring.nodes()).toEqual([]);
    for (const k of ['', 'a', 'user:42', 'ключ']) expect(ring.get(k)).toBeUndefined();
  });

  it('a ring with one node maps every key to it', () => {
    const ring = new HashRing();
    ring.add('cache-1');
    expect(ring.nodes()).toEqual(['cache-1']);
    expect(new Set(keys('one', 500).map((k) => ring.get(k)))).toEqual(new Set(['cache-1']));
  });

  // Points: a at 1000, b at 2000, c at 3000 (one point each).
  const abc = () => {
    const ring = new HashRing({ vnodes: 1, hash: tableHash({ [label('a', 0)]: 1000, [label('b', 0)]: 2000, [label('c', 0)]: 3000 }) });
    ring.add('c');
    ring.add('a');
    ring.add('b');
    return ring;
  };

  it('a key belongs to the first point at or after its hash; a point exactly at the hash owns it', () => {
    const ring = abc();
    const expected: Array<[number, string]> = [
      [0, 'a'],
      [999, 'a'],
      [1000, 'a'],
      [1001, 'b'],
      [1999, 'b'],
      [2000, 'b'],
      [2001, 'c'],
      [3000, 'c'],
    ];
    for (const [h, node] of expected) expect(ring.get(keyAt(h)), `key hashed to ${h}`).toBe(node);
  });

  it('keys past the last point wrap around to the first point', () => {
    const ring = abc();
    for (const h of [3001, 2 ** 31, 2 ** 32 - 1]) expect(ring.get(keyAt(h)), `key hashed to ${h}`).toBe('a');
  });

  it('get agrees with a linear-scan model of the ring on random rings (property)', async () => {
    const ringArb = nodeSet(1, 8).chain((nodes) =>
      fc.record({
        nodes: fc.constant(nodes),
        vnodes: fc.integer({ min: 1, max: 4 }),
        // Positions from a small range too, so many points collide and many keys land exactly on one.
        positions: fc.array(fc.oneof(fc.nat({ max: 2 ** 32 - 1 }), fc.nat(40)), { minLength: nodes.length * 4, maxLength: nodes.length * 4 }),
        probes: fc.array(fc.oneof(fc.nat({ max: 2 ** 32 - 1 }), fc.nat(41), fc.constant(2 ** 32 - 1)), { minLength: 1, maxLength: 60 }),
      }),
    );
    await checkProperty(
      fc.property(ringArb, ({ nodes, vnodes, positions, probes }) => {
        const table: Record<string, number> = {};
        nodes.forEach((n, j) => {
          for (let i = 0; i < vnodes; i++) table[label(n, i)] = positions[j * 4 + i]!;
        });
        const hash = tableHash(table);
        const ring = new HashRing({ vnodes, hash });
        for (const n of nodes) ring.add(n);
        const points: Point[] = nodes.flatMap((n) => pointsOf(n, vnodes, hash));
        // Every point's own position, and one past it, besides the random probes.
        const hs = [...probes, ...points.map((p) => p.pos), ...points.map((p) => (p.pos + 1) % 2 ** 32)];
        const model = modelRing(points);
        expect(hs.map((h) => [h, ring.get(keyAt(h))])).toEqual(hs.map((h) => [h, model(h)]));
      }),
      { numRuns: 150 },
    );
  });

  it('points at the same position go to the node whose name sorts first, whatever the insertion order', () => {
    const table = { [label('b', 0)]: 500, [label('a', 0)]: 500, [label('c', 0)]: 100 };
    for (const order of [['a', 'b', 'c'], ['b', 'a', 'c'], ['c', 'b', 'a']]) {
      const ring = new HashRing({ vnodes: 1, hash: tableHash(table) });
      for (const n of order) ring.add(n);
      expect(ring.get(keyAt(300)), `order ${order.join(',')}`).toBe('a');
      expect(ring.get(keyAt(500)), `order ${order.join(',')}`).toBe('a');
      expect(ring.get(keyAt(501)), `order ${order.join(',')}`).toBe('c');
    }
  });

  it('rings built in different orders agree on every key, even with many equal positions (property)', async () => {
    // Only 64 distinct positions: most points share theirs with another node's.
    const coarse = (s: string) => (oracleMurmur(s) & 63) * 0x4000000;
    const arb = nodeSet(2, 10).chain((nodes) => fc.record({ nodes: fc.constant(nodes), shuffled: fc.shuffledSubarray(nodes, { minLength: nodes.length }), prefix: fc.string() }));
    await checkProperty(
      fc.property(arb, ({ nodes, shuffled, prefix }) => {
        const one = new HashRing({ vnodes: 8, hash: coarse });
        const two = new HashRing({ vnodes: 8, hash: coarse });
        for (const n of nodes) one.add(n);
        for (const n of shuffled) two.add(n);
        const ks = keys(prefix, 200);
        expect(ks.map((k) => [k, two.get(k)])).toEqual(ks.map((k) => [k, one.get(k)]));
      }),
      { numRuns: 60 },
    );
  });

  it('nodes() lists the nodes sorted by name, as a copy the caller may change', () => {
    const ring = new HashRing({ vnodes: 4 });
    for (const n of ['b', 'a', 'c', 'B']) ring.add(n);
    const listed = ring.nodes();
    expect(listed).toEqual(['B', 'a', 'b', 'c']);
    listed.push('z');
    listed.length = 0;
    expect(ring.nodes()).toEqual(['B', 'a', 'b', 'c']);
  });

  it('the default hash is MurmurHash3 x86_32 (seed 0) of the UTF-8 bytes, for labels and keys alike (property)', async () => {
    const keyArb = fc.oneof(fc.string({ maxLength: 24 }), fc.string({ unit: 'grapheme', maxLength: 8 }), fc.string({ unit: 'binary-ascii', maxLength: 24 }));
    await checkProperty(
      fc.property(nodeSet(2, 6), fc.array(keyArb, { minLength: 1, maxLength: 40 }), (nodes, keyList) => {
        const ring = new HashRing({ vnodes: 1 });
        for (const n of nodes) ring.add(n);
        const model = modelRing(nodes.flatMap((n) => pointsOf(n, 1, oracleMurmur)));
        expect(keyList.map((k) => [k, ring.get(k)])).toEqual(keyList.map((k) => [k, model(oracleMurmur(k))]));
      }),
      { numRuns: 150 },
    );
  });
});
