/**
 * `npm run bench deletable-bloom-filter`: our CountingBloomFilter beside bloom-filters'
 * CountingBloomFilter, same cells, same k, same keys.
 *
 * has() is measured with `compare` on filters holding N keys (half the lookups hit, half miss).
 * add() and remove() change the filter, so they are measured as whole passes on fresh filters:
 * each round builds an empty filter of each library (not timed), times adding the N keys, then
 * times removing them again; the table shows the median round.
 */
import { performance } from 'node:perf_hooks';
import bloomFilters from 'bloom-filters';
import { CountingBloomFilter } from '#kata/deletable-bloom-filter';
import { compare, formatOps, printTable } from '#support/bench';

const { CountingBloomFilter: PeerCountingBloomFilter } = bloomFilters;

const N = 20_000;
const CELLS = 10 * N; // 10 counters per key
const K = 7; // ≈ (cells / n)·ln 2, the usual optimum

const keys = Array.from({ length: N }, (_, i) => `user:${i}:${(i * 2654435761) >>> 0}`);
const misses = Array.from({ length: N }, (_, i) => `nobody:${i}`);

interface Filter {
  add(key: string): void;
  has(key: string): boolean;
  remove(key: string): boolean;
}

const libraries: Array<{ name: string; make: () => Filter }> = [
  { name: 'ours (4-bit packed)', make: () => new CountingBloomFilter(CELLS, K) },
  { name: 'bloom-filters CountingBloomFilter', make: () => new PeerCountingBloomFilter(CELLS, K) },
];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

// add and remove: whole passes over the N keys on fresh filters, rounds interleaved.
const ROUNDS = 7;
const addRates = libraries.map(() => [] as number[]);
const removeRates = libraries.map(() => [] as number[]);
for (let round = 0; round < ROUNDS + 1; round++) {
  libraries.forEach((lib, i) => {
    const f = lib.make();
    let t0 = performance.now();
    for (const k of keys) f.add(k);
    const addMs = performance.now() - t0;
    t0 = performance.now();
    for (const k of keys) f.remove(k);
    const removeMs = performance.now() - t0;
    if (round === 0) return; // warm-up
    addRates[i]!.push((N * 1000) / addMs);
    removeRates[i]!.push((N * 1000) / removeMs);
  });
}
for (const [what, rates] of [
  ['add', addRates],
  ['remove', removeRates],
] as const) {
  const ops = rates.map(median);
  printTable(
    `${what}: ${N} keys into ${CELLS} cells, k = ${K} (median of ${ROUNDS} passes)`,
    ['case', 'ops/s', `${libraries[0]!.name} ÷ case`],
    libraries.map((lib, i) => [lib.name, formatOps(ops[i]!), i === 0 ? '1.00×' : `${(ops[0]! / ops[i]!).toFixed(2)}×`]),
  );
}

// has: filters holding the N keys; lookups alternate between a stored key and an absent one.
const filled = libraries.map((lib) => {
  const f = lib.make();
  for (const k of keys) f.add(k);
  return f;
});
compare(
  `has: ${N} keys in ${CELLS} cells, k = ${K}, half hits and half misses`,
  libraries.map((lib, i) => {
    const f = filled[i]!;
    let j = 0;
    return {
      name: lib.name,
      fn: () => {
        j = (j + 1) % N;
        return f.has(keys[j]!) && f.has(misses[j]!);
      },
    };
  }),
  { opsPerCall: 2 },
);

// Memory, for the record: 4 bits a counter here, a [bit, count] array per cell in bloom-filters.
console.log(`\nours stores ${CELLS} counters in ${Math.ceil(CELLS / 2)} bytes (toBytes().length = ${new CountingBloomFilter(CELLS, K).toBytes().length}).`);
