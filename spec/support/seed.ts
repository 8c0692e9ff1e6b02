/**
 * One seed drives every random choice of a fault test. `forEachSeed` runs a case per seed and, on
 * the first failure, reports that seed with its replay command; `--seed N` runs only seed N.
 */
import { SeededFailure, replaySeed } from './replay.ts';

/** A small, fast, seedable PRNG (mulberry32). Returns floats in [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Helpers over a PRNG so tests read as intent, not arithmetic. */
export class Random {
  readonly next: () => number;
  constructor(readonly seed: number) {
    this.next = rng(seed);
  }
  /** Integer in [lo, hi] inclusive. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  bool(p = 0.5): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[this.int(0, items.length - 1)]!;
  }
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.int(0, 255);
    return out;
  }
}

/** A fresh 31-bit seed, or the replayed one. */
export function freshSeed(): number {
  return replaySeed() ?? Math.floor(Math.random() * 0x7fffffff);
}

/**
 * Runs `body` once per seed: `count` seeds counting up from a random base (printed on failure),
 * or only the seed given with `--seed`.
 */
export async function forEachSeed(
  count: number,
  body: (random: Random) => void | Promise<void>,
): Promise<void> {
  const replay = replaySeed();
  const seeds = replay !== undefined ? [replay] : Array.from({ length: count }, (_, i) => (freshBase + i) >>> 0);
  freshBase = (freshBase + count) >>> 0;
  for (const seed of seeds) {
    try {
      await body(new Random(seed));
    } catch (err) {
      throw err instanceof SeededFailure ? err : new SeededFailure(seed, err);
    }
  }
}

let freshBase = Math.floor(Math.random() * 0x7fffffff);

/** Runs one seeded case; a failure carries the seed and its replay command. */
export async function withSeed<T>(body: (random: Random) => T | Promise<T>, seed = freshSeed()): Promise<T> {
  try {
    return await body(new Random(seed));
  } catch (err) {
    throw err instanceof SeededFailure ? err : new SeededFailure(seed, err);
  }
}
