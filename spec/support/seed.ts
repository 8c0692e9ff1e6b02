/**
 * One seed drives every random choice of a fault test. `forEachSeed` runs a case per seed and, on
 * the first failure, reports that seed with its replay command; `--seed N` runs only seed N.
 */
import { Random } from './random.ts';
import { SeededFailure, replaySeed } from './replay.ts';

export { Random, rng } from './random.ts';

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
