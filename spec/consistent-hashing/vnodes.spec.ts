import { describe, expect, it } from 'vitest';
import { HashRing } from '#kata/consistent-hashing';
import { forEachSeed } from '#support/seed';
import { keys, label, loadCv, loads, oracleMurmur, recording } from './helpers.ts';

/** The labels a ring hashed for one node's points, in index order. */
function labelsOf(node: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => label(node, i));
}

describe('stage 2: virtual nodes', () => {
  it('a node gets `vnodes` points, labelled node#0 ... node#(vnodes-1)', () => {
    for (const vnodes of [1, 5, 37]) {
      const { hash, seen } = recording();
      const ring = new HashRing({ vnodes, hash });
      ring.add('cache-a');
      expect([...seen].sort(), `vnodes ${vnodes}`).toEqual(labelsOf('cache-a', vnodes).sort());
    }
  });

  it('the default is 160 points per node', () => {
    const { hash, seen } = recording();
    const ring = new HashRing({ hash });
    ring.add('10.0.0.1:11211');
    expect([...seen].sort()).toEqual(labelsOf('10.0.0.1:11211', 160).sort());
  });

  it('vnodes that is not a positive integer is a RangeError', () => {
    for (const vnodes of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => new HashRing({ vnodes }), `vnodes ${vnodes}`).toThrow(RangeError);
    }
    // 1 is the smallest valid count and must work.
    const ring = new HashRing({ vnodes: 1 });
    ring.add('only');
    expect(ring.get('k')).toBe('only');
  });

  it('every point lands where the hash of its label says: a key at a point\'s position belongs to that point\'s node', () => {
    // 3 nodes × 50 points, each found by the key whose hash equals the point's position.
    const hash = oracleMurmur;
    const ring = new HashRing({ vnodes: 50, hash: (s) => (s.startsWith('@') ? Number(s.slice(1)) : hash(s)) });
    const nodes = ['x', 'y', 'z'];
    for (const n of nodes) ring.add(n);
    const owner = new Map<number, string>();
    for (const n of nodes) for (const l of labelsOf(n, 50)) {
      const at = hash(l);
      const prev = owner.get(at);
      if (prev === undefined || n < prev) owner.set(at, n);
    }
    for (const [at, n] of owner) expect(ring.get(`@${at}`), `point at ${at}`).toBe(n);
  });

  // Each node's share of the hash space is a sum of v arcs, so its spread falls like 1/√v (for N
  // nodes and uniform points, exactly √((N-1)/(N·v+1))). With 200 nodes the estimate of σ is
  // within ~6% of its true value, so ±30% is five standard errors; one point per node gives a
  // heavy-tailed spread, and 1000 nodes bring it back to the same width.
  const spreads: Array<{ vnodes: number; nodes: number }> = [
    { vnodes: 1, nodes: 1000 },
    { vnodes: 10, nodes: 200 },
    { vnodes: 160, nodes: 200 },
  ];
  for (const { vnodes, nodes: count } of spreads) {
    it(`with ${vnodes} vnodes per node, σ/μ of the load across ${count} nodes is within 30% of 1/√${vnodes}`, async () => {
      await forEachSeed(1, (random) => {
        const ring = new HashRing({ vnodes });
        const nodes = Array.from({ length: count }, (_, i) => `node-${i}-${random.int(0, 1e9)}`);
        for (const n of nodes) ring.add(n);
        const cv = loadCv(loads(ring, nodes, keys(`k${random.int(0, 1e9)}`, 200_000)));
        const expected = 1 / Math.sqrt(vnodes);
        const why = `σ/μ = ${cv.toFixed(4)}, 1/√v = ${expected.toFixed(4)}`;
        expect(cv / expected, why).toBeGreaterThan(0.7);
        expect(cv / expected, why).toBeLessThan(1.3);
      });
    });
  }
});
