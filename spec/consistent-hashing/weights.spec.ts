import { describe, expect, it } from 'vitest';
import { HashRing } from '#kata/consistent-hashing';
import { checkProperty, fc } from '#support/property';
import { forEachSeed } from '#support/seed';
import { keys, label, loads, nodeName, nodeSet, oracleMurmur, recording } from './helpers.ts';

/** Who owns each key, in key order. */
const mapping = (ring: HashRing, keyList: readonly string[]) => keyList.map((k) => ring.get(k));

describe('stage 3: weights and movement', () => {
  it('weight w gives Math.round(vnodes × w) points, and never fewer than one', () => {
    const cases: Array<[number, number]> = [
      [2, 20],
      [1.5, 15],
      [0.34, 3],
      [0.01, 1],
    ];
    for (const [weight, count] of cases) {
      const { hash, seen } = recording();
      const ring = new HashRing({ vnodes: 10, hash });
      ring.add('n', weight);
      const expected = Array.from({ length: count }, (_, i) => label('n', i)).sort();
      expect([...seen].sort(), `weight ${weight}`).toEqual(expected);
    }
    // The one-point node really is on the ring: the key at its point's position is its.
    const ring = new HashRing({ vnodes: 10, hash: (s) => (s === 'probe' ? oracleMurmur(label('tiny', 0)) : oracleMurmur(s)) });
    ring.add('big', 1);
    ring.add('tiny', 0.01);
    expect(ring.get('probe')).toBe('tiny');
  });

  it('nodes of weight 2 get about twice the keys of nodes of weight 1', async () => {
    await forEachSeed(1, (random) => {
      const ring = new HashRing();
      const heavy = Array.from({ length: 10 }, (_, i) => `heavy-${i}-${random.int(0, 1e9)}`);
      const light = Array.from({ length: 10 }, (_, i) => `light-${i}-${random.int(0, 1e9)}`);
      for (let i = 0; i < 10; i++) {
        ring.add(light[i]!);
        ring.add(heavy[i]!, 2);
      }
      const counts = loads(ring, [...heavy, ...light], keys(`w${random.int(0, 1e9)}`, 60_000));
      const sum = (ns: string[]) => ns.reduce((a, n) => a + counts.get(n)!, 0);
      // Each group's total share has σ/μ ≈ 1/√(10·160) ≈ 2.5%, so the ratio ≈ 2 ± 3%: 1.65 .. 2.4 is
      // more than five of those either side.
      const ratio = sum(heavy) / sum(light);
      expect(ratio, `heavy/light = ${ratio.toFixed(3)}`).toBeGreaterThan(1.65);
      expect(ratio, `heavy/light = ${ratio.toFixed(3)}`).toBeLessThan(2.4);
    });
  });

  it('a weight that is not a finite number > 0 is a RangeError and changes nothing', () => {
    const ring = new HashRing({ vnodes: 20 });
    ring.add('a');
    ring.add('b');
    const ks = keys('bad-weight', 500);
    const before = mapping(ring, ks);
    for (const weight of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => ring.add('c', weight), `weight ${weight}`).toThrow(RangeError);
    }
    expect(ring.nodes()).toEqual(['a', 'b']);
    expect(mapping(ring, ks)).toEqual(before);
  });

  it('adding a node that is already on the ring is a RangeError and changes nothing', () => {
    const ring = new HashRing({ vnodes: 20 });
    ring.add('a');
    ring.add('b');
    const ks = keys('dup', 2000);
    const before = mapping(ring, ks);
    expect(() => ring.add('a')).toThrow(RangeError);
    expect(() => ring.add('b', 3)).toThrow(RangeError);
    expect(ring.nodes()).toEqual(['a', 'b']);
    expect(mapping(ring, ks)).toEqual(before);
    // A stray second copy of a's points would outlive one remove.
    ring.remove('a');
    expect(mapping(ring, ks).every((n) => n === 'b')).toBe(true);
  });

  it('removing a node that is not on the ring does nothing', () => {
    const ring = new HashRing({ vnodes: 20 });
    ring.add('a');
    ring.add('b');
    const ks = keys('absent', 500);
    const before = mapping(ring, ks);
    ring.remove('c');
    expect(ring.nodes()).toEqual(['a', 'b']);
    expect(mapping(ring, ks)).toEqual(before);
  });

  it('after remove, no key maps to the removed node and the last remove empties the ring', () => {
    const ring = new HashRing({ vnodes: 20 });
    for (const n of ['a', 'b', 'c']) ring.add(n);
    const ks = keys('gone', 2000);
    ring.remove('b');
    expect(ring.nodes()).toEqual(['a', 'c']);
    expect(mapping(ring, ks).filter((n) => n !== 'a' && n !== 'c')).toEqual([]);
    ring.remove('a');
    ring.remove('c');
    expect(ring.nodes()).toEqual([]);
    expect(ring.get('anything')).toBeUndefined();
    ring.add('a');
    expect(ring.get('anything')).toBe('a');
  });

  it('adding a node to N moves about 1/(N+1) of the keys, every one of them onto the new node (property)', async () => {
    const arb = nodeSet(2, 13).chain((all) => fc.record({ nodes: fc.constant(all.slice(1)), added: fc.constant(all[0]!), prefix: fc.string() }));
    await checkProperty(
      fc.property(arb, ({ nodes, added, prefix }) => {
        const ring = new HashRing();
        for (const n of nodes) ring.add(n);
        const ks = keys(prefix, 20_000);
        const before = mapping(ring, ks);
        ring.add(added);
        const after = mapping(ring, ks);
        let moved = 0;
        const wrong: string[] = [];
        for (let i = 0; i < ks.length; i++) {
          if (after[i] === before[i]) continue;
          moved++;
          if (after[i] !== added) wrong.push(`${ks[i]}: ${before[i]} → ${after[i]}`);
        }
        expect(wrong.slice(0, 5), `${wrong.length} keys moved between old nodes instead of onto ${added}`).toEqual([]);
        // The new node's share has σ/μ ≈ 1/√160 ≈ 8% (plus 2.5% of key noise): ±50% is six of them.
        const expected = ks.length / (nodes.length + 1);
        expect(moved / expected, `moved ${moved} of ${ks.length} keys, 1/(N+1) of them is ${expected.toFixed(0)}`).toBeGreaterThan(0.5);
        expect(moved / expected, `moved ${moved} of ${ks.length} keys, 1/(N+1) of them is ${expected.toFixed(0)}`).toBeLessThan(1.5);
      }),
      { numRuns: 25 },
    );
  });

  it('removing the node just added restores the exact old mapping (property)', async () => {
    const arb = fc.record({ all: nodeSet(2, 10), weights: fc.array(fc.double({ min: 0.05, max: 4, noNaN: true }), { minLength: 10, maxLength: 10 }), prefix: fc.string() });
    await checkProperty(
      fc.property(arb, ({ all, weights, prefix }) => {
        const [added, ...nodes] = all as [string, ...string[]];
        const ring = new HashRing({ vnodes: 40 });
        nodes.forEach((n, i) => ring.add(n, weights[i]));
        const ks = keys(prefix, 3000);
        const before = mapping(ring, ks);
        ring.add(added, weights[9]);
        ring.remove(added);
        expect(ring.nodes()).toEqual([...nodes].sort());
        expect(mapping(ring, ks)).toEqual(before);
      }),
      { numRuns: 40 },
    );
  });

  it('removing a node moves only the keys it owned, and only onto the remaining nodes (property)', async () => {
    const arb = nodeSet(2, 10).chain((nodes) => fc.record({ nodes: fc.constant(nodes), removed: fc.constantFrom(...nodes), prefix: fc.string() }));
    await checkProperty(
      fc.property(arb, ({ nodes, removed, prefix }) => {
        const ring = new HashRing({ vnodes: 40 });
        for (const n of nodes) ring.add(n);
        const ks = keys(prefix, 3000);
        const before = mapping(ring, ks);
        ring.remove(removed);
        const after = mapping(ring, ks);
        const wrong: string[] = [];
        for (let i = 0; i < ks.length; i++) {
          const ok = before[i] === removed ? after[i] !== removed && after[i] !== undefined : after[i] === before[i];
          if (!ok) wrong.push(`${ks[i]}: ${before[i]} → ${after[i]}`);
        }
        expect(wrong.slice(0, 5), `${wrong.length} keys went wrong after removing ${removed}`).toEqual([]);
      }),
      { numRuns: 40 },
    );
  });

  it('any sequence of adds and removes gives the same ring as adding the final nodes afresh, even with equal positions (property)', async () => {
    // 256 distinct positions for 8 points per node: ties everywhere.
    const coarse = (s: string) => (oracleMurmur(s) >>> 24) << 24 >>> 0;
    const op = fc.oneof(
      fc.record({ kind: fc.constant('add' as const), node: nodeName, weight: fc.constantFrom(0.5, 1, 2) }),
      fc.record({ kind: fc.constant('remove' as const), node: nodeName }),
    );
    await checkProperty(
      fc.property(fc.array(op, { minLength: 1, maxLength: 30 }), fc.string(), (ops, prefix) => {
        const ring = new HashRing({ vnodes: 8, hash: coarse });
        const final = new Map<string, number>();
        for (const o of ops) {
          if (o.kind === 'remove') {
            ring.remove(o.node);
            final.delete(o.node);
          } else if (final.has(o.node)) {
            expect(() => ring.add(o.node, o.weight)).toThrow(RangeError);
          } else {
            ring.add(o.node, o.weight);
            final.set(o.node, o.weight);
          }
        }
        const fresh = new HashRing({ vnodes: 8, hash: coarse });
        for (const [n, w] of [...final].reverse()) fresh.add(n, w);
        expect(ring.nodes()).toEqual(fresh.nodes());
        const ks = keys(prefix, 300);
        expect(mapping(ring, ks)).toEqual(mapping(fresh, ks));
      }),
      { numRuns: 120 },
    );
  });
});
