/**
 * How many of n inserted elements a DlBF can delete: the estimate of Rothenberg et al. (2010).
 *
 * Model: the kn bit settings of n elements land independently and uniformly on m bits. An element
 * is deletable when at least one of its k bits lies in a collision-free region, so, treating its k
 * regions as independent,
 *
 *     P(deletable) = 1 − (1 − p_c)^k
 *
 * where p_c is the probability that the region of one of its bits saw no collision. That bit holds
 * the element's own setting, so p_c asks two things of the other kn − 1 settings:
 *   - none of them lands on the element's bit:            (1 − 1/m)^(kn−1)
 *   - each of the other m/r − 1 bits of the region gets at most one:
 *         p≤1 = (1 − 1/m)^(kn) + (kn/m)·(1 − 1/m)^(kn−1)      (zero or exactly one setting)
 *
 *     p_c = (1 − 1/m)^(kn−1) · p≤1^(m/r − 1)
 */
import { checkInteger, MAX_CELLS, MAX_HASHES } from './validate.ts';

export function expectedDeletability(bits: number, hashes: number, regions: number, n: number): number {
  checkInteger('expectedDeletability: bits', bits, 1, MAX_CELLS);
  checkInteger('expectedDeletability: hashes', hashes, 1, MAX_HASHES);
  checkInteger('expectedDeletability: regions', regions, 1, bits);
  if (bits % regions !== 0) {
    throw new RangeError(`expectedDeletability: bits (${bits}) must be a multiple of regions (${regions})`);
  }
  checkInteger('expectedDeletability: n', n, 1, Number.MAX_SAFE_INTEGER);
  const settings = hashes * n;
  const miss = 1 - 1 / bits; // one setting misses a given bit
  const ownBitAlone = Math.pow(miss, settings - 1);
  const atMostOne = Math.pow(miss, settings) + (settings / bits) * Math.pow(miss, settings - 1);
  const regionClean = ownBitAlone * Math.pow(atMostOne, bits / regions - 1);
  return 1 - Math.pow(1 - regionClean, hashes);
}
