/**
 * Seeded runs over a SimFs with the workbook's replay convention: a failure carries the seed, the
 * one-line replay command and the tail of the op trace.
 */
import { SeededFailure } from '../replay.ts';
import { freshSeed, Random } from '../seed.ts';
import { SimFs, type SimFsOptions } from './simfs.ts';

/**
 * Runs `body` on a fresh SimFs seeded from `random` (e.g. the one `forEachSeed` hands out) or from
 * a fresh seed. On failure throws SeededFailure: seed, replay command, the last `tail` ops.
 */
export async function withSimFs<T>(
  random: Random | undefined,
  body: (sim: SimFs) => T | Promise<T>,
  options: Omit<SimFsOptions, 'seed' | 'random'> & { tail?: number } = {},
): Promise<T> {
  const rnd = random ?? new Random(freshSeed());
  const sim = new SimFs({ ...options, random: rnd });
  try {
    return await body(sim);
  } catch (err) {
    if (err instanceof SeededFailure) throw err;
    throw new SeededFailure(rnd.seed, sim.annotate(err, options.tail ?? 20));
  }
}
