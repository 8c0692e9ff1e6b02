/**
 * `npm run bench consistent-hashing`: the reference ring beside `hashring` (libketama layout, MD5,
 * with an LRU cache of answers), same 10 servers with 160 points each, same keys.
 *
 *   distinct keys: 200,000 keys cycled, far more than hashring's 5,000-entry cache, so every
 *                  lookup hashes and searches (what a proxy sees with many users);
 *   hot keys:      1,000 keys cycled, all inside hashring's cache after the first round;
 *   build:         putting the 10 servers on a fresh ring.
 */
import HashRingLib from 'hashring';
import { HashRing } from '#kata/consistent-hashing';
import { compare } from '#support/bench';

const servers = Array.from({ length: 10 }, (_, i) => `10.0.0.${i + 1}:11211`);
const distinct = Array.from({ length: 200_000 }, (_, i) => `user:${(i * 2654435761) >>> 0}`);
const hot = distinct.slice(0, 1000);
const BATCH = 1000;

const ours = new HashRing();
for (const s of servers) ours.add(s);
const theirs = new HashRingLib(servers); // 40 hashes × 4 replicas = 160 points per server

// Both rings answer, and spread keys alike (each server near 10%): the comparison is like for like.
for (const [name, ring] of [['HashRing', ours], ['hashring', theirs]] as const) {
  const counts = new Map<string, number>();
  for (const k of distinct) counts.set(ring.get(k)!, (counts.get(ring.get(k)!) ?? 0) + 1);
  const shares = servers.map((s) => (counts.get(s) ?? 0) / distinct.length);
  console.log(`${name.padEnd(9)} shares of 200k keys: min ${(Math.min(...shares) * 100).toFixed(1)}%, max ${(Math.max(...shares) * 100).toFixed(1)}%`);
}

/** A case that looks up the next BATCH keys of `keys` on `ring`. */
function lookups(ring: { get(key: string): string | undefined }, keys: readonly string[]): () => unknown {
  let at = 0;
  return () => {
    let last: string | undefined;
    for (let i = 0; i < BATCH; i++) {
      last = ring.get(keys[at]!);
      at = at + 1 === keys.length ? 0 : at + 1;
    }
    return last;
  };
}

const getDistinct = compare(
  'get(), 200k distinct keys (hashring cache misses)',
  [
    { name: 'HashRing', fn: lookups(ours, distinct) },
    { name: 'hashring', fn: lookups(theirs, distinct) },
  ],
  { opsPerCall: BATCH },
);

const getHot = compare(
  'get(), 1k hot keys (hashring cache hits)',
  [
    { name: 'HashRing', fn: lookups(ours, hot) },
    { name: 'hashring', fn: lookups(theirs, hot) },
  ],
  { opsPerCall: BATCH },
);

compare('build a ring of 10 servers', [
  {
    name: 'HashRing',
    fn: () => {
      const r = new HashRing();
      for (const s of servers) r.add(s);
      return r;
    },
  },
  { name: 'hashring', fn: () => new HashRingLib(servers) },
]);

const goal = 20;
const ratio = getDistinct[1]!.ratio;
console.log(
  `\nGoal: get() at least ${goal}× hashring's on distinct keys: ${ratio.toFixed(1)}× — ${ratio >= goal ? 'met' : `missed by ${(goal / ratio).toFixed(2)}×`}` +
    ` (hot keys, where hashring answers from its cache: ${getHot[1]!.ratio.toFixed(1)}×).`,
);
