/**
 * `npm run bench bloom-filter`: add and has of the kata's BloomFilter beside `bloomfilter` (Jason
 * Davies: FNV-1a, enhanced double hashing) and `bloom-filters` (BloomFilter class: XXH64 through
 * xxhashjs), in one process, on the same string keys, with the same m and k.
 *
 * The goal for the reference: has() at least 1.0× `bloomfilter` and 50× `bloom-filters`.
 */
import bloomFilters from 'bloom-filters';
import { BloomFilter as DaviesBloomFilter } from 'bloomfilter';
import { BloomFilter, optimalParameters } from '#kata/bloom-filter';
import { compare, type BenchRow } from '#support/bench';

const N = 100_000; // keys per filter
const P = 0.01;
const { bits: M, hashes: K } = optimalParameters(N, P);
const BATCH = 256; // operations per timed call, so the harness's call overhead stays small
const MASK = 2 * N - 1 > 0 ? nextPow2(2 * N) - 1 : 0;

function nextPow2(x: number): number {
  return 2 ** Math.ceil(Math.log2(x));
}

interface KeySet {
  title: string;
  members: string[];
  /** Half members, half strangers, interleaved; length a power of two. */
  queries: string[];
}

function keySet(title: string, make: (i: number, member: boolean) => string): KeySet {
  const members = Array.from({ length: N }, (_, i) => make(i, true));
  const strangers = Array.from({ length: N }, (_, i) => make(i, false));
  const queries: string[] = [];
  for (let i = 0; queries.length <= MASK; i++) queries.push(i % 2 === 0 ? members[(i >> 1) % N]! : strangers[(i >> 1) % N]!);
  // Flat strings: template literals can leave rope (cons) strings the first reader has to flatten.
  for (let i = 0; i < members.length; i++) members[i] = flat(members[i]!);
  for (let i = 0; i < queries.length; i++) queries[i] = flat(queries[i]!);
  return { title, members, queries };
}

function flat(s: string): string {
  return s.split('').join('');
}

interface Contender {
  name: string;
  add(key: string): void;
  has(key: string): boolean;
}

function contenders(): Contender[] {
  const ours = new BloomFilter(M, K);
  const davies = new DaviesBloomFilter(M, K);
  const minier = new bloomFilters.BloomFilter(M, K);
  return [
    { name: 'kata BloomFilter', add: (k) => ours.add(k), has: (k) => ours.has(k) },
    { name: 'bloomfilter', add: (k) => davies.add(k), has: (k) => davies.test(k) },
    { name: 'bloom-filters', add: (k) => minier.add(k), has: (k) => minier.has(k) },
  ];
}

function run(set: KeySet): { add: BenchRow[]; has: BenchRow[] } {
  // Fill every filter with the members first, so has() meets a filter at its design load.
  const filled = contenders();
  for (const c of filled) for (const k of set.members) c.add(k);
  const has = compare(
    `has(), ${set.title}: ${N.toLocaleString('en')} keys in m = ${M.toLocaleString('en')} bits, k = ${K}; half the queries members`,
    filled.map((c) => {
      let pos = 0;
      return {
        name: c.name,
        fn: () => {
          let hits = 0;
          for (let j = 0; j < BATCH; j++) if (c.has(set.queries[pos++ & MASK]!)) hits++;
          return hits;
        },
      };
    }),
    { opsPerCall: BATCH },
  );
  // add() into fresh filters of the same size, cycling through the members.
  const fresh = contenders();
  const add = compare(
    `add(), ${set.title}`,
    fresh.map((c) => {
      let pos = 0;
      return {
        name: c.name,
        fn: () => {
          for (let j = 0; j < BATCH; j++) c.add(set.members[pos++ % N]!);
        },
      };
    }),
    { opsPerCall: BATCH },
  );
  return { add, has };
}

const sets = [
  keySet('short ASCII keys (user:<id>, 6-11 chars)', (i, member) => `${member ? 'user' : 'anon'}:${(i * 7919) % 1_000_003}`),
  keySet('URL keys (~60 chars)', (i, member) => `https://example.com/${member ? 'articles' : 'comments'}/${i}/a-long-slug-for-the-page-${(i * 31) % 997}`),
  keySet('non-ASCII keys (~12 chars, Greek and CJK)', (i, member) => `${member ? 'κλειδί' : '鍵'}-${i}-ß`),
];

console.log(`Same filter for all: m = ${M} bits (bloomfilter rounds up to ${Math.ceil(M / 32) * 32}), k = ${K}, n = ${N}.`);
const summary: string[] = [];
for (const set of sets) {
  const r = run(set);
  const ratio = (rows: BenchRow[], name: string) => rows[0]!.opsPerSec / rows.find((x) => x.name === name)!.opsPerSec;
  summary.push(
    `${set.title}: has ${ratio(r.has, 'bloomfilter').toFixed(2)}× bloomfilter, ${ratio(r.has, 'bloom-filters').toFixed(0)}× bloom-filters; ` +
      `add ${ratio(r.add, 'bloomfilter').toFixed(2)}× bloomfilter, ${ratio(r.add, 'bloom-filters').toFixed(0)}× bloom-filters`,
  );
}
console.log('\nSummary (kata ÷ library; goal for has(): ≥ 1.0× bloomfilter, ≥ 50× bloom-filters)');
for (const line of summary) console.log(`  ${line}`);
